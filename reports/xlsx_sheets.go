package reports

import (
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// The streamed sheets. Each keeps the report's order: groups by score, then
// name; findings by severity within a group.

var groupColumns = []column{
	{title: "Name", width: 32},
	{title: "Mail", width: 32},
	{title: "Kind", width: 14},
	{title: "Score", width: 8},
	{title: "Risk", width: 10},
	{title: "Expanded recipients", width: 12},
	{title: "External members", width: 11},
	{title: "External reachable by outside senders", width: 18},
	{title: "Direct members", width: 10},
	{title: "Nested groups", width: 10},
	{title: "Require sender auth", width: 16},
	{title: "Delivery reports to", width: 12},
	{title: "OOF to originator", width: 16},
	{title: "Moderation", width: 16},
	{title: "Owners", width: 8},
	{title: "Incomplete", width: 11},
	{title: "Findings", width: 48},
	{title: "ID", width: 38},
	{title: "DN", width: 60},
	{title: "Observed in tracking", width: 40},
}

func writeGroups(f *excelize.File, st *styles, rep *audit.Report) error {
	t := newTable(f, st, "Groups", groupColumns)
	for i := range rep.Groups {
		g := &rep.Groups[i]
		s := g.Settings
		// Settings nobody read show as unknown (SettingsOf marks the
		// switches and the report target), not as Exchange's defaults.
		var owners any = s.Owners
		if g.SettingsUnknown {
			owners = audit.SourceUnknown
		}
		err := t.add([]any{
			g.Name, g.Mail, string(g.Kind), g.Score, st.bandCell(g.Risk),
			g.ExpandedRecipients, g.ExternalMembers, g.ExternalReachable,
			g.DirectMembers, g.NestedGroups,
			settingText(s.RequireSenderAuth.Setting()), string(s.DeliveryReportsTo),
			settingText(s.OOFToOriginator.Setting()), settingText(s.Moderation.Setting()),
			owners, incompleteText(g), ruleIDs(g.Findings), g.ID, g.DN, observedText(g.Observed),
		})
		if err != nil {
			return err
		}
	}
	return t.close()
}

// incompleteText says what of the group was not read (IncompleteParts:
// "membership", "settings", "nested settings", "owner", comma-separated),
// "no" when nothing: a bare yes would leave the reader to guess whether the
// counts or the settings findings are short.
func incompleteText(g *audit.GroupResult) string {
	parts := g.IncompleteParts()
	switch {
	case len(parts) > 0:
		return strings.Join(parts, ", ")
	case g.Incomplete:
		// Built without a reason; still never shown as read in full.
		return "yes"
	}
	return "no"
}

var findingColumns = []column{
	{title: "Group", width: 32},
	{title: "Group mail", width: 32},
	{title: "Group ID", width: 38},
	{title: "Rule", width: 28},
	{title: "Severity", width: 10},
	{title: "Title", width: 50},
	{title: "Message", width: 80},
	{title: "Evidence", width: 80},
}

// writeFindings puts organization findings first, as the JSON does, so a
// reader meets the organization-wide causes before the groups they affect.
func writeFindings(f *excelize.File, st *styles, rep *audit.Report) error {
	t := newTable(f, st, "Findings", findingColumns)
	for _, fd := range rep.OrgFindings {
		if err := t.add(findingRow(st, orgGroupName, "", "", fd)); err != nil {
			return err
		}
	}
	for i := range rep.Groups {
		g := &rep.Groups[i]
		for _, fd := range g.Findings {
			if err := t.add(findingRow(st, g.Name, g.Mail, g.ID, fd)); err != nil {
				return err
			}
		}
	}
	return t.close()
}

func findingRow(st *styles, name, mail, id string, fd audit.Finding) []any {
	return []any{name, mail, id, fd.Rule, st.severityCell(fd.Severity), fd.Title, fd.Message, evidenceSummary(fd.Evidence)}
}

var externalColumns = []column{
	{title: "Group", width: 32},
	{title: "Group mail", width: 32},
	{title: "Member", width: 30},
	{title: "Address", width: 36},
	{title: "Domain", width: 24},
	{title: "Kind", width: 14},
	{title: "Path", width: 40},
	{title: "Blocked by", width: 30},
}

// writeExternal is the sheet most likely to pass a million rows (every
// external recipient once per group that reaches it), which is why tables
// split.
func writeExternal(f *excelize.File, st *styles, rep *audit.Report) error {
	t := newTable(f, st, "External members", externalColumns)
	for i := range rep.Groups {
		g := &rep.Groups[i]
		for _, e := range g.External {
			if err := t.add([]any{g.Name, g.Mail, e.Name, e.Address, e.Domain, e.Kind, viaText(e.Via), e.BlockedBy}); err != nil {
				return err
			}
		}
	}
	return t.close()
}

func writeRules(f *excelize.File, st *styles, rep *audit.Report) error {
	t := newTable(f, st, "Rules", []column{
		{title: "ID", width: 28},
		{title: "Title", width: 50, style: st.wrap},
		{title: "Severity", width: 10},
		{title: "Scope", width: 14},
		{title: "Adjust", width: 8},
		{title: "Tags", width: 24},
		{title: "Why", width: 90, style: st.wrap},
		{title: "Fix", width: 90, style: st.wrap},
	})
	for _, r := range rep.Rules {
		err := t.add([]any{r.ID, r.Title, st.severityCell(r.Severity), string(r.Scope), r.Adjust, strings.Join(r.Tags, ", "), r.Why, r.Fix})
		if err != nil {
			return err
		}
	}
	return t.close()
}

// observedText is the Groups sheet's view of tracking evidence: empty when
// no logs were given or they showed nothing about the group.
func observedText(o *audit.ObservedTraffic) string {
	if o == nil {
		return ""
	}
	what := "observed"
	if o.Loop {
		what = "LIVE LOOP"
	}
	text := what + " (" + strings.Join(o.Signals, ", ") + "), " + strconv.FormatInt(o.Messages, 10) + " messages"
	// A group already at 100 gains nothing; "+0 points" would read as
	// though the evidence did not count.
	if o.Added > 0 {
		text += ", +" + strconv.Itoa(o.Added) + " points"
	}
	return text
}
