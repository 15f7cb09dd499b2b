package remediate

import (
	"slices"
	"strings"

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

// group reports whether g is selected. IDs (GUIDs) and mail addresses are
// compared without case: Exchange treats both so, and a GUID or address
// typed in another case names the same group.
func (s Selection) group(g *reports.ReadGroup) bool {
	return len(s.Groups) == 0 || slices.ContainsFunc(s.Groups, func(want string) bool { return MatchesGroup(g, want) })
}

// MatchesGroup reports whether idOrMail names g, by ID or mail address, in
// any case.
func MatchesGroup(g *reports.ReadGroup, idOrMail string) bool {
	return strings.EqualFold(g.ID, idOrMail) || (g.Mail != "" && strings.EqualFold(g.Mail, idOrMail))
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
	closing := false
	if a := pick(ruleOpen, ruleNDR, ruleOOFStorm, ruleAcceptFwd); len(a) > 0 && st.RequireSenderAuth.Value != "true" {
		p.changes = append(p.changes, change{param: paramAuth, attr: attrAuth, value: true, answers: a})
		closing = true
	}
	if a := pick(ruleReports, ruleNDR); len(a) > 0 && st.ReportToOriginator.Value == "true" {
		switch already, why := managerMode(g); {
		case closing:
			// Requiring authentication already closes the loop, and for a
			// group that requires it reports to the (now internal)
			// originator are the recommended setting: turning them off too
			// would leave neither report flag on, which suppresses every
			// delivery report (no-delivery-reports). reports-to-originator
			// fires only for open groups, so the same change answers it.
			for _, f := range a {
				if f.Rule == ruleReports {
					p.changes[0].answers = append(p.changes[0].answers, f)
				}
			}
		case already:
			p.changes = append(p.changes, change{param: paramOrig, attr: attrOrig, value: false, answers: a})
		case why == "":
			p.changes = append(p.changes,
				change{param: paramOrig, attr: attrOrig, value: false, answers: a},
				change{param: paramManager, attr: attrManager, value: true, answers: a})
		default:
			// Originator off without manager on would suppress every
			// delivery report, so nothing is changed and the findings stay
			// for a human.
			for _, f := range a {
				answered[f.Rule] = false
			}
			note := paramOrig + " is left on: turning it off without " + paramManager +
				" would leave both report flags off, and Exchange would then send no delivery reports at all (no-delivery-reports). " +
				"Manager mode is not proposed because " + why
			if st.ReportToManager.Value == "true" {
				// Manager mode is on, but to an owner that cannot take the
				// reports: originator reports are then the only good ones.
				note = paramOrig + " is left on: " + paramManager + " is on, but " + why
			}
			p.notes = append(p.notes, note+". Alternatively require sender authentication ("+paramAuth+
				" $true), which closes the loop and keeps reports to the originator")
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

// managerMode says whether delivery reports already go to a fit first owner
// (manager mode on), or else why they cannot (why is empty when manager mode
// can be turned on). Manager mode sends every delivery report to the first
// owner, so it counts only when the report shows that owner resolved to a
// mailbox or remote mailbox, a person inside the organization: a group as
// first owner is the manager-is-group finding, a mail user or guest sends
// the bounces outside, and an owner that did not resolve may not exist. That
// holds for manager mode already on too: turning originator reports off
// would then leave the owner's as the only ones.
func managerMode(g *reports.ReadGroup) (already bool, why string) {
	if g.Kind == directory.Microsoft365 {
		return false, "Set-UnifiedGroup cannot set the report flags of a Microsoft 365 group"
	}
	why = ownerProblem(g)
	return why == "" && g.Settings.ReportToManager.Value == "true", why
}

// ownerProblem says why the group's first owner cannot take its delivery
// reports, "" when it can (a mailbox or remote mailbox).
func ownerProblem(g *reports.ReadGroup) string {
	const then = "; make a mailbox the first owner (ManagedBy), then set " + paramManager + " $true and " + paramOrig + " $false"
	st := g.Settings
	switch {
	case st.Owners == 0 || st.FirstOwner == audit.FirstOwnerNone:
		return "the group has no owner to send delivery reports to; set a mailbox as owner (ManagedBy), then set " +
			paramManager + " $true and " + paramOrig + " $false"
	case st.FirstOwner == string(directory.Mailbox), st.FirstOwner == string(directory.RemoteMailbox):
		return ""
	case st.FirstOwner == string(directory.MailUser), st.FirstOwner == string(directory.Guest):
		// A mail user's or guest's mail is routed to another
		// organization, so manager mode would send every bounce of the
		// group outside.
		return "the first owner is a " + st.FirstOwner + ", whose mail leaves the organization, so every delivery report would go outside" + then
	case st.FirstOwner == string(audit.KindGroup):
		return "the first owner is a group, which would get every bounce (manager-is-group)" + then
	case st.FirstOwner == audit.FirstOwnerUnresolved:
		return "the first owner (ManagedBy) did not resolve to any object the audit read" + then
	case st.FirstOwner == "":
		return "the report does not say what the first owner is (it predates that field); audit again with this version, or" +
			strings.TrimPrefix(then, ";")
	}
	return "the first owner is a " + st.FirstOwner + ", not a person" + then
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
