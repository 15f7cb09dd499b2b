package tracking_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"dgaudit/directory/internal/textenc/textenctest"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

var t0 = time.Date(2026, 3, 5, 10, 11, 12, 123e6, time.UTC)

func sampleEvents() []tracking.Event {
	return []tracking.Event{
		{Time: t0, EventID: "RECEIVE", Source: "SMTP", ClientIP: "203.0.113.10", ClientHostname: "mx.external.example",
			Sender: "sender@external.example", ReturnPath: "sender@external.example", Recipients: []string{"list@corp.example"},
			Subject: `Figures, "Q1" and Q2`, MessageID: "<a1@external.example>", Directionality: "Incoming", TotalBytes: 2048},
		{Time: t0.Add(time.Second), EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: "list@corp.example",
			Recipients: []string{"paul@partner.example", "ann@corp.example"}, RecipientStatus: []string{"250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded"},
			Sender: "sender@external.example", ReturnPath: "sender@external.example", Subject: `Figures, "Q1" and Q2`, MessageID: "<a1@external.example>"},
	}
}

// read reads files and returns the events (copied) and stats.
func read(t *testing.T, files ...string) ([]tracking.Event, tracking.Stats) {
	t.Helper()
	var got []tracking.Event
	st, err := tracking.Read(context.Background(), files, tracking.Options{}, func(e *tracking.Event) error {
		got = append(got, e.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

// gzipped returns data gzip-compressed.
func gzipped(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

func writeLog(t *testing.T, path string, fields []string, evs []tracking.Event) {
	t.Helper()
	if err := trackingtest.WriteLogFile(path, fields, evs); err != nil {
		t.Fatal(err)
	}
}

func TestLogVersions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []string
	}{
		{"exchange2007", trackingtest.Fields2007},
		{"exchange2010", trackingtest.Fields2010},
		{"exchange2013", trackingtest.Fields2013},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "MSGTRK20260305-1.LOG")
			writeLog(t, path, tc.fields, sampleEvents())
			got, st := read(t, path)
			if st.Malformed != 0 || st.Events != 2 || st.Failed != 0 {
				t.Fatalf("stats %+v", st)
			}
			if st.Files[0].Format != tracking.FormatLog {
				t.Errorf("format %q", st.Files[0].Format)
			}
			want := sampleEvents()
			for i := range want {
				want[i].File, want[i].Line, want[i].Format = path, int64(6+i), tracking.FormatLog
				if len(tc.fields) == len(trackingtest.Fields2007) {
					want[i].Directionality = "" // not logged before 2010
				}
				want[i].RecipientCount = len(want[i].Recipients)
			}
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}

func TestExportCSVAndTrace(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "tracking.csv")
	var b bytes.Buffer
	if err := trackingtest.WriteTrackingCSV(&b, sampleEvents()); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(csvPath, b.Bytes(), 0o644)
	got, st := read(t, csvPath)
	if st.Events != 2 || st.Malformed != 0 || st.Files[0].Format != tracking.FormatTrackingCSV {
		t.Fatalf("tracking csv: %+v", st)
	}
	// Export-Csv's en-US timestamps have whole seconds.
	if !got[0].Time.Equal(t0.Truncate(time.Second)) || got[1].EventID != "EXPAND" || got[1].RelatedRecipient != "list@corp.example" ||
		!cmp.Equal(got[1].Recipients, []string{"paul@partner.example", "ann@corp.example"}) || got[0].Subject != `Figures, "Q1" and Q2` {
		t.Errorf("tracking csv events: %+v", got)
	}

	tracePath := filepath.Join(dir, "trace.csv")
	b.Reset()
	trackingtest.WriteTraceCSV(&b, []trackingtest.TraceRow{
		{Received: t0, Sender: "a@external.example", Recipient: "team@corp.example", Subject: "hello", Status: "Expanded", FromIP: "203.0.113.5", MessageID: "<m1@x>"},
		{Received: t0, Sender: "a@external.example", Recipient: "bob@corp.example", Subject: "hello", Status: "Delivered", MessageID: "<m1@x>"},
		{Received: t0, Sender: "a@external.example", Recipient: "gone@corp.example", Subject: "hello", Status: "FilteredAsSpam", MessageID: "<m1@x>"},
	})
	os.WriteFile(tracePath, b.Bytes(), 0o644)
	got, st = read(t, tracePath)
	if st.Events != 3 || st.Files[0].Format != tracking.FormatTrace {
		t.Fatalf("trace: %+v", st)
	}
	if ids := []string{got[0].EventID, got[1].EventID, got[2].EventID}; !cmp.Equal(ids, []string{"EXPAND", "DELIVER", "FILTEREDASSPAM"}) {
		t.Errorf("trace event ids %v", ids)
	}
	if got[0].ClientIP != "203.0.113.5" || got[0].Recipients[0] != "team@corp.example" || !got[0].Time.Equal(t0) {
		t.Errorf("trace row %+v", got[0])
	}

	detail := filepath.Join(dir, "detail.csv")
	os.WriteFile(detail, []byte("\"MessageTraceId\",\"Date\",\"Event\",\"Action\",\"Detail\",\"Data\"\n"+
		"\"1\",\"6/10/2025 12:34:56 PM\",\"Send external\",\"\",\"Message sent to mx.partner.example\",\"<xml/>\"\n"+
		"\"1\",\"6/10/2025 12:34:50 PM\",\"Receive\",\"\",\"Message received by: AM0PR.prod.outlook.com\",\"\"\n"), 0o644)
	got, st = read(t, detail)
	if st.Events != 2 || st.Files[0].Format != tracking.FormatTraceDetail || got[0].EventID != "SEND" || got[1].EventID != "RECEIVE" ||
		!got[0].Time.Equal(time.Date(2025, 6, 10, 12, 34, 56, 0, time.UTC)) {
		t.Errorf("detail: %+v %+v", st, got)
	}
}

func TestMalformedLinesAreCountedWithFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "MSGTRK1.LOG")
	hdr := "#Fields: date-time,event-id,recipient-address,message-subject\r\n"
	body := hdr +
		"2026-03-05T10:00:00.000Z,RECEIVE,a@corp.example,ok\r\n" + // line 2
		"2026-03-05T10:00:01.000Z,RECEIVE,a@corp.example\r\n" + // 3: too few
		"yesterday,RECEIVE,a@corp.example,x\r\n" + // 4: bad time
		"2026-03-05T10:00:02.000Z,RECEIVE,a@corp.example,\"multi\r\nline, subject\"\r\n" + // 5-6: one record
		"2026-03-05T10:00:03.000Z,RECEIVE,a@corp.example,\"bad\"x\r\n" + // 7: text after quote
		"\r\n" + // 8: blank
		"2026-03-05T10:00:04.000Z,,a@corp.example,no event\r\n" + // 9: no event id
		"2026-03-05T10:00:05.000Z,SEND,b@corp.example,\"never closed\r\n" // 10: open at EOF
	os.WriteFile(path, []byte(body), 0o644)
	got, st := read(t, path)
	if len(got) != 2 || got[1].Subject != "multi\nline, subject" || got[1].Line != 5 {
		t.Fatalf("events %+v", got)
	}
	want := []tracking.Malformed{
		{File: path, Line: 3, Lines: 1, Reason: "3 values, the header has 4"},
		{File: path, Line: 4, Lines: 1, Reason: `unreadable timestamp "yesterday"`},
		{File: path, Line: 7, Lines: 1, Reason: "text after a closing quote"},
		{File: path, Line: 9, Lines: 1, Reason: "no event id"},
		{File: path, Line: 10, Lines: 1, Reason: "quoted value not closed before the end of the file"},
	}
	if d := cmp.Diff(want, st.Samples); d != "" {
		t.Errorf("malformed (-want +got):\n%s", d)
	}
	if st.Malformed != 5 || st.Files[0].Malformed != 5 || st.MalformedLines != 5 || st.Lines != 10 {
		t.Errorf("counts: %+v", st)
	}
}

