package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// logEvents reads the events of a log a test wrote.
func logEvents(t *testing.T, log string) []tracking.Event {
	t.Helper()
	var evs []tracking.Event
	if _, err := tracking.Read(context.Background(), []string{log}, tracking.Options{Workers: 1}, func(e *tracking.Event) error {
		evs = append(evs, e.Clone())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return evs
}

// trackingExport is Get-MessageTrackingLog | Export-Csv of evs.
func trackingExport(t *testing.T, evs []tracking.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := trackingtest.WriteTrackingCSV(&b, evs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// loopExport exports loopLog's rounds from to to-1 (four rows a round) of
// rounds.
func loopExport(t *testing.T, rounds, from, to int) []byte {
	t.Helper()
	evs := logEvents(t, loopLog(t, t.TempDir(), "closures@corp.example", rounds))
	return trackingExport(t, evs[4*from:4*to])
}

// bounceExport exports bounceLog's bounces from to to-1 of n (three rows
// a bounce, after a delivery), one a minute from a single host.
func bounceExport(t *testing.T, n, from, to int) []byte {
	t.Helper()
	dir := t.TempDir()
	bounceLog(t, dir, n, time.Minute, func(int) string { return "mx.partner.example" })
	evs := logEvents(t, filepath.Join(dir, "MSGTRK20260305-1.LOG"))
	return trackingExport(t, append(evs[:1:1], evs[1+3*from:1+3*to]...))
}

// loopTraceExport is Get-MessageTraceV2 | Export-Csv of seed001Trace's
// rounds from to to-1 (three rows a round), newest first.
func loopTraceExport(t *testing.T, rounds, from, to int) []byte {
	t.Helper()
	rows := seed001Trace(time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC), "closures@corp.example", rounds)[3*from : 3*to]
	rows = slices.Clone(rows)
	slices.Reverse(rows)
	var b bytes.Buffer
	if err := trackingtest.WriteTraceCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Two overlapping exports give the evidence, exit code and report that
// one export of the period they cover together gives: a row in both is
// counted once, and the summary says how many were. Counted twice, the
// overlap's bounces crossed the backscatter threshold, and a loop's
// rounds were more.
func TestTraceOverlappingExportsCountOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		whole, a, b func(t *testing.T) []byte
		dups        int
	}{
		// 8 reports in an hour are under the threshold; the 4 in both
		// exports counted twice made 12, and a finding.
		{"tracking exports of bounces",
			func(t *testing.T) []byte { return bounceExport(t, 8, 0, 8) },
			func(t *testing.T) []byte { return bounceExport(t, 8, 0, 6) },
			func(t *testing.T) []byte { return bounceExport(t, 8, 2, 8) },
			1 + 4*3},
		{"tracking exports of a loop",
			func(t *testing.T) []byte { return loopExport(t, 5, 0, 6) },
			func(t *testing.T) []byte { return loopExport(t, 5, 0, 4) },
			func(t *testing.T) []byte { return loopExport(t, 5, 2, 6) },
			2 * 4},
		{"message traces of a loop",
			func(t *testing.T) []byte { return loopTraceExport(t, 6, 0, 7) },
			func(t *testing.T) []byte { return loopTraceExport(t, 6, 0, 4) },
			func(t *testing.T) []byte { return loopTraceExport(t, 6, 2, 7) },
			2 * 3},
	}
	readLine := regexp.MustCompile(`(?m)^dgaudit: read .*$`)
	reportLine := regexp.MustCompile(`(?m)^report: .*$`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := func(files map[string][]byte) (int, string, map[string]json.RawMessage) {
				dir := t.TempDir()
				for name, data := range files {
					if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				out := filepath.Join(t.TempDir(), "t.json")
				code, _, stderr := dgaudit(t, "trace", dir, "--internal-domain", "corp.example", "-o", out, "--log-level", "error")
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatalf("no report: %v\n%s", err, stderr)
				}
				var doc struct{ Traffic map[string]json.RawMessage }
				if err := json.Unmarshal(data, &doc); err != nil {
					t.Fatal(err)
				}
				return code, stderr, doc.Traffic
			}
			wantCode, wantErr, wantDoc := run(map[string][]byte{"export.csv": tc.whole(t)})
			code, stderr, doc := run(map[string][]byte{"export-1.csv": tc.a(t), "export-2.csv": tc.b(t)})
			if code != wantCode {
				t.Errorf("exit %d, want %d as for one export:\n%s\none export:\n%s", code, wantCode, stderr, wantErr)
			}
			want := fmt.Sprintf(", %d rows found in more than one export counted once)", tc.dups)
			if line := readLine.FindString(stderr); !strings.Contains(line, want) {
				t.Errorf("read line %q lacks %q", line, want)
			}
			if strings.Contains(wantErr, "more than one export") {
				t.Errorf("one export's summary speaks of duplicates:\n%s", wantErr)
			}
			// The summary's evidence is one export's, but for the files read.
			evidence := func(s string) string { return reportLine.ReplaceAllString(readLine.ReplaceAllString(s, ""), "") }
			if d := cmp.Diff(evidence(wantErr), evidence(stderr)); d != "" {
				t.Errorf("summary (-one export +two):\n%s", d)
			}
			var input struct {
				Events, Duplicates int64
				Files              []struct{ Duplicates int64 }
			}
			if err := json.Unmarshal(doc["input"], &input); err != nil {
				t.Fatal(err)
			}
			if input.Duplicates != int64(tc.dups) || len(input.Files) != 2 || input.Files[0].Duplicates+input.Files[1].Duplicates != int64(tc.dups) {
				t.Errorf("report's input: %s", doc["input"])
			}
			for k := range wantDoc {
				if k == "input" {
					continue
				}
				if d := cmp.Diff(string(wantDoc[k]), string(doc[k])); d != "" {
					t.Logf("one export:\n%s", wantErr)
					t.Errorf("report's %s (-one export +two):\n%s", k, d)
				}
			}
		})
	}
}
