package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/reports"
)

// TestTraceSkipsItsOwnReports: trace DIR -o DIR/trace.csv leaves a report
// among the logs; a later trace DIR passes it over with an info line, not a
// gap, as it does a diff's CSV. A report named on its own is still read,
// and fails as what it is.
func TestTraceSkipsItsOwnReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loopLog(t, dir, "closures@corp.example", 5)
	if code, _, stderr := dgaudit(t, "trace", dir, "-o", filepath.Join(dir, "trace.csv"), "--log-level", "error"); code != exitFindings {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	var diff bytes.Buffer
	if err := reports.WriteDiff(&diff, "csv", &audit.Drift{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "changes.csv"), diff.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	onlyReports := t.TempDir()
	if err := os.WriteFile(filepath.Join(onlyReports, "changes.csv"), diff.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "trace.csv")
	const skipped = `msg="skipped dgaudit's own report found among the tracking logs" file=`

	tests := []struct {
		name       string
		args       []string
		code       int
		want, lack []string
		files      int // in the JSON report's input; -1: none written
	}{
		{"a folder holding reports", []string{"trace", dir}, exitFindings,
			[]string{skipped + report, skipped + filepath.Join(dir, "changes.csv"), "read 1 tracking files", "exit 1"},
			[]string{"not read to its end", "exit 4"}, 1},
		{"a report named as well", []string{"trace", dir, report}, exitGaps,
			[]string{skipped + filepath.Join(dir, "changes.csv"), "not read to its end: " + report + ": line 1: not a tracking file", "exit 4"},
			[]string{skipped + report}, 2},
		// A wildcard as Windows shells pass it on, unexpanded: read as the
		// folder is.
		{"a wildcard", []string{"trace", filepath.Join(dir, "*")}, exitFindings,
			[]string{skipped + report, skipped + filepath.Join(dir, "changes.csv"), "read 1 tracking files", "exit 1"},
			[]string{"not read to its end", "exit 4"}, 1},
		{"a wildcard matching nothing", []string{"trace", filepath.Join(dir, "*.LOGS")}, exitRuntime,
			[]string{"tracking path " + filepath.Join(dir, "*.LOGS") + ": no .log, .csv or .gz file matches it"}, nil, -1},
		{"a folder of reports alone", []string{"trace", onlyReports}, exitRuntime,
			[]string{"no tracking logs in " + onlyReports + ": the only .log, .csv or .gz files are dgaudit's own reports (" + filepath.Join(onlyReports, "changes.csv") + ")"},
			nil, -1},
	}
	// scan --tracking passes them over too (without naming them: scan
	// expands its paths where it has no logger).
	t.Run("scan --tracking", func(t *testing.T) {
		t.Parallel()
		// The demo directory has gaps of its own: the exit code is 4 either way.
		_, _, stderr := dgaudit(t, "scan", "--demo", "--tracking", dir, "--fail-on", "none", "--log-level", "error")
		if strings.Contains(stderr, "not read to its end") || !strings.Contains(stderr, "read 1 tracking files") {
			t.Errorf("the reports were read as logs:\n%s", stderr)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "t.json")
			code, _, stderr := dgaudit(t, append(tc.args, "-o", out)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			for _, s := range tc.want {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			for _, s := range tc.lack {
				if strings.Contains(stderr, s) {
					t.Errorf("stderr has %q:\n%s", s, stderr)
				}
			}
			data, err := os.ReadFile(out)
			if tc.files < 0 {
				if err == nil {
					t.Error("report written")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Coverage struct{ Gaps []struct{ Object string } }
				Traffic  struct {
					Input struct{ Files []struct{ Path string } }
				}
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if n := len(doc.Traffic.Input.Files); n != tc.files {
				t.Errorf("report lists %d files read, want %d: %+v", n, tc.files, doc.Traffic.Input.Files)
			}
			for _, g := range doc.Coverage.Gaps {
				if g.Object == filepath.Join(dir, "changes.csv") || (g.Object == report && tc.files == 1) {
					t.Errorf("a skipped report is a gap: %+v", g)
				}
			}
		})
	}
}
