package tracking_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/tracking"
)

// Exports of one period, one per server (Get-MessageTrackingLog -Server X
// | Export-Csv), are read merged by time whatever order they are given in,
// compressed or not: a folder of a file per server and day lists a
// server's days before the next server's. Each keeps its stats, which come
// in the order of the exports' first rows, and names the files it was read
// with; a day is read after the day before.
func TestExportsOfOnePeriodAreReadMerged(t *testing.T) {
	base := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	for _, compressed := range []bool{false, true} {
		dir := t.TempDir()
		write := func(name string, server string, from time.Time) string {
			var b strings.Builder
			b.WriteString(exportHeader)
			for i := range 30 {
				b.WriteString(exportRow(from.Add(time.Duration(i)*time.Minute), server, name, i+3))
			}
			data := []byte(b.String())
			if compressed && server == "MBX2" {
				name, data = name+".gz", gzipped(data)
			}
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}
		day1 := []string{write("mbx1-0315.csv", "MBX1", base), write("mbx2-0315.csv", "MBX2", base.Add(30*time.Second))}
		day2 := []string{write("mbx1-0316.csv", "MBX1", base.Add(24*time.Hour)), write("mbx2-0316.csv", "MBX2", base.Add(24*time.Hour+30*time.Second))}
		listed, err := tracking.Expand([]string{dir})
		if err != nil {
			t.Fatal(err)
		}
		reversed := slices.Clone(listed)
		slices.Reverse(reversed)
		for _, order := range [][]string{listed, reversed} {
			for _, workers := range []int{1, 3} {
				var got []tracking.Event
				st, err := tracking.Read(context.Background(), order, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
					got = append(got, e.Clone())
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("compressed %v, workers %d, %v", compressed, workers, order)
				if len(got) != 120 || !slices.IsSortedFunc(got, func(a, b tracking.Event) int { return a.Time.Compare(b.Time) }) {
					t.Errorf("%s: %d events, not all in time order", name, len(got))
				}
				for _, e := range got {
					if e.MessageID != fmt.Sprintf("<line-%d@corp.example>", e.Line) || !strings.HasPrefix(filepath.Base(e.File), e.Subject) {
						t.Errorf("%s: event of %s line %d holds %s, %s", name, e.File, e.Line, e.MessageID, e.Subject)
					}
				}
				var paths []string
				for _, f := range st.Files {
					paths = append(paths, f.Path)
					notes := strings.Join(f.Notes, "\n")
					pair := day1
					if slices.Contains(day2, f.Path) {
						pair = day2
					}
					other := pair[0]
					if other == f.Path {
						other = pair[1]
					}
					if f.Events != 30 || f.Lines != 32 || !strings.Contains(notes, "read merged by time with "+other+":") {
						t.Errorf("%s: stats %+v", name, f)
					}
				}
				if want := append(slices.Clone(day1), day2...); !slices.Equal(paths, want) {
					t.Errorf("%s: stats in order %v, want %v", name, paths, want)
				}
			}
		}
	}
}

// A file given twice is read twice, one after the other, as any file is,
// and its second reading's rows are passed over as read before: each is
// counted once.
func TestExportGivenTwiceIsReadTwice(t *testing.T) {
	var b strings.Builder
	b.WriteString(exportHeader)
	for i := range 10 {
		b.WriteString(exportRow(time.Date(2026, 3, 15, 9, i, 0, 0, time.UTC), "MBX1", "s", i+3))
	}
	path := filepath.Join(t.TempDir(), "a.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path, filepath.Join(filepath.Dir(path), "b.csv")); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		got, st := readLines(t, tracking.Options{Workers: workers}, path, filepath.Join(filepath.Dir(path), "b.csv"))
		if len(got) != 10 || got[9] != "12 <line-12@corp.example>" || len(st.Files) != 2 || st.Bytes != int64(2*b.Len()) ||
			st.Events != 20 || st.Duplicates != 10 || st.Files[1].Duplicates != 10 {
			t.Errorf("workers %d: read %q, stats %+v", workers, got, st)
		}
		for _, f := range st.Files {
			if strings.Contains(strings.Join(f.Notes, "\n"), "merged") {
				t.Errorf("workers %d: notes %q", workers, f.Notes)
			}
		}
	}
}

// Hundreds of exports of one period are read merged as far as a group
// holds (maxGroupStreams runs), the rest after, and say so; a file names a
// few of the others, not all.
func TestManyExportsOfOnePeriod(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	var files []string
	for s := range 300 {
		var b strings.Builder
		b.WriteString(exportHeader)
		for i := range 3 {
			b.WriteString(exportRow(base.Add(time.Duration(s)*time.Second+time.Duration(i)*time.Minute), fmt.Sprintf("EX%d", s), "s", i+3))
		}
		path := filepath.Join(dir, fmt.Sprintf("ex%03d.csv", s))
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	_, st := read(t, files...)
	for i, f := range st.Files {
		notes := strings.Join(f.Notes, "\n")
		if len(notes) > 800 || !strings.Contains(notes, " more: their times overlap") || (i >= 256) != strings.Contains(notes, "filled the 256 runs") {
			t.Fatalf("file %d: notes %q", i, notes)
		}
	}
}

// Exports give whole seconds: a message's rows of one second on two
// servers come in the order it passed through them (received, expanded,
// sent or failed, reported on), whichever server's export comes first.
func TestRowsOfOneSecondFollowTheMessage(t *testing.T) {
	at := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05Z")
	header := `"Timestamp","ServerHostname","EventId","MessageId"` + "\r\n"
	hub := header + `"` + at + `","HUB1","EXPAND","<1@x>"` + "\r\n" + `"` + at + `","HUB1","FAIL","<1@x>"` + "\r\n" + `"` + at + `","HUB1","DSN","<2@x>"` + "\r\n" +
		`"2026-03-15T09:00:30Z","HUB1","DELIVER","<3@x>"` + "\r\n"
	edge := header + `"` + at + `","EDGE1","RECEIVE","<1@x>"` + "\r\n" + `"` + at + `","EDGE1","SEND","<2@x>"` + "\r\n" +
		`"2026-03-15T09:00:20Z","EDGE1","RECEIVE","<3@x>"` + "\r\n"
	dir := t.TempDir()
	for name, data := range map[string]string{"hub.csv": hub, "edge.csv": edge} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hubFile, edgeFile := filepath.Join(dir, "hub.csv"), filepath.Join(dir, "edge.csv")
	for _, files := range [][]string{{hubFile, edgeFile}, {edgeFile, hubFile}} {
		evs, _ := read(t, files...)
		var got []string
		for _, e := range evs {
			got = append(got, e.EventID)
		}
		if want := []string{"RECEIVE", "EXPAND", "FAIL", "DSN", "SEND", "RECEIVE", "DELIVER"}; !slices.Equal(got, want) {
			t.Errorf("%v: read %v, want %v", files, got, want)
		}
	}
}

// A quiet server's day (Export-Csv writes an empty file), a header alone
// and a missing file sit among a folder's exports without parting those of
// one period.
func TestRowlessExportsDoNotPartAPeriod(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	write := func(name, server string, from time.Time, rows int) string {
		var b strings.Builder
		if rows >= 0 {
			b.WriteString(exportHeader)
		}
		for i := range rows {
			b.WriteString(exportRow(from.Add(time.Duration(i)*time.Minute), server, name, i+3))
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("mbx1-0315.csv", "MBX1", base, 30)
	write("mbx1-0316.csv", "MBX1", base.Add(24*time.Hour), 30)
	write("mbx2-0315.csv", "MBX2", base, -1) // empty
	write("mbx2-0316.csv", "MBX2", base.Add(24*time.Hour+30*time.Second), 30)
	write("mbx3-0315.csv", "MBX3", base.Add(20*time.Second), 30)
	write("mbx3-0316.csv", "MBX3", base.Add(24*time.Hour+40*time.Second), 0) // a header alone
	files, err := tracking.Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	files = append(files[:3], append([]string{filepath.Join(dir, "mbx2-missing.csv")}, files[3:]...)...)
	for _, workers := range []int{1, 4} {
		var got []tracking.Event
		st, err := tracking.Read(context.Background(), files, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
			got = append(got, e.Clone())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 120 || !slices.IsSortedFunc(got, func(a, b tracking.Event) int { return a.Time.Compare(b.Time) }) {
			t.Errorf("workers %d: %d events, not all in time order", workers, len(got))
		}
		if len(st.Files) != 7 || st.Failed != 1 {
			t.Errorf("workers %d: %d files, %d failed", workers, len(st.Files), st.Failed)
		}
	}
}

// One server's exports of an hour each meet at a second (-Start of one is
// -End of the one before): they are read in turn, not merged, and say
// nothing of other servers.
func TestExportsThatMeetAreReadInTurn(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	var files []string
	for h := range 40 {
		from := base.Add(time.Duration(h) * time.Hour)
		data := `"Timestamp","ServerHostname","EventId","MessageId"` + "\r\n" +
			fmt.Sprintf(`"%s","MBX1","RECEIVE","<h%d-a@x>"`+"\r\n", from.Format(time.RFC3339), h) +
			fmt.Sprintf(`"%s","MBX1","DELIVER","<h%d-c@x>"`+"\r\n", from.Add(time.Hour).Format(time.RFC3339), h)
		path := filepath.Join(dir, fmt.Sprintf("mbx1-%04d.csv", h))
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	got, st := readLines(t, tracking.Options{}, files...)
	if got[1] != "3 <h0-c@x>" || got[2] != "2 <h1-a@x>" {
		t.Errorf("read %q: one server's rows out of its exports' order", got[:4])
	}
	if notes := strings.Join(st.Files[0].Notes, "\n"); strings.Contains(notes, "merged") {
		t.Errorf("notes %q", notes)
	}
}

// A second's rows are put in passage order within each export before the
// merge, so a hub's EXPAND behind a DELIVER of the same second still comes
// before the edge's SEND of the message it expanded.
func TestMergedSecondIsInPassageOrder(t *testing.T) {
	at := `"2026-03-15T09:00:00Z"`
	header := `"Timestamp","ServerHostname","EventId","MessageId"` + "\r\n"
	edge := header + at + `,"EDGE1","RECEIVE","<a@x>"` + "\r\n" + at + `,"EDGE1","SEND","<b@x>"` + "\r\n" +
		`"2026-03-15T09:00:20Z","EDGE1","RECEIVE","<c@x>"` + "\r\n"
	hub := header + at + `,"HUB1","DELIVER","<x@x>"` + "\r\n" + at + `,"HUB1","EXPAND","<b@x>"` + "\r\n" +
		`"2026-03-15T09:00:30Z","HUB1","DELIVER","<c@x>"` + "\r\n"
	dir := t.TempDir()
	edgeFile, hubFile := filepath.Join(dir, "edge.csv"), filepath.Join(dir, "hub.csv")
	for path, data := range map[string]string{edgeFile: edge, hubFile: hub} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, files := range [][]string{{edgeFile, hubFile}, {hubFile, edgeFile}} {
		evs, _ := read(t, files...)
		var got []string
		for _, e := range evs {
			got = append(got, e.EventID+" "+e.MessageID)
		}
		if slices.Index(got, "EXPAND <b@x>") > slices.Index(got, "SEND <b@x>") || got[0] != "RECEIVE <a@x>" || len(got) != 6 {
			t.Errorf("%v: read %q", files, got)
		}
	}
}
