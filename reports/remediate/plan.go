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
	ruleMgrGroup  = "manager-is-group"
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
		hasGroupManager := slices.ContainsFunc(g.Findings, func(f reports.ReadFinding) bool { return f.Rule == ruleMgrGroup })
		switch {
		case g.Kind == directory.Microsoft365:
		case st.Owners > 0 && !hasGroupManager && st.ReportToManager.Value != "true":
			p.changes = append(p.changes, change{param: paramManager, attr: attrManager, value: true, answers: a})
		case st.Owners == 0:
			p.notes = append(p.notes, "the group has no owner, so delivery reports now go to nobody; set an owner (ManagedBy) and then "+paramManager+" $true")
		case hasGroupManager:
			p.notes = append(p.notes, "the first owner is a group, so "+paramManager+" is left off; make a person the first owner (ManagedBy) and then set it $true")
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