func TestFoldersGzipAndFileFailures(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "server1")
	os.Mkdir(sub, 0o755)
	writeLog(t, filepath.Join(sub, "MSGTRK20260305-1.LOG"), trackingtest.Fields2013, sampleEvents())
	var plain bytes.Buffer
	lw, _ := trackingtest.NewLogWriter(&plain, trackingtest.Fields2013, t0)
	for _, e := range sampleEvents() {
		lw.Write(&e)
	}
	lw.Flush()
	gz := gzipped(plain.Bytes())
	os.WriteFile(filepath.Join(dir, "MSGTRK20260306-1.LOG.gz"), gz, 0o644)
	os.WriteFile(filepath.Join(dir, "truncated.log.gz"), gz[:len(gz)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "notes.csv"), []byte("Name,Value\nx,1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "utf16.csv"), []byte{'#', 0, 'F', 0}, 0o644) // no byte order mark
	os.WriteFile(filepath.Join(dir, "readme.txt"), []byte("not read"), 0o644)

	files, err := tracking.Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if want := []string{"MSGTRK20260306-1.LOG.gz", "notes.csv", "MSGTRK20260305-1.LOG", "truncated.log.gz", "utf16.csv"}; !cmp.Equal(names, want) {
		t.Errorf("expanded %v, want %v", names, want)
	}
	_, st := read(t, files...)
	if st.Events != 4 || st.Failed != 3 {
		t.Errorf("stats: events %d failed %d", st.Events, st.Failed)
	}
	for _, f := range st.Files {
		base := filepath.Base(f.Path)
		switch base {
		case "notes.csv":
			if !strings.Contains(f.Err, "not a tracking file") {
				t.Errorf("%s: %q", base, f.Err)
			}
		case "utf16.csv":
			if !strings.Contains(f.Err, "UTF-16 without a byte order mark") {
				t.Errorf("%s: %q", base, f.Err)
			}
		case "truncated.log.gz":
			if f.Err == "" {
				t.Errorf("%s: truncated gzip not reported", base)
			}
		default:
			if f.Err != "" || f.Events != 2 {
				t.Errorf("%s: %+v", base, f)
			}
		}
	}
	if _, err := tracking.Expand([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing path accepted")
	}
}

// A file named .gz that is not gzip is read as text; when that fails, the
// reason says it is not compressed, rather than only that it has no #Fields
// line. One that reads as text is read, and a damaged gzip stream is not
// said to be uncompressed.
func TestMisnamedGzip(t *testing.T) {
	var plain bytes.Buffer
	lw, _ := trackingtest.NewLogWriter(&plain, trackingtest.Fields2013, t0)
	for _, e := range sampleEvents() {
		lw.Write(&e)
	}
	lw.Flush()
	gz := gzipped(plain.Bytes())
	tests := []struct {
		name    string
		content []byte
		events  int64
		want    []string // in the error, in order; none: no error
		lack    string
	}{
		{"text named .gz", []byte("not gzip at all\n"), 0, []string{"not gzip-compressed despite its .gz name", "no #Fields line"}, ""},
		{"UTF-16 without its mark named .GZ", []byte{'#', 0, 'F', 0}, 0, []string{"not gzip-compressed despite its .gz name", "UTF-16 without a byte order mark"}, ""},
		{"a log named .gz", plain.Bytes(), 2, nil, ""},
		{"a UTF-16 log named .gz", textenctest.UTF16(strings.TrimPrefix(plain.String(), "\ufeff"), binary.LittleEndian, true), 2, nil, ""},
		{"damaged gzip", gz[:len(gz)/2], 0, []string{"unexpected EOF"}, "not gzip-compressed"},
	}
	for _, tc := range tests {
		for _, workers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/workers=%d", tc.name, workers), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "MSGTRK20260305-1.LOG.gz")
				if strings.Contains(tc.name, ".GZ") {
					path = filepath.Join(t.TempDir(), "export.CSV.GZ")
				}
				if err := os.WriteFile(path, tc.content, 0o644); err != nil {
					t.Fatal(err)
				}
				st, err := tracking.Read(context.Background(), []string{path}, tracking.Options{Workers: workers}, func(*tracking.Event) error { return nil })
				if err != nil {
					t.Fatal(err)
				}
				f := st.Files[0]
				if f.Events != tc.events {
					t.Errorf("workers %d: %d events, want %d", workers, f.Events, tc.events)
				}
				rest := f.Err
				for _, w := range tc.want {
					i := strings.Index(rest, w)
					if i < 0 {
						t.Errorf("workers %d: error %q lacks %q (or not in order)", workers, f.Err, w)
						break
					}
					rest = rest[i+len(w):]
				}
				if len(tc.want) == 0 && f.Err != "" {
					t.Errorf("workers %d: error %q", workers, f.Err)
				}
				if tc.lack != "" && strings.Contains(f.Err, tc.lack) {
					t.Errorf("workers %d: error %q has %q", workers, f.Err, tc.lack)
				}
			})
		}
	}
}

