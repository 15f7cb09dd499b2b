package tracking_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/internal/textenc/textenctest"
	"dgaudit/directory/tracking"
)

// exportRow is one row of a hand-written Get-MessageTrackingLog export: the
// line it starts on is in its Message-ID, so that a test can check where
// each event was read from.
func exportRow(at time.Time, server, subject string, line int) string {
	return fmt.Sprintf(`"%s","%s","SEND","<line-%d@corp.example>","%s","a@corp.example","b@partner.example"`+"\r\n",
		at.Format("02/01/2006 15:04:05"), server, line, subject)
}

const exportHeader = "#TYPE Selected.Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\r\n" +
	`"Timestamp","ServerHostname","EventId","MessageId","MessageSubject","Sender","Recipients"` + "\r\n"

// severalServersExport writes what Get-TransportService |
// Get-MessageTrackingLog | Export-Csv writes for three servers whose rows
// interleave in time: each server's rows in time order, one server after
// another. Dates are en-GB and only the last row's says so; server 2 has a
// subject with a line break, server 3 a row with a value missing. It
// returns the file and the times in the order they happened.
func severalServersExport(t *testing.T) (string, []time.Time) {
	t.Helper()
	base := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString("\ufeff" + exportHeader)
	line := 3
	var times []time.Time
	for s := range 3 {
		server := fmt.Sprintf("MBX%d", s+1)
		for i := range 40 {
			at := base.Add(time.Duration(i)*time.Minute + time.Duration(s)*7*time.Second)
			if s == 2 && i == 39 {
				at = time.Date(2026, 3, 13, 8, 0, 0, 0, time.UTC) // reads only day first
			}
			subject := "status"
			switch {
			case s == 1 && i == 5:
				subject = "two\r\nlines, quoted"
			case s == 2 && i == 9:
				b.WriteString(`"` + at.Format("02/01/2006 15:04:05") + `","MBX3","SEND"` + "\r\n")
				line++
				continue
			}
			b.WriteString(exportRow(at, server, subject, line))
			times = append(times, at)
			line += 1 + strings.Count(subject, "\n")
		}
	}
	path := filepath.Join(t.TempDir(), "all-servers.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	return path, times
}

// An export of several servers one after another is read as if it were in
// time order, whichever way the reader runs, every event keeping the line
// it was on, and its stats those of one file.
func TestExportOfSeveralServersIsReadInTimeOrder(t *testing.T) {
	path, want := severalServersExport(t)
	for _, workers := range []int{1, 4} {
		var got []tracking.Event
		st, err := tracking.Read(context.Background(), []string{path}, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
			got = append(got, e.Clone())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var times []time.Time
		for _, e := range got {
			times = append(times, e.Time)
			if wantID := fmt.Sprintf("<line-%d@corp.example>", e.Line); e.MessageID != wantID {
				t.Errorf("workers %d: event on line %d has Message-ID %s", workers, e.Line, e.MessageID)
			}
		}
		if !slices.EqualFunc(times, want, time.Time.Equal) {
			t.Errorf("workers %d: times read\n%v\nwant\n%v", workers, times, want)
		}
		if len(st.Files) != 1 {
			t.Fatalf("workers %d: %d file stats, want 1: %+v", workers, len(st.Files), st.Files)
		}
		f := st.Files[0]
		if f.Path != path || f.Format != tracking.FormatTrackingCSV || f.Lines != 123 || f.Events != 119 || f.Malformed != 1 || f.Err != "" || st.Failed != 0 {
			t.Errorf("workers %d: file stats %+v", workers, f)
		}
		if len(st.Samples) != 1 || st.Samples[0].Line != 3+40+41+9 {
			t.Errorf("workers %d: malformed %+v, want line %d", workers, st.Samples, 3+40+41+9)
		}
		notes := strings.Join(f.Notes, "\n")
		for _, n := range []string{"day first", "back in time 2 times (first at line 43", "read as 3 runs"} {
			if !strings.Contains(notes, n) {
				t.Errorf("workers %d: notes %q lack %q", workers, notes, n)
			}
		}
	}
}

// inFileOrder fails the test unless evs were read in their lines' order.
func inFileOrder(t *testing.T, evs []tracking.Event) {
	t.Helper()
	for i := 1; i < len(evs); i++ {
		if evs[i].Line <= evs[i-1].Line {
			t.Fatalf("line %d read after line %d: not in file order", evs[i].Line, evs[i-1].Line)
		}
	}
}

// An export that goes back in time at nearly every row (sorted by sender,
// say) is read as it is, and says that it was.
func TestExportInNoTimeOrderIsReadAsItIs(t *testing.T) {
	base := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString(exportHeader)
	for i := range 300 {
		b.WriteString(exportRow(base.Add(time.Duration(i%2*600+i)*time.Minute), "MBX1", "status", i+3))
	}
	path := filepath.Join(t.TempDir(), "by-sender.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	evs, st := read(t, path)
	inFileOrder(t, evs)
	if len(evs) != 300 || len(st.Files) != 1 || !strings.Contains(strings.Join(st.Files[0].Notes, "\n"), "read in file order") {
		t.Errorf("%d events, stats %+v", len(evs), st.Files)
	}
}

// A time-ordered export, rows a few seconds out of order included, is one
// run and says nothing of it.
func TestTimeOrderedExportIsOneRun(t *testing.T) {
	base := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString(exportHeader)
	for i := range 50 {
		b.WriteString(exportRow(base.Add(time.Duration(i*10-(i%3)*25)*time.Second), "MBX1", "status", i+3))
	}
	path := filepath.Join(t.TempDir(), "one-server.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	evs, st := read(t, path)
	inFileOrder(t, evs)
	if len(evs) != 50 || strings.Contains(strings.Join(st.Files[0].Notes, "\n"), "back in time") {
		t.Errorf("%d events, notes %q", len(evs), st.Files[0].Notes)
	}
}

// Times in any form the parser reads split an export as dates with
// slashes do: ISO 8601 in UTC and with an offset, as .ToString('o') writes
// them, and de-DE dates with dots.
func TestExportRunsInEveryTimeForm(t *testing.T) {
	base := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	for name, format := range map[string]func(time.Time) string{
		"ISO UTC": func(t time.Time) string { return t.Format("2006-01-02T15:04:05.0000000Z") },
		"ISO with offset": func(t time.Time) string {
			return t.In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05.0000000-07:00")
		},
		"de-DE": func(t time.Time) string { return t.Format("2.1.2006 15:04:05") },
	} {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString(exportHeader)
			var want []int64
			for s := range 2 {
				for i := range 5 {
					at := base.Add(time.Duration(i*60+s*30) * time.Second)
					fmt.Fprintf(&b, `"%s","MBX%d","SEND","<%d@x>","status","a@corp.example","b@partner.example"`+"\r\n", format(at), s+1, 3+s*5+i)
				}
			}
			for i := range 5 {
				want = append(want, int64(3+i), int64(8+i))
			}
			path := filepath.Join(t.TempDir(), "export.csv")
			if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			evs, st := read(t, path)
			var lines []int64
			for _, e := range evs {
				lines = append(lines, e.Line)
			}
			if !slices.Equal(lines, want) || st.Malformed != 0 {
				t.Errorf("lines read %v, want %v (malformed %+v)", lines, want, st.Samples)
			}
		})
	}
}

// Random exports of several servers one after another, with values on
// several lines or outside ASCII, CRLF or LF, rows a value short, UTF-8
// with a BOM or none or UTF-16 either way: every readable row is read once, from its line, and all of them in time order
// to within the minute a run may go back.
func TestRandomExportsOfSeveralServers(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	dir := t.TempDir()
	for round := range 100 {
		nl := "\r\n"
		if r.IntN(2) == 0 {
			nl = "\n"
		}
		enc := r.IntN(3) // UTF-8, UTF-16LE, UTF-16BE
		var b strings.Builder
		if enc == 0 && r.IntN(2) == 0 {
			b.WriteString("\ufeff")
		}
		b.WriteString(strings.ReplaceAll(exportHeader, "\r\n", nl))
		line := 3
		type row struct {
			line   int
			server string
			at     time.Time
		}
		var want []row
		servers := 1 + r.IntN(6)
		base := time.Date(2026, 3, 1+r.IntN(20), 0, 0, 0, 0, time.UTC)
		for s := range servers {
			server := fmt.Sprintf("MBX%d", s+1)
			at := base.Add(time.Duration(r.IntN(3600)) * time.Second)
			for range r.IntN(40) {
				at = at.Add(time.Duration(1+r.IntN(300)) * time.Second)
				stamp := at.Format("2006-01-02T15:04:05Z")
				if r.IntN(10) == 0 {
					fmt.Fprintf(&b, `"%s","%s","SEND"%s`, stamp, server, nl)
					line++
					continue
				}
				subject := "status"
				if r.IntN(8) == 0 {
					subject = `re: "x",` + nl + `y`
				} else if r.IntN(4) == 0 {
					subject = "statüs € 📅"
				}
				fmt.Fprintf(&b, `"%s","%s","SEND","<%d@x>","%s","a@corp.example","b@partner.example"%s`,
					stamp, server, line, strings.ReplaceAll(subject, `"`, `""`), nl)
				want = append(want, row{line, server, at})
				line += 1 + strings.Count(subject, "\n")
			}
		}
		data := []byte(b.String())
		switch enc {
		case 1:
			data = textenctest.UTF16(b.String(), binary.LittleEndian, true)
		case 2:
			data = textenctest.UTF16(b.String(), binary.BigEndian, true)
		}
		path := filepath.Join(dir, fmt.Sprintf("export-%d.csv", round))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 3} {
			var got []row
			_, err := tracking.Read(context.Background(), []string{path}, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
				got = append(got, row{int(e.Line), e.ServerHostname, e.Time})
				if e.MessageID != fmt.Sprintf("<%d@x>", e.Line) {
					t.Errorf("round %d: line %d holds %s", round, e.Line, e.MessageID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// A server's rows less than runBackstep (a minute) earlier
			// than the last read stay in their place.
			var latest time.Time
			for _, g := range got {
				if g.at.Before(latest.Add(-time.Minute)) {
					t.Errorf("round %d, workers %d: line %d at %v read after %v", round, workers, g.line, g.at, latest)
				}
				if g.at.After(latest) {
					latest = g.at
				}
			}
			byLine := func(a, b row) int { return a.line - b.line }
			slices.SortStableFunc(got, byLine)
			if !slices.Equal(got, want) {
				t.Errorf("round %d, workers %d: read %v\nwant %v", round, workers, got, want)
			}
		}
	}
}

// readLines reads files and returns each event's line and Message-ID.
func readLines(t *testing.T, opt tracking.Options, files ...string) ([]string, tracking.Stats) {
	t.Helper()
	var got []string
	st, err := tracking.Read(context.Background(), files, opt, func(e *tracking.Event) error {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.MessageID))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

// streamLines is readLines of content the reader cannot split: the
// baseline an export read in runs must agree with, but for the order.
func streamLines(t *testing.T, opt tracking.Options, data []byte, name string) ([]string, tracking.Stats) {
	t.Helper()
	var got []string
	var st tracking.Stats
	err := tracking.ReadStream(context.Background(), bytes.NewReader(data), name, opt, &st, func(e *tracking.Event) error {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.MessageID))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

// The scan reads records as the parser does with the cap it is given: a
// quoted value longer than the default cap, or one past a smaller cap, is
// one record (or one malformed row) to both, never a place to cut.
func TestExportRunsFollowTheRecordCap(t *testing.T) {
	header := `"Timestamp","ServerHostname","EventId","MessageId","MessageSubject","Sender","Recipients"` + "\n"
	row := func(at, id, subject string) string {
		return `"` + at + `","MBX1","SEND","` + id + `","` + subject + `","a@x","b@x"` + "\n"
	}
	var big strings.Builder
	big.WriteString(header + row("2026-03-05T10:00:00Z", "<a@x>", "s") + row("2026-03-05T10:01:00Z", "<b@x>", "s"))
	big.WriteString(`"2026-03-05T10:05:00Z","MBX1","SEND","<big@x>","start` + "\n")
	for range 1100 {
		big.WriteString(strings.Repeat("y", 1000) + "\n")
	}
	big.WriteString("2026-03-05T09:00:00Z,still the subject\n" + `end","a@x","b@x"` + "\n")
	big.WriteString(row("2026-03-05T10:10:00Z", "<c@x>", "s") + row("2026-03-05T09:10:00Z", "<d@x>", "s"))

	var small strings.Builder
	small.WriteString(header + row("2026-03-05T10:00:00Z", "<a@x>", "s"))
	small.WriteString(`"2026-03-05T10:05:00Z","MBX1","SEND","<long@x>","` + strings.Repeat("z", 5000) + "\n")
	small.WriteString(`foo,"bar` + "\n" + row("2026-03-05T09:00:00Z", "<b@x>", "s") + row("2026-03-05T09:01:00Z", "<c@x>", "s"))

	for _, tc := range []struct {
		name string
		data string
		cap  int
	}{
		{"a record over the default cap", big.String(), 2 << 20},
		{"a record past a small cap", small.String(), 4096},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "export.csv")
			if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			opt := tracking.Options{MaxRecordBytes: tc.cap}
			want, wst := streamLines(t, opt, []byte(tc.data), path)
			slices.Sort(want)
			for _, workers := range []int{1, 2} {
				opt.Workers = workers
				got, st := readLines(t, opt, path)
				slices.Sort(got)
				if !slices.Equal(got, want) || st.Malformed != wst.Malformed {
					t.Errorf("workers %d: read %q (%d malformed)\nwant %q (%d)", workers, got, st.Malformed, want, wst.Malformed)
				}
			}
		})
	}
}

// A compressed export of several servers is read in file order, and says
// so and how to have it merged.
func TestCompressedExportOfSeveralServersSaysSo(t *testing.T) {
	path, _ := severalServersExport(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := path + ".gz"
	if err := os.WriteFile(gz, gzipped(data), 0o600); err != nil {
		t.Fatal(err)
	}
	evs, st := read(t, gz)
	inFileOrder(t, evs)
	notes := strings.Join(st.Files[0].Notes, "\n")
	for _, n := range []string{"day first", "compressed, so it is read in file order", "decompress it"} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes %q lack %q", notes, n)
		}
	}
}

// A file rewritten with the same size and modification time (a copy that
// keeps the time, a coarse clock) is scanned again, not cut where the old
// one's runs began.
func TestRewrittenExportIsScannedAgain(t *testing.T) {
	h := `"Timestamp","ServerHostname","EventId","MessageId"` + "\n"
	a := h + `"2026-03-05T10:00:00Z","A","SEND","<1@x>"` + "\n" + `"2026-03-05T10:05:00Z","A","SEND","<2@x>"` + "\n" +
		`"2026-03-05T09:00:00Z","B","SEND","<3@x>"` + "\n" + `"2026-03-05T09:05:00Z","B","SEND","<4@x>"` + "\n"
	b := h + `"2026-03-05T10:00:00Z","AAAAA","SEND","<1@x>"` + "\n" + `"2026-03-05T10:05:00Z","A","SEND","<2@x>"` + "\n" +
		`"2026-03-05T10:06:00Z","B","SEND","<3@x>"` + "\n" + `"2026-03-05T10:07:00Z","","SEND","<>"` + "\n"
	if len(a) != len(b) {
		t.Fatalf("sizes %d and %d", len(a), len(b))
	}
	path := filepath.Join(t.TempDir(), "x.csv")
	mod := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	for i, content := range []string{a, b} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
		got, st := readLines(t, tracking.Options{Workers: 1}, path)
		if len(got) != 4 || st.Malformed != 0 {
			t.Errorf("version %d: read %q, malformed %+v", i+1, got, st.Samples)
		}
	}
}
