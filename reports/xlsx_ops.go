package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// The Changes and Suppressed sheets exist only when the run had a baseline or
// suppressions, so a plain report keeps its plain workbook.

var changeColumns = []column{
	{title: "Change", width: 11},
	{title: "Group", width: 32},
	{title: "Mail", width: 32},
	{title: "Score", width: 8},
	{title: "Previous score", width: 10},
	{title: "Risk", width: 10},
	{title: "Previous risk", width: 10},
	{title: "New or worse findings", width: 48},
	{title: "Gone findings", width: 48},
	{title: "ID", width: 38},
}

func writeChanges(f *excelize.File, st *styles, rep *audit.Report) error {
	c := rep.Changes
	if c == nil {
		return nil
	}
	cols := changeColumns
	if c.ConfigurationOnly {
		// One run had tracking evidence and the other had not: say
		// that the scores compared leave its points out.
		cols = slices.Clone(changeColumns)
		cols[3].title, cols[4].title = "Configuration score", "Previous configuration score"
		cols[5].title, cols[6].title = "Configuration risk", "Previous configuration risk"
	}
	t := newTable(f, st, "Changes", cols)
	row := func(g audit.GroupChange) []any {
		return []any{string(g.Change), g.Name, g.Mail, g.Score, g.PreviousScore,
			st.bandCell(g.Risk), st.bandCell(g.PreviousRisk), refsText(g.Added), refsText(g.Removed), g.ID}
	}
	if c.Organization != nil {
		if err := t.add(row(*c.Organization)); err != nil {
			return err
		}
	}
	for _, g := range c.Groups {
		if err := t.add(row(g)); err != nil {
			return err
		}
	}
	return t.close()
}

func refsText(refs []audit.FindingRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = fmt.Sprintf("%s (%s)", r.Rule, r.Severity)
	}
	return strings.Join(parts, ", ")
}

var suppressedColumns = []column{
	{title: "Group", width: 32},
	{title: "Group mail", width: 32},
	{title: "Rule", width: 28},
	{title: "Severity", width: 10},
	{title: "Message", width: 80},
	{title: "Reason", width: 48},
	{title: "Owner", width: 24},
	{title: "Expires", width: 12},
	{title: "Group ID", width: 38},
}

// writeSuppressed lists the suppressed findings, then every suppression that
// is expired or matched nothing, so the file can be kept tidy from the
// workbook alone.
func writeSuppressed(f *excelize.File, st *styles, rep *audit.Report) error {
	if rep.Suppressions == nil {
		return nil
	}
	t := newTable(f, st, "Suppressed", suppressedColumns)
	for i := range rep.Groups {
		g := &rep.Groups[i]
		for _, s := range g.Suppressed {
			err := t.add([]any{g.Name, g.Mail, s.Rule, st.severityCell(s.Severity), s.Message,
				s.By.Reason, s.By.Owner, dateText(s.By.LastDay()), g.ID})
			if err != nil {
				return err
			}
		}
	}
	for _, s := range rep.Suppressions {
		if s.State == audit.SuppressionActive {
			continue
		}
		err := t.add([]any{s.Name, "", s.Rule, "", "(" + string(s.State) + " suppression: it suppressed nothing)",
			s.Reason, s.Owner, dateText(s.LastDay()), s.ObjectID})
		if err != nil {
			return err
		}
	}
	return t.close()
}
