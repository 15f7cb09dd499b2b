package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// serversExport is what Get-TransportService | Get-MessageTrackingLog |
// Export-Csv writes for serverFolders' two servers: the mailbox server's
// rows, then the edge's, which go back in time by more than a minute.
func serversExport(t *testing.T) string {
	t.Helper()
	_, hub, edge := serverFolders(t)
	var evs []tracking.Event
	for _, dir := range []string{hub, edge} {
		logs, err := tracking.Expand([]string{dir})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tracking.Read(context.Background(), logs, tracking.Options{Workers: 1}, func(e *tracking.Event) error {
			evs = append(evs, e.Clone())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := trackingtest.WriteTrackingCSV(&b, evs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// An export saved as UTF-16 (Windows PowerShell's > and Out-File, or
// Export-Csv -Encoding Unicode) gives the evidence its UTF-8 twin gives, its
// two servers' runs merged by time, where it was refused with exit 3; a
// damaged one is read up to the damage, a gap named by its byte (exit 4).
func TestTraceReadsUTF16Exports(t *testing.T) {
	t.Parallel()
	text := serversExport(t)
	dir := t.TempDir()
	le := utf16Text(text, binary.LittleEndian)
	files := map[string][]byte{
		"utf8.csv":       []byte(text),
		"utf16le.csv":    le,
		"utf16be.csv":    utf16Text(text, binary.BigEndian),
		"utf16le.csv.gz": gzipBytes(t, le),
		"damaged.csv":    le[:len(le)-1],
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const want = "backscatter: HIGH 12 delivery reports to external addresses for unknown recipients (at most 12 in one hour), source mx.spammer.example,"
	traffic := func(name string) (int, string, map[string]any) {
		out := filepath.Join(t.TempDir(), "r.json")
		code, _, stderr := dgaudit(t, "trace", filepath.Join(dir, name), "--internal-domain", "corp.example", "-o", out, "--log-level", "error")
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("%s: exit %d, no report: %v\n%s", name, code, err, stderr)
		}
		var doc struct{ Traffic map[string]any }
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		// The evidence, not what was read: the files' bytes and notes
		// (a compressed export's differ) are in input.
		delete(doc.Traffic, "input")
		return code, stderr, doc.Traffic
	}
	code8, stderr8, traffic8 := traffic("utf8.csv")
	if !strings.Contains(stderr8, want) {
		t.Fatalf("UTF-8: stderr lacks %q:\n%s", want, stderr8)
	}
	for _, name := range []string{"utf16le.csv", "utf16be.csv", "utf16le.csv.gz"} {
		code, stderr, got := traffic(name)
		if code != code8 || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d (UTF-8 %d), stderr lacks %q:\n%s", name, code, code8, want, stderr)
		}
		if d := cmp.Diff(traffic8, got); d != "" {
			t.Errorf("%s: traffic differs from the UTF-8 twin's (-UTF-8 +UTF-16):\n%s", name, d)
		}
	}
	code, stderr, _ := traffic("damaged.csv")
	wantGap := "damaged.csv: line "
	wantAt := "invalid UTF-16 at byte " + strconv.Itoa(len(le)-2) + ": the file ends in the middle of a character"
	if code != exitGaps || !strings.Contains(stderr, wantGap) || !strings.Contains(stderr, wantAt) {
		t.Errorf("damaged: exit %d, want %d naming the file and %q:\n%s", code, exitGaps, wantAt, stderr)
	}
}

// gzipBytes returns data gzip-compressed.
func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// utf16Text is text as UTF-16 after its byte order mark, as Export-Csv
// -Encoding Unicode (LittleEndian) or BigEndianUnicode writes it.
func utf16Text(text string, order binary.AppendByteOrder) []byte {
	b := order.AppendUint16(nil, 0xFEFF)
	for _, u := range utf16.Encode([]rune(text)) {
		b = order.AppendUint16(b, u)
	}
	return b
}
