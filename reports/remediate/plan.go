package remediate

import (
	"slices"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/reports"
)

// Selection picks what to fix. The zero value selects every finding of
// every group.
type Selection struct {
	// MinSeverity: findings below it are left alone.
	MinSeverity audit.Severity
	// Groups, when not empty, are the group IDs or mail addresses to fix.
	Groups []string
	// Rules, when not empty, are the rule IDs to fix.
	Rules []string
}

func (s Selection) group(g *reports.ReadGroup) bool {
	return len(s.Groups) == 0 || slices.Contains(s.Groups, g.ID) || (g.Mail != "" && slices.Contains(s.Groups, g.Mail))
}

func (s Selection) finding(f reports.ReadFinding) bool {
	return f.Severity >= s.MinSeverity && (len(s.Rules) == 0 || slices.Contains(s.Rules, f.Rule))
}

// change is one setting to set, with the findings it answers.
type change struct {
	// param is the cmdlet parameter, attr the AD attribute.
	param, attr string
	value       bool
	answers     []reports.ReadFinding
}

// groupPlan is what to do about one group.
type groupPlan struct {
	group   *reports.ReadGroup
	changes []change
	// manual are selected findings no setting fixes (external members, no
	// owner, ...), listed for a human.
	manual []reports.ReadFinding
	// notes explain choices the script made or could not make.
	notes []string
}

// Settings, and the rules each one answers.
const (
	paramAuth     = "RequireSenderAuthenticationEnabled"
	paramOrig     = "ReportToOriginatorEnabled"
	paramManager  = "ReportToManagerEnabled"
	paramOOF      = "SendOofMessageToOriginatorEnabled"
	attrAuth      = "msExchRequireAuthToSendTo"
	attrOrig      = "reportToOriginator"
	attrManager   = "reportToOwner"
	attrOOF       = "oOFReplyToOriginator"
	ruleNDR       = "ndr-loop-risk"
	ruleOOFStorm  = "oof-storm-risk"
	ruleOpen      = "open-to-external-senders"
	ruleAcceptFwd = "accept-list-without-auth"
	ruleReports   = "reports-to-originator"
	ruleOOF       = "oof-to-originator"
)

// plan decides the changes for one group from its selected findings. Only
// settings that the report shows in the risky state are changed, so running
// a script twice, or on a group fixed since, changes nothing more.
func plan(g *reports.ReadGroup, sel Selection) groupPlan {
	p := groupPlan{group: g}
	var fs []reports.ReadFinding
	for _, f := range g.Findings {
		if sel.finding(f) {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return p
	}
	answered := map[string]bool{}
	pick := func(rules ...string) []reports.ReadFinding {
		var out []reports.ReadFinding
		for _, f := range fs {
			if slices.Contains(rules, f.Rule) {
				out = append(out, f)
				answered[f.Rule] = true
			}
		}
		return out
	}
	st := g.Settings
	if a := pick(ruleOpen, ruleNDR, ruleOOFStorm, ruleAcceptFwd); len(a) > 0 && st.RequireSenderAuth.Value != "true" {
		p.changes = append(p.changes, change{param: paramAuth, attr: attrAuth, value: true, answers: a})
	}
	if a := pick(ruleReports, ruleNDR); len(a) > 0 && st.ReportToOriginator.Value == "true" {
		p.changes = append(p.changes, change{param: paramOrig, attr: attrOrig, value: false, answers: a})
		switch on, note := managerMode(g); {
		case on:
			p.changes = append(p.changes, change{param: paramManager, attr: attrManager, value: true, answers: a})
		case note != "":
			p.notes = append(p.notes, note)
		}
	}
	if a := pick(ruleOOF, ruleOOFStorm); len(a) > 0 && st.OOFToOriginator.Value == "true" {
		p.changes = append(p.changes, change{param: paramOOF, attr: attrOOF, value: false, answers: a})
	}
	for _, f := range fs {
		if !answered[f.Rule] {
			p.manual = append(p.manual, f)
		}
	}
	return p
}

// managerMode decides whether delivery reports, once they no longer go to
// the originator, go to the first owner (on), or else says why not (note,
// empty when there is nothing to say). Manager mode sends every delivery
// report to the first owner, so it is turned on only when the report shows
// that owner resolved to a user: a group as first owner is the
// manager-is-group finding the fix would create, and an owner that did not
// resolve may not exist.
func managerMode(g *reports.ReadGroup) (on bool, note string) {
	const then = ", so " + paramManager + " is left off and delivery reports now go to nobody; "
	st := g.Settings
	switch {
	case g.Kind == directory.Microsoft365, st.ReportToManager.Value == "true":
		// Not settable, or already on: a group as first owner is then a
		// manager-is-group finding of its own, listed for review.
		return false, ""
	case st.Owners == 0 || st.FirstOwner == audit.FirstOwnerNone:
		return false, "the group has no owner, so delivery reports now go to nobody; set an owner (ManagedBy) and then " + paramManager + " $true"
	case audit.FirstOwnerIsUser(st.FirstOwner):
		return true, ""
	case st.FirstOwner == string(audit.KindGroup):
		return false, "the first owner is a group" + then + "make a person the first owner (ManagedBy) and then set it $true"
	case st.FirstOwner == audit.FirstOwnerUnresolved:
		return false, "the first owner (ManagedBy) did not resolve to any object the audit read" + then +
			"make an existing mailbox the first owner and then set it $true"
	case st.FirstOwner == "":
		return false, "the report does not say what the first owner is (it predates that field)" + then +
			"audit again with this version, or make sure the first owner (ManagedBy) is a mailbox and then set it $true"
	}
	return false, "the first owner is a " + st.FirstOwner + ", not a person" + then + "make a mailbox the first owner (ManagedBy) and then set it $true"
}

// plans returns the plan of every selected group with something to say, in
// report order.
func plans(rep *reports.ReadReport, sel Selection) []groupPlan {
	var out []groupPlan
	for i := range rep.Groups {
		g := &rep.Groups[i]
		if !sel.group(g) {
			continue
		}
		if p := plan(g, sel); len(p.changes) > 0 || len(p.manual) > 0 {
			out = append(out, p)
		}
	}
	return out
}
