package tracking_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/internal/textenc/textenctest"
	"dgaudit/directory/tracking"
)

// graphPage is a page of the Graph message-trace API as it is saved.
func graphPage(t testing.TB, rows []tracking.GraphTrace, next string) string {
	t.Helper()
	b, err := json.MarshalIndent(struct {
		Context string                `json:"@odata.context"`
		Value   []tracking.GraphTrace `json:"value"`
		Next    string                `json:"@odata.nextLink,omitempty"`
	}{"https://graph.microsoft.com/v1.0/$metadata#admin/exchange/tracing/messageTraces", rows, next}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// graphRows are n message-trace rows, two per message, each message's
// member row listed before its Expanded row, newest message first as the
// service lists them.
func graphRows(n int) []tracking.GraphTrace {
	rows := make([]tracking.GraphTrace, n)
	for i := range rows {
		m := (n - 1 - i) / 2
		rows[i] = tracking.GraphTrace{ID: fmt.Sprintf("trace-%d", m), SenderAddress: "a@external.example",
			RecipientAddress: fmt.Sprintf("r%d@corp.example", i), MessageID: fmt.Sprintf("<m%d@x>", m),
			ReceivedDateTime: t0.Add(time.Duration(m) * time.Second).Format("2006-01-02T15:04:05.9999999Z"),
			Subject:          "hi", Size: int64(100 + i), FromIP: "203.0.113.5", Status: "delivered"}
		if i%2 == 1 {
			rows[i].Status, rows[i].RecipientAddress = "expanded", fmt.Sprintf("list%d@corp.example", m)
		}
	}
	return rows
}

const nextLink = "https://graph.microsoft.com/v1.0/admin/exchange/tracing/messageTraces?$skiptoken=abc"

type pageEvent struct {
	ID, Recipient, MessageID string
	Time                     time.Time
	Line                     int64
}

func readPages(t *testing.T, data []byte, opt tracking.Options, names ...string) ([]pageEvent, tracking.Stats) {
	t.Helper()
	dir := t.TempDir()
	if len(names) == 0 {
		names = []string{"page.json"}
	}
	var files []string
	for _, n := range names {
		files = append(files, filepath.Join(dir, n))
		if err := os.WriteFile(files[len(files)-1], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []pageEvent
	st, err := tracking.Read(context.Background(), files, opt, func(e *tracking.Event) error {
		if e.Format != tracking.FormatTrace || len(e.Recipients) != 1 {
			t.Errorf("event %+v", e)
		}
		got = append(got, pageEvent{e.EventID, e.Recipients[0], e.MessageID, e.Time, e.Line})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

// A saved page is read however it was saved: alone, several one after
// another or as a JSON array, with a byte order mark, as UTF-16, or
// compressed; each message's Expanded row comes first. Only a last page
// with an @odata.nextLink says the file lacks what follows.
func TestGraphPageForms(t *testing.T) {
	t.Parallel()
	rows := graphRows(6)
	one := graphPage(t, rows, "")
	first, last := graphPage(t, rows[:4], nextLink), graphPage(t, rows[4:], "")
	var want []pageEvent
	for m := 2; m >= 0; m-- {
		at := t0.Add(time.Duration(m) * time.Second).Truncate(100 * time.Nanosecond)
		line := int64(2*(2-m) + 1)
		want = append(want,
			pageEvent{"EXPAND", fmt.Sprintf("list%d@corp.example", m), fmt.Sprintf("<m%d@x>", m), at, line + 1},
			pageEvent{"DELIVER", fmt.Sprintf("r%d@corp.example", line-1), fmt.Sprintf("<m%d@x>", m), at, line})
	}
	tests := []struct {
		name string
		data []byte
		lack bool
	}{
		{"one page", []byte(one), false},
		{"pages one after another", []byte(first + "\n" + last), false},
		{"an array of pages", []byte("[" + first + ",\n" + last + "]\n"), false},
		{"white space and a byte order mark first", []byte("\uFEFF \r\n\t" + one), false},
		{"UTF-16", textenctest.UTF16(one, binary.LittleEndian, true), false},
		{"compressed", gzipped([]byte(one)), false},
		{"the last page has a nextLink", []byte(last + first), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, st := readPages(t, tc.data, tracking.Options{})
			if tc.lack {
				// The same rows, messages in another order.
				if len(got) != len(want) {
					t.Errorf("%d events, want %d", len(got), len(want))
				}
			} else if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			f := st.Files[0]
			if f.Err != "" || f.Format != tracking.FormatTrace || f.Lines != 6 || f.Events != 6 || f.Malformed != 0 || st.Failed != 0 {
				t.Errorf("stats %+v", st)
			}
			if lacks := strings.Join(f.Lacks, "; "); tc.lack != strings.Contains(lacks, "@odata.nextLink") || tc.lack && !strings.Contains(lacks, "--m365") {
				t.Errorf("lacks %q, want the pages that follow named: %v", lacks, tc.lack)
			}
		})
	}
}

// What is not a page is a file not read to its end, at the byte offset at
// fault, past the rows before it, which stand; a row whose values are not
// what Graph writes is a malformed row, and the read goes on.
func TestGraphPageMalformed(t *testing.T) {
	t.Parallel()
	rows := graphRows(4)
	good := graphPage(t, rows, "")
	at := strings.Index(good, `"id": "trace-0"`) // the last message's first value
	comma := strings.LastIndex(good[:at], ",")
	badTime := rows
	badTime = append(badTime[:0:0], rows...)
	badTime[0].ReceivedDateTime = "yesterday"
	tests := []struct {
		name   string
		data   string
		events int64
		// err is the file's error (the offset checked apart), bad the
		// malformed rows' reason.
		err, bad string
		off      int
	}{
		{"a stray brace", good[:at+6] + "}" + good[at+6:], 2, "invalid character '}'", "", at + 6},
		{"a missing comma", good[:comma] + good[comma+1:], 2, "expected comma after array element", "", strings.Index(good[comma:], "{") + comma - 1},
		{"cut short", good[:at+5], 2, "ends before its pages do", "", at + 5},
		{"garbage after the page", good + "\n}", 4, "invalid character '}'", "", len(good) + 1},
		{"not a page", `{"a": [1, 2]}`, 0, "without a value array", "", 0},
		{"an array of rows", `[{"id": "x"}]`, 0, "without a value array", "", 1},
		{"an array of numbers", `[1]`, 0, "1 where a page", "", 1},
		{"value not an array", `{"value": {}}`, 0, `"{" where the value array begins`, "", 10},
		{"nothing", `[]`, 0, "no page", "", 2},
		{"a page of users", `{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": [{"id": "1", "displayName": "A"}]}`, 0,
			`not a saved Graph message-trace page: its @odata.context names "users"`, "", 0},
		{"a page of trace details", `{"@odata.context": "https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.exchangeMessageTraceDetail)", "value": [{"id": "x"}]}`, 0,
			"not a saved Graph message-trace page: its @odata.context", "", 0},
		{"a page of other rows without its context", `{"value": [{"id": "1", "displayName": "A"}, {"id": "2"}]}`, 0,
			"not a saved Graph message-trace page: byte offset 11: its first row has none of a message trace's values", "", 11},
		{"a report", `{"schemaVersion": "1", "traffic": {"loops": [{"group": "g@x", "recipients": ["a@b.c"]}]}}`, 0,
			"not a saved Graph message-trace page: a JSON object without a value array", "", 0},
		{"a row of the wrong type", strings.Replace(good, `"size": 103`, `"size": "big"`, 1), 3, "", "size is a JSON string, not a number", 0},
		{"a row that is not an object", `{"value": [1, ` + good[strings.Index(good, "{\n      \"id\""):], 4, "", "the row is a JSON number", 0},
		{"an unreadable time", graphPage(t, badTime, ""), 3, "", `unreadable receivedDateTime "yesterday"`, 0},
	}
	offset := regexp.MustCompile(`byte offset (\d+)`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, st := readPages(t, []byte(tc.data), tracking.Options{})
			f := st.Files[0]
			if f.Events != tc.events {
				t.Errorf("%d events, want %d", f.Events, tc.events)
			}
			if tc.err == "" {
				if f.Err != "" || len(st.Samples) != 1 || !strings.Contains(st.Samples[0].Reason, tc.bad) || !offset.MatchString(st.Samples[0].Reason) {
					t.Errorf("error %q, samples %+v: want a malformed row, %q", f.Err, st.Samples, tc.bad)
				}
				return
			}
			if !strings.Contains(f.Err, tc.err) || st.Failed != 1 {
				t.Fatalf("error %q, want %q", f.Err, tc.err)
			}
			m := offset.FindStringSubmatch(f.Err)
			if m == nil && tc.off == 0 && strings.HasPrefix(f.Err, "not a saved Graph message-trace page: ") {
				// What is not a page at all is placed nowhere.
				return
			}
			if m == nil {
				t.Fatalf("error %q names no byte offset", f.Err)
			}
			if n, _ := strconv.Atoi(m[1]); n != tc.off {
				t.Errorf("error %q: offset %d, want %d (%q)", f.Err, n, tc.off, tc.data[min(tc.off, len(tc.data)):min(tc.off+10, len(tc.data))])
			}
		})
	}
}

// Pages are read alike by one worker and by several, beside another file,
// with more rows than a batch of the parallel reader holds. The three
// files hold the same page, so the rows of the second and third are
// passed over as read before (dedup.go), as two overlapping message
// traces' are.
func TestGraphPageWorkers(t *testing.T) {
	t.Parallel()
	data := []byte(graphPage(t, graphRows(3000), ""))
	want, wst := readPages(t, data, tracking.Options{Workers: 1}, "a.json", "b.json", "c.json")
	got, gst := readPages(t, data, tracking.Options{Workers: 4}, "a.json", "b.json", "c.json")
	if len(want) != 3000 || wst.Events != 9000 || wst.Duplicates != 6000 {
		t.Fatalf("%d events passed on, stats %+v; want 3000 of 9000, 6000 duplicates", len(want), wst)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-one worker +four):\n%s", diff)
	}
	if gst.Events != wst.Events || gst.Lines != wst.Lines || gst.Bytes != wst.Bytes || gst.Duplicates != wst.Duplicates {
		t.Errorf("stats: four workers %+v, one %+v", gst, wst)
	}
}

// A wildcard naming .json files reads them (Windows passes the pattern as
// typed); a folder's .json files are not read, since reports are written
// there as .json.
func TestGraphPagePattern(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"page1.json", "page2.json"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(graphPage(t, graphRows(2), "")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := tracking.Expand([]string{filepath.Join(dir, "page*.json")})
	if err != nil || len(got) != 2 {
		t.Errorf("pattern: %q, %v", got, err)
	}
	if got, err := tracking.Expand([]string{dir}); err != nil || len(got) != 0 {
		t.Errorf("folder: %q, %v", got, err)
	}
}

// FuzzGraphPage feeds arbitrary text to the reader of saved pages: it must
// never panic, account for every row as an event or a malformed row, and
// place what is wrong within the text.
func FuzzGraphPage(f *testing.F) {
	rows := graphRows(4)
	f.Add([]byte(graphPage(f, rows, "")))
	f.Add([]byte(graphPage(f, rows[:2], nextLink) + graphPage(f, rows[2:], "")))
	f.Add([]byte("[" + graphPage(f, rows[:1], "") + "]"))
	f.Add([]byte(`{"value":[{"id":1,"size":"x","receivedDateTime":"2026-03-05T10:00:00Z"},null,[],{}],"@odata.nextLink":7}`))
	f.Add([]byte(`[{"value":[]},{"value":[{"status":"Expanded","receivedDateTime":"2026-03-05T10:00:00Z"}]}`))
	offset := regexp.MustCompile(`byte offset (\d+)`)
	f.Fuzz(func(t *testing.T, data []byte) {
		var st tracking.Stats
		var events int64
		err := tracking.ReadStream(context.Background(), strings.NewReader(string(data)), "fuzz.json", tracking.Options{}, &st, func(e *tracking.Event) error {
			events++
			if e.Time.IsZero() || e.EventID == "" || e.Line < 1 || e.Line > st.Lines {
				t.Fatalf("event %+v (lines %d)", e, st.Lines)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("ReadStream returned %v; content problems belong in Stats", err)
		}
		f := st.Files[0]
		if f.Format != tracking.FormatTrace {
			return // not read as pages
		}
		if events != f.Events || f.Events+f.Malformed != f.Lines {
			t.Fatalf("events %d, stats %+v", events, f)
		}
		for _, m := range offset.FindAllStringSubmatch(f.Err, -1) {
			if n, _ := strconv.Atoi(m[1]); n > len(data) {
				t.Fatalf("offset %d past the %d bytes: %s", n, len(data), f.Err)
			}
		}
	})
}
