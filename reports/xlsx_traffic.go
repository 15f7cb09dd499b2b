package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// The sheets of observed evidence, written only when tracking logs were
// given: Incidents (one row per loop, rewritten return path, spoofed sender,
// backscatter source and out-of-office storm) and Timeline (messages per
// interval for the top loops, with a line chart).

const (
	timelineSheet = "Timeline"
	// timelineLoops is how many loops the chart draws; more lines are
	// unreadable.
	timelineLoops = 5
	// maxTimelineRows caps the Timeline sheet (a year of hourly rows is
	// 8,760): the chart is for the incident, not for archaeology.
	maxTimelineRows = 10000
)

var incidentColumns = []column{
	{title: "Kind", width: 20},
	{title: "Severity", width: 10},
	{title: "Subject", width: 36},
	{title: "Group name", width: 28},
	{title: "First seen", width: 21},
	{title: "Last seen", width: 21},
	{title: "Messages", width: 11},
	{title: "Peak per interval", width: 11},
	{title: "Amplification", width: 13},
	{title: "Signals", width: 40},
	{title: "External recipients involved", width: 60},
	{title: "Remote servers", width: 60},
	{title: "Detail", width: 80},
}

// Per is "per" and an interval as a reader says it: "per hour", "per
// 15m", "per 1h30m", rather than time.Duration's "1h0m0s". Hours stay
// hours past a day ("per 48h"), as --interval takes them.
func Per(d time.Duration) string {
	switch d {
	case time.Minute:
		return "per minute"
	case time.Hour:
		return "per hour"
	case 24 * time.Hour:
		return "per day"
	}
	if d <= 0 || d%time.Second != 0 {
		return "per " + d.String()
	}
	var b strings.Builder
	b.WriteString("per ")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s := d % time.Minute / time.Second; s > 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}

func addressList(cs []audit.AddressCount) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s (%d)", c.Address, c.N)
	}
	return strings.Join(parts, ", ")
}

func writeIncidents(f *excelize.File, st *styles, t *audit.Traffic) error {
	tb := newTable(f, st, "Incidents", incidentColumns)
	for _, in := range incidents(t) {
		var peak, amp any = "", ""
		if in.kind == "loop" || in.kind == "backscatter" {
			peak = in.peak
		}
		if in.kind == "loop" {
			amp = in.amplification
		}
		err := tb.add([]any{in.kind, st.severityCell(in.severity), in.subject, in.groupName, optTime(in.first), optTime(in.last),
			in.messages, peak, amp, strings.Join(in.signals, ", "), in.external, in.servers, in.detail})
		if err != nil {
			return err
		}
	}
	return tb.close()
}

// writeTimeline writes messages per interval for the top loops, every
// interval between the first and the last (empty ones as 0, so the chart's
// time axis is even), and charts them.
func writeTimeline(f *excelize.File, st *styles, t *audit.Traffic) error {
	loops := t.Loops[:min(len(t.Loops), timelineLoops)]
	if _, err := f.NewSheet(timelineSheet); err != nil {
		return fmt.Errorf("write sheet %s: %w", timelineSheet, err)
	}
	s := &sheetWriter{f: f, cuts: st.cuts, sheet: timelineSheet}
	hdr := []any{"Interval start (UTC)"}
	for _, l := range loops {
		hdr = append(hdr, l.Group)
	}
	s.line(st.header, hdr...)
	if len(loops) == 0 {
		s.line(0, "(no loops)")
		return s.err
	}
	var first, last time.Time
	for _, l := range loops {
		for _, c := range l.Timeline {
			if first.IsZero() || c.At.Before(first) {
				first = c.At
			}
			if c.At.After(last) {
				last = c.At
			}
		}
	}
	step := t.Interval
	if step <= 0 {
		step = time.Hour
	}
	idx := make([]map[int64]int64, len(loops))
	for i, l := range loops {
		idx[i] = make(map[int64]int64, len(l.Timeline))
		for _, c := range l.Timeline {
			idx[i][c.At.Unix()] = c.N
		}
	}
	rows := 0
	for at := first; !first.IsZero() && !at.After(last) && rows < maxTimelineRows; at = at.Add(step) {
		row := []any{at.UTC().Format("2006-01-02 15:04")}
		for i := range loops {
			row = append(row, idx[i][at.Unix()])
		}
		s.line(0, row...)
		rows++
	}
	if s.err != nil {
		return fmt.Errorf("write sheet %s: %w", timelineSheet, s.err)
	}
	if err := f.SetColWidth(timelineSheet, "A", "A", 20); err != nil {
		return fmt.Errorf("write sheet %s: %w", timelineSheet, err)
	}
	if rows == 0 {
		return nil
	}
	var series []excelize.ChartSeries
	for i := range loops {
		col, _ := excelize.ColumnNumberToName(i + 2)
		series = append(series, excelize.ChartSeries{
			Name:       timelineSheet + "!$" + col + "$1",
			Categories: timelineSheet + "!$A$2:$A$" + strconv.Itoa(rows+1),
			Values:     timelineSheet + "!$" + col + "$2:$" + col + "$" + strconv.Itoa(rows+1),
		})
	}
	anchor, _ := excelize.CoordinatesToCellName(len(loops)+3, 2)
	err := f.AddChart(timelineSheet, anchor, &excelize.Chart{
		Type:      excelize.Line,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Messages " + Per(step) + ", top loops"}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 960, Height: 420},
	})
	if err != nil {
		return fmt.Errorf("write sheet %s: chart: %w", timelineSheet, err)
	}
	return nil
}
