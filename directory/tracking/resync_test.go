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

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// logRows is a #Fields log of n rows, line 2 on, one a second; row k's
// subject is subject(k).
func logRows(n int, subject func(k int) string) string {
	var b strings.Builder
	b.WriteString("#Fields: date-time,event-id,recipient-address,message-subject\r\n")
	for k := range n {
		fmt.Fprintf(&b, "2026-03-05T10:%02d:%02d.000Z,RECEIVE,a%d@corp.example,%s\r\n", k/60, k%60, k, subject(k))
	}
	return b.String()
}

// exportRows is an export of n rows, line 2 on, as logRows: every value
// quoted (Export-Csv's default), or only the subject as its text needs
// (PowerShell 7's -UseQuotes AsNeeded, written by hand: subject(k) comes
// as it is).
func exportRows(n int, quoteAll bool, subject func(k int) string) string {
	var b strings.Builder
	q := func(s string) string {
		if quoteAll {
			return `"` + s + `"`
		}
		return s
	}
	fmt.Fprintf(&b, "%s,%s,%s,%s\r\n", q("Timestamp"), q("EventId"), q("Recipients"), q("MessageSubject"))
	for k := range n {
		fmt.Fprintf(&b, "%s,%s,%s,%s\r\n", q(fmt.Sprintf("2026-03-05T10:%02d:%02dZ", k/60, k%60)), q("RECEIVE"), q(fmt.Sprintf("a%d@corp.example", k)), subject(k))
	}
	return b.String()
}

// A quoted value left open by a stray quote ends at the next line that
// begins as the file's records do: the rows after it are read, and the
// broken record is one malformed record over the lines it took. A value
// over several lines whose next line does not begin so is still one record.
func TestStrayQuoteEndsAtTheNextRecord(t *testing.T) {
	for _, tc := range []struct {
		name, file, text string
		// events: how many rows read; subject: row 6's subject when it
		// reads.
		events  int
		subject string
		samples []tracking.Malformed // File left out
	}{
		{
			name: "log: a subject opened by a stray quote", file: "MSGTRK20260305-1.LOG",
			text: logRows(100, func(k int) string {
				if k == 5 {
					return `"Invoice 5`
				}
				return fmt.Sprintf("invoice %d", k)
			}),
			events:  99,
			samples: []tracking.Malformed{{Line: 7, Lines: 1, Reason: "quoted value not closed before line 8, which begins a record"}},
		},
		{
			name: "log: lines that begin no record go with the broken one", file: "MSGTRK20260305-1.LOG",
			text: strings.Replace(logRows(100, func(k int) string {
				if k == 5 {
					return `"Invoice 5`
				}
				return fmt.Sprintf("invoice %d", k)
			}), "Invoice 5\r\n", "Invoice 5\r\nnot a row\r\n\r\n10:00 neither\r\n", 1),
			events:  99,
			samples: []tracking.Malformed{{Line: 7, Lines: 4, Reason: "quoted value not closed before line 11, which begins a record"}},
		},
		{
			name: "log: the last row left open", file: "MSGTRK20260305-1.LOG",
			text:    logRows(10, func(k int) string { return map[bool]string{true: `"open`, false: "x"}[k == 9] }) + "tail\r\n",
			events:  9,
			samples: []tracking.Malformed{{Line: 11, Lines: 2, Reason: "quoted value not closed before the end of the file"}},
		},
		{
			name: "log: a subject over two lines", file: "MSGTRK20260305-1.LOG",
			text: logRows(10, func(k int) string {
				if k == 5 {
					return "\"first line\r\nsecond, line\""
				}
				return "x"
			}),
			events: 10, subject: "first line\nsecond, line",
		},
		{
			name: "export: a subject over two lines", file: "export.csv",
			text: exportRows(10, true, func(k int) string {
				if k == 5 {
					return "\"first line\r\nsecond, line\""
				}
				return `"x"`
			}),
			events: 10, subject: "first line\nsecond, line",
		},
		{
			// Every value quoted: a line that begins as a record does
			// begins with a quote, which would close the open value
			// with text after it. A continuation line beginning with a
			// date, unquoted, is no record's beginning.
			name: "export: a subject's second line begins with a date and a time", file: "export.csv",
			text: exportRows(10, true, func(k int) string {
				if k == 5 {
					return "\"agenda\r\n2026-03-05T11:00:00Z, room 2\r\n3/5/2026 11:00:00 AM,\""
				}
				return `"x"`
			}),
			events: 10, subject: "agenda\n2026-03-05T11:00:00Z, room 2\n3/5/2026 11:00:00 AM,",
		},
		{
			name: "export: a value opened by a stray quote", file: "export.csv",
			text: exportRows(100, true, func(k int) string {
				if k == 5 {
					return `"invoice 5`
				}
				return fmt.Sprintf(`"invoice %d"`, k)
			}),
			events:  99,
			samples: []tracking.Malformed{{Line: 7, Lines: 1, Reason: "quoted value not closed before line 8, which begins a record"}},
		},
		{
			// Quoted as needed, a continuation line that begins with a
			// date and a time then a comma reads as a record: the
			// value's record is cut there and reported, and the
			// line is read as a row of its own (here one too short).
			name: "export quoted as needed: a subject's second line begins with a date, a time and a comma", file: "export.csv",
			text: exportRows(10, false, func(k int) string {
				if k == 5 {
					return "\"agenda\r\n2026-03-05T11:00:00Z, room 2\""
				}
				return "x"
			}),
			events: 9,
			samples: []tracking.Malformed{
				{Line: 7, Lines: 1, Reason: "quoted value not closed before line 8, which begins a record"},
				{Line: 8, Lines: 1, Reason: "2 values, the header has 4"},
			},
		},
		{
			name: "export quoted as needed: a subject over two lines", file: "export.csv",
			text: exportRows(10, false, func(k int) string {
				if k == 5 {
					return "\"agenda\r\nroom 2, 11:00\""
				}
				return "x"
			}),
			events: 10, subject: "agenda\nroom 2, 11:00",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			got, st := read(t, path)
			if len(got) != tc.events {
				t.Errorf("%d events, want %d", len(got), tc.events)
			}
			if tc.subject != "" {
				if i := slices.IndexFunc(got, func(e tracking.Event) bool { return e.Line == 7 }); i < 0 || got[i].Subject != tc.subject {
					t.Errorf("row of line 7 missing or subject wrong: %+v", got)
				}
			}
			for i := range tc.samples {
				tc.samples[i].File = path
			}
			if d := cmp.Diff(tc.samples, st.Samples, cmp.Comparer(func(a, b []tracking.Malformed) bool { return len(a)+len(b) == 0 || cmp.Equal(a, b) })); d != "" {
				t.Errorf("malformed (-want +got):\n%s", d)
			}
			var lines int64
			for _, m := range tc.samples {
				lines += m.Lines
			}
			if st.Malformed != int64(len(tc.samples)) || st.MalformedLines != lines || st.Files[0].MalformedLines != lines {
				t.Errorf("malformed %d over %d lines (file %d), want %d over %d", st.Malformed, st.MalformedLines, st.Files[0].MalformedLines, len(tc.samples), lines)
			}
			// Every line is a header, an event's or a malformed record's.
			if want := st.Lines - 1 - st.MalformedLines; int64(len(got))+int64(strings.Count(tc.subject, "\n")) != want {
				t.Errorf("%d lines, %d events, %d malformed lines: some not accounted for", st.Lines, len(got), st.MalformedLines)
			}
		})
	}
}

