package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// topGroups is how many groups the Summary lists; the Groups sheet has all.
const topGroups = 10

// summarySheet is the first sheet. It is small, so it is written in normal
// mode, which the chart needs anyway: a chart must not sit on a streamed sheet.
const summarySheet = "Summary"

// styled is a Summary cell with its own style.
type styled struct {
	value any
	style int
}

// sheetWriter writes a normal (not streamed) sheet top to bottom: the
// Summary and the Timeline. The first error sticks and makes every later
// call a no-op.
type sheetWriter struct {
	f     *excelize.File
	cuts  *cellCuts
	sheet string
	row   int // the last row written
	err   error
}

// line writes the next row. rowStyle, when non-zero, styles every cell of
// the row (a table header); a styled value brings its own.
func (s *sheetWriter) line(rowStyle int, vals ...any) {
	s.row++
	if s.err != nil || len(vals) == 0 {
		return
	}
	for i, v := range vals {
		style := rowStyle
		if sv, ok := v.(styled); ok {
			v, style = sv.value, sv.style
		}
		if str, ok := v.(string); ok {
			v = escapeXString(s.cuts.text(s.sheet, str))
		}
		cell, err := excelize.CoordinatesToCellName(i+1, s.row)
		if err == nil {
			err = s.f.SetCellValue(s.sheet, cell, v)
		}
		if err == nil && style != 0 {
			err = s.f.SetCellStyle(s.sheet, cell, cell, style)
		}
		if err != nil {
			s.err = err
			return
		}
	}
}

func (s *sheetWriter) blank() { s.row++ }

func writeSummary(f *excelize.File, st *styles, rep *audit.Report, tool string) error {
	// A new workbook has one sheet, "Sheet1"; renaming it keeps Summary
	// first without an empty sheet left over.
	if err := f.SetSheetName(f.GetSheetName(0), summarySheet); err != nil {
		return fmt.Errorf("write sheet %s: %w", summarySheet, err)
	}
	s := &sheetWriter{f: f, cuts: st.cuts, sheet: summarySheet}
	s.line(st.title, "Distribution group audit")
	s.blank() // noteCuts writes here when cells had to be cut
	s.line(0, "Tool", tool)
	s.line(0, "Source", rep.Source)
	s.line(0, "Collected at", jsonTime(rep.CollectedAt))
	s.line(0, "Audited at", jsonTime(rep.AuditedAt))
	s.line(0, "Complete", yesNo(rep.Complete))
	s.line(0, "Groups", styled{rep.Summary.Groups, st.left})
	s.line(0, "Findings", styled{rep.Summary.Findings, st.left})
	// Findings are the groups' configuration; what the tracking logs
	// showed is counted apart, only in runs that read them, so plain
	// reports keep their layout. A trace with a critical loop read
	// "Findings 0" and nothing else here.
	evidence := map[audit.Severity]int(nil)
	if rep.Traffic != nil {
		evidence = evidenceBySeverity(rep.Traffic)
		n := 0
		for _, c := range evidence {
			n += c
		}
		s.line(0, "Observed incidents", styled{n, st.left})
	}
	s.line(0, "External recipients", styled{rep.Summary.ExternalRecipients, st.left})
	s.line(0, "Coverage gaps", styled{rep.Summary.Gaps, st.left})
	// Only runs with suppressions or a baseline get these lines, so plain
	// reports keep their layout.
	if rep.Suppressions != nil {
		s.line(0, "Suppressed findings", styled{rep.Summary.Suppressed, st.left})
	}
	if c := rep.Changes; c != nil {
		parts := make([]string, 0, len(audit.ChangeOrder))
		for _, ch := range audit.ChangeOrder {
			parts = append(parts, fmt.Sprintf("%s %d", ch, c.Counts[ch]))
		}
		s.line(0, "Changes since baseline", strings.Join(parts, ", "))
	}

	s.blank()
	s.line(st.section, "Groups by risk band")
	s.line(st.header, "Risk band", "Groups")
	firstBand := s.row + 1
	for _, b := range audit.Bands {
		s.line(0, styled{string(b), st.band[b]}, rep.Summary.ByBand[b])
	}
	lastBand := s.row

	s.blank()
	s.line(st.section, "Findings by severity")
	s.line(st.header, "Severity", "Findings")
	for sev := audit.Critical; sev >= audit.Info; sev-- {
		s.line(0, styled{sev.String(), st.severity[sev]}, rep.Summary.BySeverity[sev])
	}

	if evidence != nil {
		s.blank()
		s.line(st.section, "Observed incidents by severity (the Incidents sheet)")
		s.line(st.header, "Severity", "Incidents")
		for sev := audit.Critical; sev >= audit.Info; sev-- {
			s.line(0, styled{sev.String(), st.severity[sev]}, evidence[sev])
		}
	}

	s.blank()
	s.line(st.section, "Top groups by score")
	s.line(st.header, "Name", "Mail", "Score", "Risk", "External reachable by outside senders")
	// Groups come sorted by score; a group without findings is no one's
	// top concern.
	listed := 0
	for i := 0; i < len(rep.Groups) && listed < topGroups; i++ {
		g := &rep.Groups[i]
		if g.Score == 0 {
			break
		}
		s.line(0, g.Name, g.Mail, g.Score, styled{string(g.Risk), st.band[g.Risk]}, g.ExternalReachable)
		listed++
	}
	if listed == 0 {
		s.line(0, "(no group has findings)")
	}

	s.blank()
	s.line(st.section, "Coverage: read")
	s.line(st.header, "What", "Count", "Source")
	for _, r := range rep.Coverage.Read {
		s.line(0, r.What, r.Count, r.Source)
	}
	s.blank()
	s.line(st.section, "Coverage: gaps")
	s.line(st.header, "What", "Object", "Reason")
	for _, g := range rep.Coverage.Gaps {
		s.line(0, g.What, g.Object, g.Reason)
	}
	if len(rep.Coverage.Gaps) == 0 {
		s.line(0, "(none)")
	}
	if s.err != nil {
		return fmt.Errorf("write sheet %s: %w", summarySheet, s.err)
	}

	for col, w := range []float64{28, 40, 12, 12, 18} {
		name, _ := excelize.ColumnNumberToName(col + 1)
		if err := f.SetColWidth(summarySheet, name, name, w); err != nil {
			return fmt.Errorf("write sheet %s: column widths: %w", summarySheet, err)
		}
	}
	if err := addBandChart(f, firstBand, lastBand); err != nil {
		return fmt.Errorf("write sheet %s: chart: %w", summarySheet, err)
	}
	return nil
}

// addBandChart draws the risk distribution from the band table's cells, so
// the chart and the numbers beside it cannot disagree. It is a column chart
// because a pie hides the few critical groups next to thousands with none.
// The columns share one colour: excelize colours single points only in pies.
func addBandChart(f *excelize.File, first, last int) error {
	rng := func(col string) string {
		return summarySheet + "!$" + col + "$" + strconv.Itoa(first) + ":$" + col + "$" + strconv.Itoa(last)
	}
	vary := false
	return f.AddChart(summarySheet, "D3", &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name:       summarySheet + "!$B$" + strconv.Itoa(first-1),
			Categories: rng("A"),
			Values:     rng("B"),
			Fill:       solid("44546A"),
		}},
		VaryColors: &vary,
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Groups by risk band"}}},
		Legend:     excelize.ChartLegend{Position: "none"},
		PlotArea:   excelize.ChartPlotArea{ShowVal: true},
	})
}
