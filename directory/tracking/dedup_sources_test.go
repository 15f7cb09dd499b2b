package tracking_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// selectedExport is Get-MessageTrackingLog | Select-Object cols |
// Export-Csv: rows are the values of cols, quoted as Export-Csv does.
func selectedExport(cols []string, rows [][]string) []byte {
	var b strings.Builder
	b.WriteString("#TYPE Selected.Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\r\n")
	line := func(vals []string) {
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + v + `"`)
		}
		b.WriteString("\r\n")
	}
	line(cols)
	for _, r := range rows {
		line(r)
	}
	return []byte(b.String())
}

// bounceRows are a bounce loop through a group, one bounce a second from
// second from to to-1, as one server logs it; with server, its name in a
// last column.
func bounceRows(from, to int, server string) [][]string {
	var rows [][]string
	for i := from; i < to; i++ {
		r := []string{dedupBase.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05Z"), "RECEIVE", "SMTP",
			"MAILER-DAEMON@outside.example", "dl@corp.example", "Undeliverable: Undeliverable: hi"}
		if server != "" {
			r = append(r, server)
		}
		rows = append(rows, r)
	}
	return rows
}

var selectCols = []string{"Timestamp", "EventId", "Source", "Sender", "Recipients", "MessageSubject"}

func writeFiles(t *testing.T, files map[string][]byte, order ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, name := range order {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, files[name], 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

func hasNote(st tracking.Stats, part string) bool {
	for _, f := range st.Files {
		for _, n := range f.Notes {
			if strings.Contains(n, part) {
				return true
			}
		}
	}
	return false
}

// Rows that do not name their server cannot be told from another
// server's equal rows (a loop's bounces load-balanced over two servers, in
// the same seconds): they are all kept, and the files say that an overlap
// may be counted twice. Rows that name it are matched.
func TestRowsThatNameNoServerAreKept(t *testing.T) {
	withServer := append(append([]string(nil), selectCols...), "ServerHostname")
	tests := []struct {
		name   string
		files  map[string][]byte
		order  []string
		events int64
		dups   int64
		note   string
		// unmatched is how many files say their overlap could not be
		// matched (Stats.Unmatched).
		unmatched int
	}{
		{"one export of two servers one after the other", map[string][]byte{
			"org.csv": selectedExport(selectCols, append(bounceRows(0, 600, ""), bounceRows(0, 600, "")...)),
		}, []string{"org.csv"}, 1200, 0, "do not name their server", 1},
		{"two servers' exports of one period", map[string][]byte{
			"EDGE1.csv": selectedExport(selectCols, bounceRows(0, 600, "")),
			"EX1.csv":   selectedExport(selectCols, bounceRows(0, 600, "")),
		}, []string{"EDGE1.csv", "EX1.csv"}, 1200, 0, "do not name their server", 2},
		{"one export of two servers that name them", map[string][]byte{
			"org.csv": selectedExport(withServer, append(bounceRows(0, 600, "EX1"), bounceRows(0, 600, "EX2")...)),
		}, []string{"org.csv"}, 1200, 0, "", 0},
		{"one server's overlapping exports that name it", map[string][]byte{
			"a.csv": selectedExport(withServer, bounceRows(0, 600, "EX1")),
			"b.csv": selectedExport(withServer, bounceRows(300, 900, "EX1")),
		}, []string{"a.csv", "b.csv"}, 1200, 300, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			paths := writeFiles(t, tc.files, tc.order...)
			for _, workers := range []int{1, 4} {
				var passed int64
				st, err := tracking.Read(context.Background(), paths, tracking.Options{Workers: workers}, func(*tracking.Event) error {
					passed++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if st.Events != tc.events || st.Duplicates != tc.dups || passed != tc.events-tc.dups {
					t.Errorf("workers %d: %d events, %d duplicates, %d passed on; want %d, %d, %d", workers, st.Events, st.Duplicates, passed,
						tc.events, tc.dups, tc.events-tc.dups)
				}
				if st.Unmatched != tc.unmatched {
					t.Errorf("workers %d: Unmatched %d, want %d", workers, st.Unmatched, tc.unmatched)
				}
				if tc.note != "" && !hasNote(st, tc.note) {
					t.Errorf("workers %d: no note %q: %+v", workers, tc.note, st.Files)
				}
			}
		})
	}
}

// localExport is one server's export from UTC hour from to to (exclusive),
// a row every 10 seconds, in local time (UTC-4, UTC-5 from 06:00 UTC on 1
// November 2026, when summer time ends): the hour from 1 AM is written
// twice.
func localExport(from, to int) []byte {
	cols := append(append([]string(nil), selectCols...), "ServerHostname")
	end := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	var rows [][]string
	for u := time.Date(2026, 11, 1, from, 0, 0, 0, time.UTC); u.Before(time.Date(2026, 11, 1, to, 0, 0, 0, time.UTC)); u = u.Add(10 * time.Second) {
		off := -4 * time.Hour
		if !u.Before(end) {
			off = -5 * time.Hour
		}
		rows = append(rows, []string{u.Add(off).Format("1/2/2006 3:04:05 PM"), "RECEIVE", "SMTP", "MAILER-DAEMON@outside.example",
			"dl@corp.example", "Undeliverable: Undeliverable: hi", "EX1"})
	}
	return selectedExport(cols, rows)
}

// Two local-time exports of one server crossing the end of summer time:
// each holds the repeated hour's rows twice, and their copies come A, B,
// A, B. Each row is kept as many times as one export holds it (twice),
// the rest counted as duplicates: as many as the exports' overlap holds.
func TestInterleavedExportsKeepEachOnesCount(t *testing.T) {
	paths := writeFiles(t, map[string][]byte{"A.csv": localExport(2, 8), "B.csv": localExport(4, 10), "union.csv": localExport(2, 10)},
		"A.csv", "B.csv", "union.csv")
	for _, workers := range []int{1, 4} {
		count := func(paths ...string) (map[string]int, tracking.Stats) {
			rows := map[string]int{}
			st, err := tracking.Read(context.Background(), paths, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
				rows[e.Time.String()]++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return rows, st
		}
		got, st := count(paths[0], paths[1])
		want, _ := count(paths[2])
		// 6 hours of A, 6 of B, 4 of them both's: 2160+2160 rows, 1440
		// of them copies.
		if st.Events != 4320 || st.Duplicates != 1440 {
			t.Errorf("workers %d: %d events, %d duplicates; want 4320, 1440", workers, st.Events, st.Duplicates)
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("workers %d: row at %s passed on %d times, the union holds it %d times", workers, k, got[k], n)
				break
			}
		}
	}
}

// The same rows spelt two ways are one: a message trace exported as CSV
// (whole seconds, "Delivered") and saved as a Graph page (milliseconds,
// "delivered"); a tracking export with whole seconds and one with times
// written with .ToString('o').
func TestSpellingsOfOneRowAreOneRow(t *testing.T) {
	var csvRows []trackingtest.TraceRow
	var pageRows []tracking.GraphTrace
	for i := range 40 {
		at := dedupBase.Add(time.Duration(i)*7*time.Minute + 250*time.Millisecond)
		csvRows = append(csvRows, trackingtest.TraceRow{Received: at.Truncate(time.Second), Sender: "a@partner.example",
			Recipient: fmt.Sprintf("u%d@corp.example", i), Subject: "order", Status: "Delivered", FromIP: "203.0.113.5",
			MessageID: fmt.Sprintf("<m%d@partner.example>", i), Size: 2048, MessageTraceID: fmt.Sprintf("trace-%d", i)})
		pageRows = append(pageRows, tracking.GraphTrace{ID: fmt.Sprintf("trace-%d", i), SenderAddress: "a@partner.example",
			RecipientAddress: fmt.Sprintf("u%d@corp.example", i), MessageID: fmt.Sprintf("<m%d@partner.example>", i),
			ReceivedDateTime: at.Format("2006-01-02T15:04:05.000Z"), Subject: "order", Size: 2048, FromIP: "203.0.113.5", Status: "delivered"})
	}
	var trace strings.Builder
	if err := trackingtest.WriteTraceCSV(&trace, csvRows); err != nil {
		t.Fatal(err)
	}
	withServer := append(append([]string(nil), selectCols...), "ServerHostname")
	iso := func(rows [][]string) [][]string {
		for _, r := range rows {
			at, _ := time.Parse("2006-01-02T15:04:05Z", r[0])
			r[0] = at.Add(437 * time.Millisecond).Format("2006-01-02T15:04:05.0000000Z")
		}
		return rows
	}
	tests := []struct {
		name   string
		files  map[string][]byte
		order  []string
		events int64
		dups   int64
	}{
		{"a trace's CSV and its Graph page", map[string][]byte{
			"a.csv": []byte(trace.String()), "b.json": []byte(graphPage(t, pageRows, "")),
		}, []string{"a.csv", "b.json"}, 80, 40},
		{"tracking exports in whole seconds and in ISO 8601", map[string][]byte{
			"a.csv": selectedExport(withServer, bounceRows(0, 600, "EX1")),
			"b.csv": selectedExport(withServer, iso(bounceRows(300, 900, "EX1"))),
		}, []string{"a.csv", "b.csv"}, 1200, 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			paths := writeFiles(t, tc.files, tc.order...)
			for _, workers := range []int{1, 4} {
				st, err := tracking.Read(context.Background(), paths, tracking.Options{Workers: workers}, func(*tracking.Event) error { return nil })
				if err != nil {
					t.Fatal(err)
				}
				if st.Events != tc.events || st.Duplicates != tc.dups {
					t.Errorf("workers %d: %d events, %d duplicates; want %d, %d: %+v", workers, st.Events, st.Duplicates, tc.events, tc.dups, st.Files)
				}
			}
		})
	}
}

// Overlapping exports of other columns cannot be matched row by row: the
// files say their overlap may be counted twice.
func TestOverlappingExportsOfOtherColumnsSaySo(t *testing.T) {
	withServer := append(append([]string(nil), selectCols...), "ServerHostname")
	full := append(append([]string(nil), withServer...), "MessageId")
	fullRows := bounceRows(0, 600, "EX1")
	for i := range fullRows {
		fullRows[i] = append(fullRows[i], fmt.Sprintf("<m%d@x>", i))
	}
	paths := writeFiles(t, map[string][]byte{
		"full.csv": selectedExport(full, fullRows), "reduced.csv": selectedExport(withServer, bounceRows(300, 900, "EX1")),
	}, "full.csv", "reduced.csv")
	_, st := readLines(t, tracking.Options{Workers: 1}, paths...)
	if !hasNote(st, "whose columns differ") {
		t.Errorf("no note of the columns: %+v", st.Files)
	}
}