// An export of two servers one after another is read as its runs, each
// parsed on its own: a stray quote in the first server's last row leaves
// its section's parser at the section's end with the value open. It must
// report what the whole file's reading does (which cuts the record at the
// second server's first row), whatever the workers.
func TestStrayQuoteAtARunsEndReadsAsInTheWholeFile(t *testing.T) {
	var evs []tracking.Event
	for server := range 2 {
		for i := range 300 {
			e := sampleEvents()[i%2]
			e.Time = time.Date(2026, 3, 13, 9, 0, i, 0, time.UTC)
			e.ServerHostname = fmt.Sprintf("EX%d", server)
			e.MessageID = fmt.Sprintf("<%d.%d@x>", server, i)
			e.Subject = fmt.Sprintf("row %d", i)
			evs = append(evs, e)
		}
	}
	var b bytes.Buffer
	if err := trackingtest.WriteTrackingCSV(&b, evs); err != nil {
		t.Fatal(err)
	}
	// The first server's last row, and one mid-run, lose the closing
	// quote of their last value (EventData, empty): the value runs on.
	openRow := func(text, subject string) string {
		i := strings.Index(text, subject)
		j := i + strings.Index(text[i:], "\r\n")
		if text[j-2:j] != `""` {
			t.Fatalf("row %s ends %q", subject, text[j-10:j])
		}
		return text[:j-1] + text[j:]
	}
	text := openRow(openRow(b.String(), `"row 299"`), `"row 150"`)
	path := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var wholeSt tracking.Stats
	var whole []string
	err := tracking.ReadStream(context.Background(), strings.NewReader(text), path, tracking.Options{}, &wholeSt, func(e *tracking.Event) error {
		whole = append(whole, fmt.Sprint(e.Line, e.MessageID))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(whole)
	if wholeSt.Malformed != 2 || wholeSt.MalformedLines != 2 || len(whole) != 598 {
		t.Fatalf("whole file: %d events, stats %+v", len(whole), wholeSt)
	}
	for _, workers := range []int{1, 2, 8} {
		var got []string
		st, err := tracking.Read(context.Background(), []string{path}, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
			got = append(got, fmt.Sprint(e.Line, e.MessageID))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(st.Files[0].Notes, func(n string) bool { return strings.Contains(n, "runs of rows in time order") }) {
			t.Fatalf("%d workers: not read as runs: %v", workers, st.Files[0].Notes)
		}
		slices.Sort(got)
		if d := cmp.Diff(whole, got); d != "" {
			t.Errorf("%d workers: events differ (-whole file +runs):\n%s", workers, d)
		}
		if d := cmp.Diff(wholeSt.Samples, st.Samples); d != "" || st.Malformed != wholeSt.Malformed || st.MalformedLines != wholeSt.MalformedLines {
			t.Errorf("%d workers: malformed %d over %d lines, samples (-whole file +runs):\n%s", workers, st.Malformed, st.MalformedLines, d)
		}
	}
}
