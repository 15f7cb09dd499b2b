package tracking_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/internal/textenc/textenctest"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// encodings are the ways Windows saves an export, each applied to its text:
// Export-Csv -Encoding UTF8 (with a BOM in Windows PowerShell, without in
// PowerShell 7), -Encoding Unicode and BigEndianUnicode, and > or Out-File.
var encodings = []struct {
	name   string
	encode func(string) []byte
}{
	{"UTF-8", func(s string) []byte { return []byte(s) }},
	{"UTF-8 BOM", func(s string) []byte { return append([]byte("\ufeff"), s...) }},
	{"UTF-16LE", func(s string) []byte { return textenctest.UTF16(s, binary.LittleEndian, true) }},
	{"UTF-16BE", func(s string) []byte { return textenctest.UTF16(s, binary.BigEndian, true) }},
	{"UTF-16LE gzip", func(s string) []byte { return gzipped(textenctest.UTF16(s, binary.LittleEndian, true)) }},
}

// readAll reads path with the given workers and returns the events, their
// file name taken off so that twins compare, and the stats.
func readAll(t *testing.T, path string, workers int) ([]tracking.Event, tracking.Stats) {
	t.Helper()
	var got []tracking.Event
	st, err := tracking.Read(context.Background(), []string{path}, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
		c := e.Clone()
		c.File = ""
		got = append(got, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

// bigExport is a Get-MessageTrackingLog export in time order of n rows,
// with subjects outside ASCII (a surrogate pair in UTF-16 among them) and
// over two lines.
func bigExport(n int) string {
	evs := make([]tracking.Event, n)
	for i := range evs {
		evs[i] = tracking.Event{Time: t0.Add(time.Duration(i) * time.Second), EventID: "SEND", Source: "SMTP",
			Sender: "ann@corp.example", Recipients: []string{fmt.Sprintf("r%d@partner.example", i)},
			Subject: fmt.Sprintf("Réunion n°%d 📅 naïve", i), MessageID: fmt.Sprintf("<m%d@corp.example>", i), ClientHostname: "EXCH01", ServerHostname: "mx.partner.example"}
		if i%97 == 0 {
			evs[i].Subject = "two\r\nlines 😀"
		}
	}
	var b bytes.Buffer
	trackingtest.WriteTrackingCSV(&b, evs)
	return b.String()
}

// An export saved in any of Windows' encodings, compressed or not, reads
// as the same events as its UTF-8 twin, with one worker or several: the
// text is decoded as it streams, past the read buffers' edges.
func TestExportInEveryEncodingReadsAlike(t *testing.T) {
	t.Parallel()
	text := bigExport(6000) // over 1 MiB of UTF-16, more than one read buffer
	dir := t.TempDir()
	var want []tracking.Event
	for _, enc := range encodings {
		path := filepath.Join(dir, strings.ReplaceAll(enc.name, " ", "-")+".csv")
		if strings.HasSuffix(enc.name, "gzip") {
			path += ".gz"
		}
		if err := os.WriteFile(path, enc.encode(text), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 4} {
			got, st := readAll(t, path, workers)
			if want == nil {
				want = got
				if len(want) != 6000 {
					t.Fatalf("%s: %d events, want 6000", enc.name, len(want))
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s, workers %d: events differ from UTF-8's (-want +got):\n%s", enc.name, workers, diff)
			}
			if f := st.Files[0]; st.Failed != 0 || f.Err != "" || f.Events != 6000 || f.Malformed != 0 {
				t.Errorf("%s, workers %d: stats %+v", enc.name, workers, f)
			}
		}
	}
}

// An export of several servers one after another saved as UTF-16 is read
// as its UTF-8 twin is: as its runs merged by time, each run decoded from
// its own bytes, whose offsets count the characters outside ASCII before
// it.
func TestUTF16ExportOfSeveralServersIsReadAsItsTwin(t *testing.T) {
	t.Parallel()
	path, times := severalServersExport(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Characters of two, three and four bytes in UTF-8 before each run.
	text := strings.TrimPrefix(strings.ReplaceAll(string(data), `"status"`, `"statüs € 📅"`), "\ufeff")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 4} {
		want, wantSt := readAll(t, path, workers)
		if len(want) != len(times) {
			t.Fatalf("UTF-8: %d events, want %d", len(want), len(times))
		}
		for _, enc := range encodings[2:4] {
			p16 := filepath.Join(t.TempDir(), "all-servers.csv")
			if err := os.WriteFile(p16, enc.encode(text), 0o600); err != nil {
				t.Fatal(err)
			}
			got, st := readAll(t, p16, workers)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s, workers %d: events differ from UTF-8's (-want +got):\n%s", enc.name, workers, diff)
			}
			// The bytes read are the file's, not counting the mark each
			// run after the first is decoded behind.
			if fi, err := os.Stat(p16); err != nil || st.Bytes != fi.Size() {
				t.Errorf("%s, workers %d: %d bytes read of a file of %d", enc.name, workers, st.Bytes, fi.Size())
			}
			st.Files[0].Path, st.Bytes, wantSt.Bytes = path, 0, 0
			for i := range st.Samples {
				st.Samples[i].File = path
			}
			if diff := cmp.Diff(wantSt, st); diff != "" {
				t.Errorf("%s, workers %d: stats differ from UTF-8's (-want +got):\n%s", enc.name, workers, diff)
			}
			if notes := strings.Join(st.Files[0].Notes, "\n"); !strings.Contains(notes, "read as 3 runs") {
				t.Errorf("%s, workers %d: notes %q, want the runs merged", enc.name, workers, notes)
			}
		}
	}
}

// utf16Units encodes text as UTF-16LE without a byte order mark.
func utf16Units(text string) []byte {
	return textenctest.UTF16(text, binary.LittleEndian, false)
}

// Damaged UTF-16 (a lone surrogate, a last half character) stops the read
// with the byte it is at: the rows before it are read and the file is
// counted as not read to its end. UTF-16 without its byte order mark is
// refused, saying so.
func TestDamagedUTF16IsAGap(t *testing.T) {
	t.Parallel()
	text := bigExport(50)
	cut := strings.Index(text, "<m30@")
	head := textenctest.UTF16(text[:cut], binary.LittleEndian, true)
	lone := binary.LittleEndian.AppendUint16(bytes.Clone(head), 0xD800)
	lone = append(lone, utf16Units(text[cut:])...)
	odd := append(textenctest.UTF16(text, binary.LittleEndian, true), 'x')
	several, _ := severalServersExport(t)
	sdata, err := os.ReadFile(several)
	if err != nil {
		t.Fatal(err)
	}
	sdata = bytes.TrimPrefix(sdata, []byte("\ufeff"))
	scut := bytes.LastIndex(sdata, []byte("MBX3"))
	s16 := textenctest.UTF16(string(sdata[:scut]), binary.LittleEndian, true)
	sAt := len(s16)
	s16 = append(binary.LittleEndian.AppendUint16(s16, 0xDC00), utf16Units(string(sdata[scut:]))...)
	tests := []struct {
		name      string
		data      []byte
		wantErr   string
		minEvents int64
		maxEvents int64
		gzip      bool
	}{
		{"lone high surrogate", lone, fmt.Sprintf("invalid UTF-16 at byte %d: a high surrogate (0xd800)", len(head)), 30, 30, false},
		{"lone surrogate, gzip", lone, fmt.Sprintf("invalid UTF-16 at byte %d: a high surrogate (0xd800)", len(head)), 30, 30, true},
		{"odd byte count", odd, fmt.Sprintf("invalid UTF-16 at byte %d: the file ends in the middle of a character", len(odd)-1), 50, 50, false},
		{"several servers, lone low surrogate", s16, fmt.Sprintf("invalid UTF-16 at byte %d: a low surrogate (0xdc00)", sAt), 80, 119, false},
		{"no byte order mark", utf16Units(text), "UTF-16 without a byte order mark", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "export.csv")
			data := tc.data
			if tc.gzip {
				path, data = path+".gz", gzipped(data)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{1, 4} {
				got, st := readAll(t, path, workers)
				f := st.Files[0]
				if st.Failed != 1 || !strings.Contains(f.Err, tc.wantErr) {
					t.Errorf("workers %d: failed %d, error %q, want one file failed with %q", workers, st.Failed, f.Err, tc.wantErr)
				}
				if n := int64(len(got)); n < tc.minEvents || n > tc.maxEvents {
					t.Errorf("workers %d: %d events, want %d to %d", workers, n, tc.minEvents, tc.maxEvents)
				}
			}
		})
	}
}

// The servers named in a UTF-16 export of two servers, one after the
// other, are found as in its UTF-8 twin: the second from its run's rows
// (but when compressed).
func TestServersOfUTF16Export(t *testing.T) {
	t.Parallel()
	one := bigExport(100)
	_, rows, _ := strings.Cut(strings.SplitAfterN(one, "\n", 2)[1], "\n") // past #TYPE and the header
	text := one + strings.ReplaceAll(rows, "EXCH01", "EXCH02")
	dir := t.TempDir()
	for _, enc := range encodings {
		path := filepath.Join(dir, strings.ReplaceAll(enc.name, " ", "-")+".csv")
		if err := os.WriteFile(path, enc.encode(text), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := tracking.Servers(context.Background(), []string{path})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"exch01", "exch02"}
		if strings.HasSuffix(enc.name, "gzip") {
			// As from any compressed export: its runs are not read
			// apart, and the first's rows name only its server.
			want = want[:1]
		}
		if !cmp.Equal(got, want) {
			t.Errorf("%s: servers %v, want %v", enc.name, got, want)
		}
	}
}
