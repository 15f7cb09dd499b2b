package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/demo"
	"dgaudit/directory/exchange/exotest"
)

// reportVerdicts reads a JSON report: per group ID, its mail, score, risk
// and findings; and the organization's findings.
func reportVerdicts(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Organization struct {
			Findings []struct{ Rule, Severity string }
		}
		Groups []struct {
			ID, Mail, Risk string
			Score          int
			Incomplete     bool
			Findings       []struct{ Rule, Severity string }
		}
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, g := range rep.Groups {
		var fs []string
		for _, f := range g.Findings {
			fs = append(fs, f.Rule+"/"+f.Severity)
		}
		slices.Sort(fs)
		out[g.ID] = fmt.Sprintf("%s %d %s incomplete=%v %s", g.Mail, g.Score, g.Risk, g.Incomplete, strings.Join(fs, ","))
	}
	for _, f := range rep.Organization.Findings {
		out["org:"+f.Rule] = f.Severity
	}
	return out
}

// TestExchangeExportMatchesDemo: the demo organization exported the way
// Export-DgauditData.ps1 writes it, on premises and from Exchange Online,
// as JSON and as CSV, gives the same groups, findings and exit code as
// the demo itself.
func TestExchangeExportMatchesDemo(t *testing.T) {
	t.Parallel()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	demoReport := filepath.Join(out, "demo.json")
	wantCode, _, stderr := dgaudit(t, "scan", "--demo", "-o", demoReport)
	if wantCode != exitGaps {
		t.Fatalf("demo scan: exit %d, want %d (its unresolved members)\n%s", wantCode, exitGaps, stderr)
	}
	want := reportVerdicts(t, demoReport)
	if len(want) < 40 {
		t.Fatalf("demo report has only %d entries", len(want))
	}
	// An on-premises export carries the recipient filter configuration and
	// the receive connectors, so its report must be the demo's exactly.
	// Exchange Online has neither, and an unread setting is never judged:
	// there those organization findings are the demo's alone.
	wantOnline := maps.Clone(want)
	for _, rule := range []string{"recipient-validation-off", "receive-connector-open-relay"} {
		if _, ok := want["org:"+rule]; !ok {
			t.Fatalf("demo report lacks %s", rule)
		}
		delete(wantOnline, "org:"+rule)
	}
	for _, online := range []bool{false, true} {
		for _, f := range []exotest.Format{exotest.JSON, exotest.CSV} {
			t.Run(fmt.Sprintf("online=%v/%s", online, f), func(t *testing.T) {
				t.Parallel()
				want := want
				if online {
					want = wantOnline
				}
				dir := t.TempDir()
				if err := exotest.Shape(snap, online).WriteExport(dir, f); err != nil {
					t.Fatal(err)
				}
				report := filepath.Join(t.TempDir(), "exo.json")
				code, _, stderr := dgaudit(t, "scan", "--exchange-export", dir, "-o", report)
				if code != wantCode {
					t.Fatalf("exit %d, want %d\n%s", code, wantCode, stderr)
				}
				if d := cmp.Diff(want, reportVerdicts(t, report)); d != "" {
					t.Errorf("report differs from the demo's (-demo +export):\n%s", d)
				}
				// audit reads the export directly too.
				report3 := filepath.Join(t.TempDir(), "direct.json")
				if code, _, stderr := dgaudit(t, "audit", "--exchange-export", dir, "-o", report3); code != wantCode {
					t.Fatalf("audit --exchange-export: exit %d\n%s", code, stderr)
				}
				if d := cmp.Diff(want, reportVerdicts(t, report3)); d != "" {
					t.Errorf("audit --exchange-export differs from the demo's:\n%s", d)
				}
				// collect then audit gives the same.
				snapPath := filepath.Join(t.TempDir(), "snap.json")
				if code, _, stderr := dgaudit(t, "collect", "--exchange-export", dir, "-o", snapPath); code != exitGaps && code != exitOK {
					t.Fatalf("collect: exit %d\n%s", code, stderr)
				}
				report2 := filepath.Join(t.TempDir(), "audit.json")
				if code, _, stderr := dgaudit(t, "audit", "--snapshot", snapPath, "-o", report2); code != wantCode {
					t.Fatalf("audit: exit %d\n%s", code, stderr)
				}
				if d := cmp.Diff(want, reportVerdicts(t, report2)); d != "" {
					t.Errorf("collect+audit differs from the demo's:\n%s", d)
				}
			})
		}
	}
}

func TestExchangeExportErrors(t *testing.T) {
	t.Parallel()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := exotest.Shape(snap, false).WriteExport(dir, exotest.JSON); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "Recipient.json"))
	out := filepath.Join(t.TempDir(), "r.json")
	tests := []struct {
		name   string
		args   []string
		code   int
		substr string
	}{
		{"missing required file", []string{"scan", "--exchange-export", dir, "-o", out}, exitRuntime, "Recipient.json or Recipient.csv is missing"},
		{"not a directory", []string{"scan", "--exchange-export", filepath.Join(dir, "Manifest.json"), "-o", out}, exitRuntime, "not a directory"},
		{"no such directory", []string{"scan", "--exchange-export", filepath.Join(dir, "nope"), "-o", out}, exitRuntime, "--exchange-export"},
		{"two sources", []string{"scan", "--exchange-export", dir, "--demo"}, exitUsage, "choose one source"},
	}
	for _, tt := range tests {
		code, _, stderr := dgaudit(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.substr) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tt.name, code, stderr, tt.code, tt.substr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a report was written for a failed read")
	}
}
