package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"dgaudit/audit"
)

// CSV writes the findings, one row per finding, for spreadsheets and scripts
// (docs/report-schema.md lists the columns). An incomplete run starts with an
// "incomplete-run" row and one "coverage-gap" row per coverage gap, so that it
// never reads like a clean run; a complete run has no such rows. Evidence
// from tracking logs follows, one "observed-..." row per incident. Organization
// findings come next, with empty group columns and group_name
// "(organization)"; then each group's findings in report order. Groups
// without findings have no row.
type CSV struct{}

var csvHeader = []string{
	"group_id", "group_name", "group_mail", "group_kind", "score", "risk",
	"rule", "severity", "title", "message", "evidence",
}

// IsOwnCSV reports whether firstLine (a file's first line, with or without
// its line break) is the header of a CSV dgaudit writes: CSV's findings or
// WriteDiff's differences. A folder given as tracking logs may hold an
// earlier trace's report (trace DIR -o DIR/trace.csv); read as a log, it
// would fail every later run as a file that is not tracking data.
func IsOwnCSV(firstLine []byte) bool {
	line := strings.TrimRight(string(firstLine), "\r\n")
	line = strings.TrimPrefix(line, "\uFEFF")
	return line == strings.Join(csvHeader, ",") || line == strings.Join(diffHeader, ",")
}

// Write writes rep to w.
func (CSV) Write(w io.Writer, rep *audit.Report) error {
	if rep == nil {
		return errors.New("csv: no report to write")
	}
	cw := csv.NewWriter(w)
	rec := make([]string, len(csvHeader))
	// put neutralizes every cell: a CSV has no cell types, so a hostile
	// group name is as dangerous here as anywhere.
	put := func(vals ...string) error {
		for i, v := range vals {
			rec[i] = neutralize(v)
		}
		return cw.Write(rec)
	}
	err := cw.Write(csvHeader)
	if err == nil && !rep.Complete {
		// Severity stays empty: these are not findings, and a filter on
		// severity must not count them as such.
		n := incompleteGroups(rep)
		err = put("", runGroupName, "", "", "", "", ruleIncomplete, "", titleIncomplete, runMessage(rep, n),
			fmt.Sprintf("gaps=%d; incompleteGroups=%d", len(rep.Coverage.Gaps), n))
	}
	for i := 0; i < len(rep.Coverage.Gaps) && err == nil; i++ {
		g := rep.Coverage.Gaps[i]
		err = put("", gapGroupName, "", "", "", "", ruleCoverageGap, "", titleCoverageGap+" ("+g.What+")", g.Reason, gapEvidence(g))
	}
	for _, in := range incidents(rep.Traffic) {
		if err != nil {
			break
		}
		err = put(in.groupID, observedGroupName, in.subject, "", "", "",
			observedPrefix+in.kind, in.severity.String(), in.title(), in.detail, in.evidence())
	}
	for _, f := range rep.OrgFindings {
		if err != nil {
			break
		}
		err = put("", orgGroupName, "", "", "", "",
			f.Rule, f.Severity.String(), f.Title, f.Message, evidenceSummary(f.Evidence))
	}
	for gi := 0; gi < len(rep.Groups) && err == nil; gi++ {
		g := &rep.Groups[gi]
		score := strconv.Itoa(g.Score)
		for _, f := range g.Findings {
			if err = put(g.ID, g.Name, g.Mail, string(g.Kind), score, string(g.Risk),
				f.Rule, f.Severity.String(), f.Title, f.Message, evidenceSummary(f.Evidence)); err != nil {
				break
			}
		}
	}
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		return fmt.Errorf("csv: write findings: %w", err)
	}
	return nil
}
