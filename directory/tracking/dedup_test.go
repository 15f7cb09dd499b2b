package tracking_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

var dedupBase = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

// traceExport is Get-MessageTraceV2 | Export-Csv of messages from to to-1,
// one every 7 minutes, newest first as the cmdlet lists them; twice lists
// a message's row twice, as a trace does two deliveries in one instant.
func traceExport(t *testing.T, from, to int, twice ...int) []byte {
	t.Helper()
	var rows []trackingtest.TraceRow
	for i := from; i < to; i++ {
		row := trackingtest.TraceRow{Received: dedupBase.Add(time.Duration(i)*7*time.Minute + 250*time.Millisecond), Sender: "a@partner.example",
			Recipient: fmt.Sprintf("u%d@corp.example", i), Subject: "order", Status: "Delivered", FromIP: "203.0.113.5",
			MessageID: fmt.Sprintf("<m%d@partner.example>", i), Size: 2048, MessageTraceID: fmt.Sprintf("trace-%d", i)}
		rows = append(rows, row)
		if slices.Contains(twice, i) {
			rows = append(rows, row)
		}
	}
	slices.Reverse(rows)
	var b bytes.Buffer
	if err := trackingtest.WriteTraceCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// trackingExport is Get-MessageTrackingLog | Export-Csv of events from to
// to-1, one every so often, in whole seconds as Export-Csv writes them;
// twice as above.
func trackingExport(t *testing.T, every time.Duration, from, to int, twice ...int) []byte {
	t.Helper()
	var evs []tracking.Event
	for i := from; i < to; i++ {
		evs = append(evs, trackingRow(every, i, "MBX1"))
		if slices.Contains(twice, i) {
			evs = append(evs, trackingRow(every, i, "MBX1"))
		}
	}
	return csvOf(t, evs)
}

// trackingRow is event i of server's export, one every so often.
func trackingRow(every time.Duration, i int, server string) tracking.Event {
	return tracking.Event{Time: dedupBase.Add(time.Duration(i) * every), EventID: "DELIVER", Source: "STOREDRIVER", ServerHostname: server,
		Sender: "a@partner.example", Recipients: []string{fmt.Sprintf("u%d@corp.example", i)}, Subject: "order",
		MessageID: fmt.Sprintf("<m%d@partner.example>", i), InternalMessageID: "4242"}
}

func csvOf(t *testing.T, evs []tracking.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := trackingtest.WriteTrackingCSV(&b, evs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// serversExport is an export of two servers one after the other (each
// server's rows, then the next's), of events from to to-1, 20 seconds
// apart, every other pair written the wrong way round: a server's log is
// in time order only to within seconds.
func serversExport(t *testing.T, from, to int) []byte {
	t.Helper()
	var evs []tracking.Event
	for _, server := range []string{"MBX1", "MBX2"} {
		for i := from; i < to; i++ {
			evs = append(evs, trackingRow(20*time.Second, i, server))
		}
		for i := len(evs) - (to - from); i+1 < len(evs); i += 4 {
			evs[i], evs[i+1] = evs[i+1], evs[i]
		}
	}
	return csvOf(t, evs)
}

// withoutHeader is an export's rows, as Export-Csv -Append adds them to a
// file that has its header.
func withoutHeader(data []byte) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	return bytes.Join(lines[2:], nil)
}

// Overlapping exports hold the same rows: each is passed on once, and the
// rows passed over are counted, whichever way the reader runs. Rows equal
// in one export are two rows, and stay two when the export overlaps
// another.
func TestOverlappingExportsCountEachRowOnce(t *testing.T) {
	const minutes3 = 3 * time.Minute
	type file struct {
		name string
		data func(t *testing.T) []byte
	}
	tests := []struct {
		name  string
		files []file
		// events and dups are what Stats count; passed how many rows fn
		// was called with, of which twice were a row's second.
		events, dups, passed, twice int64
	}{
		{"message traces overlapping by half", []file{
			{"trace-1.csv", func(t *testing.T) []byte { return traceExport(t, 0, 20) }},
			{"trace-2.csv", func(t *testing.T) []byte { return traceExport(t, 10, 30) }},
		}, 40, 10, 30, 0},
		{"message traces overlapping, the later given first", []file{
			{"trace-a.csv", func(t *testing.T) []byte { return traceExport(t, 10, 30) }},
			{"trace-b.csv", func(t *testing.T) []byte { return traceExport(t, 0, 20) }},
		}, 40, 10, 30, 0},
		{"tracking exports overlapping by half", []file{
			{"mbx1-a.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 0, 40) }},
			{"mbx1-b.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 20, 60) }},
		}, 80, 20, 60, 0},
		{"the last 48 hours exported every day", []file{
			{"day1.csv", func(t *testing.T) []byte { return trackingExport(t, time.Hour, 0, 48) }},
			{"day2.csv", func(t *testing.T) []byte { return trackingExport(t, time.Hour, 24, 72) }},
			{"day3.csv", func(t *testing.T) []byte { return trackingExport(t, time.Hour, 48, 96) }},
		}, 144, 48, 96, 0},
		{"exports of two servers overlapping, rows seconds out of order", []file{
			{"servers-a.csv", func(t *testing.T) []byte { return serversExport(t, 0, 60) }},
			{"servers-b.csv", func(t *testing.T) []byte { return serversExport(t, 30, 90) }},
		}, 240, 60, 180, 0},
		{"exports of two servers overlapping, one compressed", []file{
			{"servers-a.csv.gz", func(t *testing.T) []byte { return gzipped(serversExport(t, 0, 60)) }},
			{"servers-b.csv", func(t *testing.T) []byte { return serversExport(t, 30, 90) }},
		}, 240, 60, 180, 0},
		{"two exports in one file (Export-Csv -Append)", []file{
			{"appended.csv", func(t *testing.T) []byte {
				return append(trackingExport(t, minutes3, 0, 40), withoutHeader(trackingExport(t, minutes3, 20, 60))...)
			}},
		}, 80, 20, 60, 0},
		{"a trace with a row twice in one instant", []file{
			{"trace.csv", func(t *testing.T) []byte { return traceExport(t, 0, 20, 5) }},
		}, 21, 0, 21, 1},
		{"a tracking export with a row twice in one second", []file{
			{"mbx1.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 0, 20, 5) }},
		}, 21, 0, 21, 1},
		{"overlapping traces each with a row twice", []file{
			{"trace-1.csv", func(t *testing.T) []byte { return traceExport(t, 0, 20, 15) }},
			{"trace-2.csv", func(t *testing.T) []byte { return traceExport(t, 10, 30, 15) }},
		}, 42, 11, 31, 1},
		{"overlapping traces, one with a row twice", []file{
			{"trace-1.csv", func(t *testing.T) []byte { return traceExport(t, 0, 20, 15) }},
			{"trace-2.csv", func(t *testing.T) []byte { return traceExport(t, 10, 30) }},
		}, 41, 10, 31, 1},
		{"overlapping tracking exports each with a row twice", []file{
			{"mbx1-a.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 0, 40, 30) }},
			{"mbx1-b.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 20, 60, 30) }},
		}, 82, 21, 61, 1},
		{"overlapping tracking exports, the later with a row twice", []file{
			{"mbx1-a.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 0, 40) }},
			{"mbx1-b.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 20, 60, 30) }},
		}, 81, 20, 61, 1},
		{"a trace and its compressed copy under another name", []file{
			{"trace.csv", func(t *testing.T) []byte { return traceExport(t, 0, 20) }},
			{"copy of trace.csv.gz", func(t *testing.T) []byte { return gzipped(traceExport(t, 0, 20)) }},
		}, 40, 20, 20, 0},
		{"a tracking export and its copy with Unix line ends", []file{
			{"mbx1.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 0, 40) }},
			{"mbx1-lf.csv", func(t *testing.T) []byte {
				return bytes.ReplaceAll(trackingExport(t, minutes3, 0, 40), []byte("\r\n"), []byte("\n"))
			}},
		}, 80, 40, 40, 0},
		{"a tracking export and its compressed copy under another name", []file{
			{"mbx1.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 0, 40) }},
			{"saved.csv.gz", func(t *testing.T) []byte { return gzipped(trackingExport(t, minutes3, 0, 40)) }},
		}, 80, 40, 40, 0},
		{"tracking exports that do not overlap", []file{
			{"mbx1-a.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 0, 20) }},
			{"mbx1-b.csv", func(t *testing.T) []byte { return trackingExport(t, minutes3, 20, 40) }},
		}, 40, 0, 40, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for _, f := range tc.files {
				path := filepath.Join(dir, f.name)
				if err := os.WriteFile(path, f.data(t), 0o600); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, path)
			}
			for _, workers := range []int{1, 4} {
				var passed int64
				seen := map[string]int{}
				st, err := tracking.Read(context.Background(), paths, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
					passed++
					seen[e.Time.String()+" "+e.ServerHostname+" "+strings.Join(e.Recipients, ";")]++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if passed != tc.passed || st.Events != tc.events || st.Duplicates != tc.dups || st.Malformed != 0 {
					t.Errorf("workers %d: %d rows passed on, stats %d events, %d duplicates, %d malformed; want %d, %d, %d, 0",
						workers, passed, st.Events, st.Duplicates, st.Malformed, tc.passed, tc.events, tc.dups)
				}
				var perFile int64
				for _, f := range st.Files {
					perFile += f.Duplicates
				}
				if perFile != st.Duplicates {
					t.Errorf("workers %d: the files' duplicates add up to %d, not %d: %+v", workers, perFile, st.Duplicates, st.Files)
				}
				// Every row of the union is passed on, and a row twice
				// only when an export holds it twice.
				if want := tc.passed - tc.twice; int64(len(seen)) != want {
					t.Errorf("workers %d: %d distinct rows passed on, want %d", workers, len(seen), want)
				}
				for row, n := range seen {
					if n > 1+int(tc.twice) {
						t.Errorf("workers %d: row %s passed on %d times", workers, row, n)
					}
				}
			}
		})
	}
}

// A raw log and exports that overlap no other take no part: no row of
// theirs is looked for elsewhere, and nothing is counted.
func TestLogsAreNotDeduplicated(t *testing.T) {
	dir := t.TempDir()
	evs := []tracking.Event{
		{Time: dedupBase, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"u@corp.example"}, MessageID: "<m@x>"},
		{Time: dedupBase, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"u@corp.example"}, MessageID: "<m@x>"},
	}
	// Two servers' folders, each with the same rows: their logs are read
	// merged, and a log's rows are never two exports'.
	for _, server := range []string{"hub1", "hub2"} {
		if err := os.MkdirAll(filepath.Join(dir, server), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := trackingtest.WriteLogFile(filepath.Join(dir, server, "MSGTRK2026031008-1.LOG"), trackingtest.Fields2013, evs); err != nil {
			t.Fatal(err)
		}
	}
	files, err := tracking.Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 4} {
		got, st := readLines(t, tracking.Options{Workers: workers}, files...)
		if len(got) != 4 || st.Duplicates != 0 {
			t.Errorf("workers %d: %d events, %d duplicates", workers, len(got), st.Duplicates)
		}
	}
}
