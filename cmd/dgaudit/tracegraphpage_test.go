package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/graph/graphtest"
)

// A Graph message-trace answer saved to a file (Graph Explorer,
// Invoke-MgGraphRequest -OutputFilePath, curl) and given as PATH is read
// offline: the seed 001 loop saved as one page, or as three pages one
// after another, is reported exactly as the live API reports the same
// rows. A file whose last page says more follow is incomplete (exit 4),
// and one that is not JSON pages to its end names the file and the byte
// offset at fault.
func TestTraceSavedGraphPage(t *testing.T) {
	start := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)
	rows := graphRows(seed001Trace(start, "closures@corp.example", 6))
	srv, flags := traceEmulator(t, rows)
	dir := t.TempDir()
	liveOut := filepath.Join(dir, "live.json")
	liveCode, _, liveErr := dgaudit(t, append([]string{"trace", "--since", "24h", "-o", liveOut}, flags...)...)
	if liveCode != exitFindings || !strings.Contains(liveErr, "CRITICAL closures@corp.example") {
		t.Fatalf("live: exit %d, want a loop (exit %d)\n%s", liveCode, exitFindings, liveErr)
	}

	next := func(skip string) string {
		return srv.GraphURL + "/admin/exchange/tracing/messageTraces?$skiptoken=" + skip
	}
	write := func(name string, data ...[]byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, bytes.Join(data, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Told from a log or a CSV export by its content, whatever its name.
	one := write("page.json", graphtest.TracePage(srv.GraphURL, rows, ""))
	three := write("pages.txt", graphtest.TracePage(srv.GraphURL, rows[:8], next("8")), []byte("\n"),
		graphtest.TracePage(srv.GraphURL, rows[8:16], next("16")), []byte("\n"), graphtest.TracePage(srv.GraphURL, rows[16:], ""))
	for _, path := range []string{one, three} {
		out := filepath.Join(dir, filepath.Base(path)+".report.json")
		code, _, stderr := dgaudit(t, "trace", path, "-o", out)
		if code != liveCode {
			t.Errorf("%s: exit %d, want the live API's %d\n%s", path, code, liveCode, stderr)
			continue
		}
		if diff := cmp.Diff(trafficOf(t, liveOut), trafficOf(t, out)); diff != "" {
			t.Errorf("%s: traffic (-live +saved):\n%s", path, diff)
		}
	}

	first := write("first.json", graphtest.TracePage(srv.GraphURL, rows[:8], next("8")))
	out := filepath.Join(dir, "first.report.json")
	code, _, stderr := dgaudit(t, "trace", first, "-o", out)
	if code != exitGaps || !strings.Contains(stderr, "exit 4: some tracking files lack the Graph message-trace pages that follow") ||
		!strings.Contains(stderr, "@odata.nextLink") || !strings.Contains(stderr, "--m365") {
		t.Errorf("a page with a nextLink: exit %d, want %d naming the pages that follow\n%s", code, exitGaps, stderr)
	}
	var doc struct {
		Complete *bool
		Coverage struct {
			Gaps []struct{ What, Object, Reason string }
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Complete == nil || *doc.Complete || len(doc.Coverage.Gaps) != 1 || doc.Coverage.Gaps[0].Object != first ||
		!strings.Contains(doc.Coverage.Gaps[0].Reason, "@odata.nextLink") {
		t.Errorf("complete %v, gaps %+v", doc.Complete, doc.Coverage.Gaps)
	}

	// As with a CSV export cut short, the rows before the fault stand and
	// the run is incomplete; with no row before it, nothing was read.
	page := graphtest.TracePage(srv.GraphURL, rows, "")
	for _, tc := range []struct {
		name, text string
		code       int
	}{
		{"cut short", string(page[:len(page)/2]), exitGaps},
		{"broken at the start", `{"value": [}` + string(page), exitRuntime},
	} {
		path := write(strings.ReplaceAll(tc.name, " ", "-")+".json", []byte(tc.text))
		code, _, stderr = dgaudit(t, "trace", path)
		if want := "not read to its end: " + path + ": saved Graph message-trace page: byte offset "; code != tc.code || !strings.Contains(stderr, want) || strings.Contains(stderr, "panic") {
			t.Errorf("a page %s: exit %d, want %d and %q\n%s", tc.name, code, tc.code, want, stderr)
		}
	}
	if code, _, stderr := dgaudit(t, "trace", filepath.Join(dir, "broken-at-the-start.json")); !strings.Contains(stderr, "byte offset 11: invalid character '}'") {
		t.Errorf("exit %d, the offset of the fault not named:\n%s", code, stderr)
	}
}
