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

func addressList(cs []audit.AddressCount) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s (%d)", c.Address, c.N)
	}
	return strings.Join(parts, ", ")
}

func writeIncidents(f *excelize.File, st *styles, t *audit.Traffic) error {
	tb := newTable(f, st, "Incidents", incidentColumns)
	for _, l := range t.Loops {
		servers := "in: " + addressList(l.InboundServers) + "; out: " + addressList(l.OutboundServers)
		detail := fmt.Sprintf("%d expansions reached %d recipients; %d bounces or automatic replies came back; one message came back up to %d times; report prefixes stacked %d deep; %.1f per hour",
			l.Expansions, l.Delivered, l.Bounces, l.MaxRounds, l.MaxDepth, l.PerHour)
		if len(l.ReentryMembers) > 0 {
			detail += "; external members whose mail came back: " + strings.Join(l.ReentryMembers, ", ")
		}
		ext := addressList(l.External)
		if l.ExternalTotal > len(l.External) {
			ext += fmt.Sprintf(" and %d more", l.ExternalTotal-len(l.External))
		}
		err := tb.add([]any{"loop", st.severityCell(l.Severity), l.Group, l.GroupName, optTime(l.FirstSeen), optTime(l.LastSeen),
			l.Expansions, l.PeakPerInterval, l.Amplification, strings.Join(l.Signals, ", "), ext, servers, detail})
		if err != nil {
			return err
		}
	}
	for _, r := range t.ReturnPathRewrites {
		err := tb.add([]any{"return-path-rewrite", st.severityCell(audit.Medium), r.Group, r.GroupName, optTime(r.FirstSeen), optTime(r.LastSeen),
			r.Events, "", "", "", "", "", "the group's own address was the return path of mail from: " + addressList(r.Senders)})
		if err != nil {
			return err
		}
	}
	for _, s := range t.Spoofing {
		err := tb.add([]any{"spoofed-sender", st.severityCell(audit.High), s.Sender, "", optTime(s.FirstSeen), optTime(s.LastSeen),
			s.Messages, "", "", "", "", addressList(s.Clients),
			fmt.Sprintf("internal address received from outside without authentication, to %d recipients; subjects: %s", s.Recipients, strings.Join(s.Subjects, " | "))})
		if err != nil {
			return err
		}
	}
	for _, b := range t.Backscatter {
		var peak int64
		for _, c := range b.Timeline {
			peak = max(peak, c.N)
		}
		err := tb.add([]any{"backscatter", st.severityCell(audit.High), b.Source, "", optTime(b.FirstSeen), optTime(b.LastSeen),
			b.Reports, peak, "", "", addressList(b.Domains), b.Source,
			"delivery reports to external addresses for recipients that do not exist"})
		if err != nil {
			return err
		}
	}
	for _, o := range t.OOFStorms {
		err := tb.add([]any{"oof-storm", st.severityCell(audit.Medium), o.Internal, "", optTime(o.FirstSeen), optTime(o.LastSeen),
			o.Out + o.In, "", "", "", o.External, "",
			fmt.Sprintf("%d automatic replies out, %d back", o.Out, o.In)})
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
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: fmt.Sprintf("Messages per %s, top loops", step)}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 960, Height: 420},
	})
	if err != nil {
		return fmt.Errorf("write sheet %s: chart: %w", timelineSheet, err)
	}
	return nil
}

// sheetWriter writes rows of a normal (not streamed) sheet; the first error
// sticks.
type sheetWriter struct {
	f     *excelize.File
	cuts  *cellCuts
	sheet string
	row   int
	err   error
}

func (s *sheetWriter) line(style int, vals ...any) {
	s.row++
	if s.err != nil {
		return
	}
	for i, v := range vals {
		if str, ok := v.(string); ok {
			v = s.cuts.text(s.sheet, str)
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