func TestCallbackErrorStopsAndSystemStringArrayIsLacking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	os.WriteFile(path, []byte("Timestamp,EventId,Recipients\n2026-03-05T10:00:00Z,RECEIVE,System.String[]\n2026-03-05T10:00:01Z,SEND,System.String[]\n"), 0o644)
	stop := errors.New("stop")
	n := 0
	st, err := tracking.Read(context.Background(), []string{path}, tracking.Options{}, func(*tracking.Event) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d events", err, n)
	}
	if len(st.Files) != 1 || len(st.Files[0].Lacks) != 1 || !strings.Contains(st.Files[0].Lacks[0], "recipients, exported as System.String[]") {
		t.Errorf("lacks: %+v", st.Files)
	}
}

// Stopping early works the same with one worker and with several: the
// callback's error (or the context's) comes back at once, after exactly the
// events fed so far, with workers parsing files further on.
func TestReadStopsEarlyWithAnyWorkers(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 6 {
		var evs []tracking.Event
		for range 2000 {
			evs = append(evs, sampleEvents()...)
		}
		path := filepath.Join(dir, "MSGTRK"+string(rune('a'+i))+".LOG")
		writeLog(t, path, trackingtest.Fields2013, evs)
		files = append(files, path)
	}
	stop := errors.New("stop")
	for _, workers := range []int{1, 2, 4} {
		n := 0
		_, err := tracking.Read(context.Background(), files, tracking.Options{Workers: workers}, func(*tracking.Event) error {
			n++
			if n == 5000 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 5000 {
			t.Errorf("%d workers: err %v after %d events", workers, err, n)
		}
		ctx, cancel := context.WithCancel(context.Background())
		n = 0
		_, err = tracking.Read(ctx, files, tracking.Options{Workers: workers}, func(*tracking.Event) error {
			if n++; n == 9000 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || n >= 24000 {
			t.Errorf("%d workers: cancelled read: err %v after %d events", workers, err, n)
		}
		cancel()
	}
}

// Export-Csv writes each of Get-MessageTrackingLog's lists as its type name
// unless it is joined: a file lacking any of them says so, where only the
// recipients were checked and an export joined as the advice then said
// (recipients alone) lost every report's tie to its original.
func TestUnjoinedListsAreLacking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	os.WriteFile(path, []byte("Timestamp,EventId,Recipients,RecipientStatus,Reference\n"+
		"2026-03-05T10:00:00Z,DSN,a@x.example,System.String[],System.String[]\n"), 0o644)
	var refs []string
	st, err := tracking.Read(context.Background(), []string{path}, tracking.Options{}, func(e *tracking.Event) error {
		refs = append(refs, e.Reference)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lacks := st.Files[0].Lacks
	if len(lacks) != 2 || !strings.HasPrefix(lacks[0], "recipient status, exported as System.String[]") || !strings.HasPrefix(lacks[1], "the reports' references, exported as System.String[]") {
		t.Errorf("lacks %q", lacks)
	}
	if len(refs) != 1 || refs[0] != "" {
		t.Errorf("references %q, want one empty: the type name is no reference", refs)
	}
}
