package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/rules.md")

// dgaudit runs the CLI in-process.
func dgaudit(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeSnapshot saves a builder snapshot to a temp file.
func writeSnapshot(t *testing.T, s *directory.Snapshot) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snap.json")
	writeSnapshotAt(t, path, s)
	return path
}

func cleanSnapshot() *directory.Snapshot {
	return dt.New().Mailbox("o", "p").
		Group("Clean", []string{"o", "p"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).
		Edit(func(s *directory.Snapshot) { s.Org.RemoteDomains[0].AllowedOOFType = directory.OOFNone }).
		Snapshot()
}

func loopSnapshot() *directory.Snapshot {
	return dt.New().Mailbox("o").Contact("x", "x@partner.example").
		Group("Loop", []string{"x", "o"}, dt.ReportsToOriginator, dt.Owner("o")).
		Snapshot()
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	clean := writeSnapshot(t, cleanSnapshot())
	loop := writeSnapshot(t, loopSnapshot())
	gappy := writeSnapshot(t, dt.New().Mailbox("o").Group("G", []string{"o"}, dt.Closed, dt.Owner("o")).
		Edit(func(s *directory.Snapshot) { s.Coverage.AddGap("group-members", "CN=Big", "server busy") }).Snapshot())
	malformed := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(malformed, []byte("{\n\"schemaVersion\": 1,\n\"groups\": [\n"), 0o644)
	dir := t.TempDir()

	tests := []struct {
		name      string
		args      []string
		want      int
		errSubstr string
	}{
		{"clean snapshot", []string{"audit", "--snapshot", clean}, exitOK, "exit 0"},
		{"critical finding fails at default high", []string{"audit", "--snapshot", loop}, exitFindings, "exit 1: findings at or above high"},
		{"fail-on none", []string{"audit", "--snapshot", loop, "--fail-on", "none"}, exitOK, ""},
		{"severity override below fail-on", []string{"audit", "--snapshot", loop, "--severity", "ndr-loop-risk=low", "--severity", "oof-storm-risk=low", "--severity", "open-to-external-senders=low", "--severity", "external-member-is-list=low"}, exitOK, ""},
		{"disabled rules", []string{"scan", "--snapshot", loop, "--disable-rule", "ndr-loop-risk"}, exitOK, ""},
		{"gaps beat findings", []string{"audit", "--snapshot", gappy}, exitGaps, "exit 4"},
		{"strict turns gaps into failure", []string{"audit", "--snapshot", gappy, "--strict", "-o", filepath.Join(dir, "strict.json")}, exitRuntime, "--strict: 1 things could not be read, first group-members CN=Big: server busy"},
		{"strict on unresolved members", []string{"scan", "--demo", "--strict", "-o", filepath.Join(dir, "strict.json")}, exitRuntime, "--strict: some groups could not be judged in full"},
		{"no source", []string{"scan"}, exitUsage, "no source"},
		{"two sources", []string{"scan", "--demo", "--snapshot", clean}, exitUsage, "choose one source"},
		{"unknown flag", []string{"scan", "--nope"}, exitUsage, "unknown flag"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"stray argument", []string{"scan", "--demo", "extra"}, exitUsage, "takes no arguments"},
		{"bad fail-on", []string{"scan", "--demo", "--fail-on", "severe"}, exitUsage, "--fail-on"},
		{"unknown rule everywhere at once", []string{"scan", "--demo", "--disable-rule", "x", "--severity", "y=high", "--severity", "ndr-loop-risk"}, exitUsage, "--disable-rule x: no such rule"},
		{"bad internal domain", []string{"scan", "--demo", "--internal-domain", "a@b"}, exitUsage, "--internal-domain"},
		{"unknown output format", []string{"scan", "--demo", "-o", filepath.Join(dir, "r.txt")}, exitUsage, "r.txt"},
		{"output directory missing", []string{"scan", "--demo", "-o", filepath.Join(dir, "nope", "r.json")}, exitUsage, "does not exist"},
		{"stdout twice", []string{"scan", "--demo", "-o", "-", "-o", "-"}, exitUsage, "more than once"},
		{"missing snapshot", []string{"audit", "--snapshot", filepath.Join(dir, "missing.json")}, exitRuntime, "missing.json"},
		{"malformed snapshot", []string{"audit", "--snapshot", malformed}, exitRuntime, "truncated"},
		{"audit takes no live source", []string{"audit", "--ldap-url", "ldaps://dc"}, exitUsage, "unknown flag"},
		{"kerberos with a bind DN", []string{"scan", "--ldap-url", "ldaps://dc", "--kerberos", "--bind-dn", "svc@corp"}, exitUsage, "drop --bind-dn"},
		{"keytab without principal", []string{"scan", "--ldap-url", "ldaps://dc", "--kerberos", "--keytab", "svc.keytab"}, exitUsage, "--principal"},
		{"keytab without kerberos", []string{"scan", "--ldap-url", "ldaps://dc", "--keytab", "svc.keytab"}, exitUsage, "only used with Kerberos (--kerberos)"},
		{"collect needs -o", []string{"collect", "--demo"}, exitUsage, "needs -o"},
		{"bad log level", []string{"--log-level", "loud", "version"}, exitUsage, "--log-level"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.want, stderr)
			}
			if !strings.Contains(stderr, tc.errSubstr) {
				t.Errorf("stderr lacks %q:\n%s", tc.errSubstr, stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left files behind: %v", entries)
	}
}

// TestNoSourceNamesOnlyAcceptedSources: the error for a missing source
// lists the sources the command takes; audit reads no live directory.
func TestNoSourceNamesOnlyAcceptedSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cmd        string
		want, lack []string
	}{
		{"audit", []string{"--demo, --snapshot FILE, --ldif FILE or --exchange-export DIR", "use scan or collect"}, []string{"--ldap-url", "--m365"}},
		{"scan", []string{"--exchange-export DIR, --ldap-url URL or --m365"}, nil},
		{"collect", []string{"--exchange-export DIR, --ldap-url URL or --m365"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, tc.cmd, "-o", filepath.Join(t.TempDir(), "q.json"))
			if code != exitUsage || !strings.Contains(stderr, "no source: give one of ") {
				t.Fatalf("exit %d, want %d and no source\n%s", code, exitUsage, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(stderr, l) {
					t.Errorf("stderr names %s, which %s does not accept:\n%s", l, tc.cmd, stderr)
				}
			}
		})
	}
}

// TestMissingPathExitCodes: a missing input (what is read as data: a
// snapshot, LDIF, Exchange export, tracking logs, reports to compare) fails
// the run (exit 3); a missing configuration file (-c, suppressions, secret
// files) is a configuration error (exit 2).
func TestMissingPathExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	empty := t.TempDir()
	out := filepath.Join(dir, "r.json")
	tests := []struct {
		name   string
		args   []string
		want   int
		substr string
	}{
		{"snapshot", []string{"audit", "--snapshot", missing, "-o", out}, exitRuntime, "read snapshot: open " + missing},
		{"ldif", []string{"audit", "--ldif", missing, "-o", out}, exitRuntime, "--ldif: stat " + missing},
		{"exchange export", []string{"scan", "--exchange-export", missing, "-o", out}, exitRuntime, "--exchange-export: stat " + missing},
		{"trace path", []string{"trace", missing, "-o", out}, exitRuntime, "tracking path " + missing},
		{"trace folder without logs", []string{"trace", empty, "-o", out}, exitRuntime, "no .log, .csv or .gz files in " + empty},
		{"scan --tracking", []string{"scan", "--demo", "--tracking", missing, "-o", out}, exitRuntime, "tracking path " + missing},
		{"diff input", []string{"diff", missing, missing}, exitRuntime, missing},
		{"config file", []string{"scan", "-c", missing, "-o", out}, exitUsage, "config: open " + missing},
		{"suppressions", []string{"scan", "--demo", "--suppressions", missing, "-o", out}, exitUsage, "--suppressions: open " + missing},
		{"password file", []string{"scan", "--ldap-url", "ldaps://dc", "--bind-dn", "svc@corp", "--password-file", missing, "-o", out}, exitUsage, "--password-file: open " + missing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, tc.args...)
			if code != tc.want || !strings.Contains(stderr, tc.substr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.want, tc.substr)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run wrote %s", out)
	}
}

func TestScanDemoWritesEveryFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	js, xl, cs := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xlsx"), filepath.Join(dir, "r.csv")
	code, stdout, stderr := dgaudit(t, "scan", "--demo", "-o", js, "-o", xl, "-o", cs)
	if code != exitGaps {
		// The demo models a dynamic group whose filter could not be run and
		// a member from an unreachable domain, so it is incomplete on purpose.
		t.Fatalf("exit %d, want %d\n%s", code, exitGaps, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout must stay empty when reports go to files, got %q", stdout)
	}
	for _, want := range []string{"critical 3", "Partner Announcements", "report: " + xl} {
		if !strings.Contains(stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
	var rep struct {
		SchemaVersion int `json:"schemaVersion"`
		Groups        []struct {
			Name string `json:"name"`
			Risk string `json:"risk"`
		} `json:"groups"`
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != 1 || len(rep.Groups) < 30 || rep.Groups[0].Risk != "critical" {
		t.Errorf("report: version %d, %d groups, first %+v", rep.SchemaVersion, len(rep.Groups), rep.Groups[0])
	}
	for _, p := range []string{xl, cs} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", p, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("expected exactly the three reports, found %d entries (temp files left?)", len(entries))
	}
}

func TestCollectThenAuditReplaysTheSameResult(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	snap := filepath.Join(dir, "demo.snapshot.json")
	if code, _, stderr := dgaudit(t, "collect", "--demo", "-o", snap); code != exitOK {
		t.Fatalf("collect exit %d\n%s", code, stderr)
	}
	_, direct, _ := dgaudit(t, "scan", "--demo", "-o", "-", "--log-level", "warn")
	_, replay, _ := dgaudit(t, "audit", "--snapshot", snap, "-o", "-", "--log-level", "warn")
	strip := func(s string) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("stdout is not JSON: %v", err)
		}
		delete(m, "auditedAt")
		delete(m, "source")
		delete(m, "coverage")
		b, _ := json.Marshal(m)
		return string(b)
	}
	if strip(direct) != strip(replay) {
		t.Error("auditing the collected snapshot gave a different report than scanning the source")
	}
}

func TestFailedWriteLeavesNoPartialFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A name of 250 bytes passes every check made before the run, but its
	// temporary file's name, longer still, is refused by the file system.
	target := filepath.Join(dir, strings.Repeat("r", 245)+".json")
	old, ok := filepath.Join(dir, "ok.json"), filepath.Join(dir, "ok.csv")
	if err := os.WriteFile(old, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, cleanSnapshot()), "-o", target, "-o", old, "-o", ok, "-o", "-")
	if code != exitRuntime || !strings.Contains(stderr, "write "+target) || !strings.Contains(stderr, "\nno report was written: every existing report file is as it was\n") {
		t.Fatalf("exit %d, want %d naming the file and saying no report was written\n%s", code, exitRuntime, stderr)
	}
	// A job taking exit 3 to mean "the reports are the previous run's" must
	// be right: the other reports are neither replaced nor created.
	if data, _ := os.ReadFile(old); string(data) != "old\n" {
		t.Errorf("ok.json was replaced: %.40q", data)
	}
	if stdout != "" {
		t.Errorf("stdout got a report: %.40q", stdout)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "ok.json" {
		t.Errorf("directory holds %v, want only the old ok.json", names)
	}
}

func TestRulesGolden(t *testing.T) {
	t.Parallel()
	code, stdout, _ := dgaudit(t, "rules")
	if code != exitOK {
		t.Fatal(code)
	}
	golden(t, filepath.Join("testdata", "rules.golden.txt"), stdout)
	code, stdout, _ = dgaudit(t, "rules", "--format", "json")
	var list []map[string]any
	if code != exitOK || json.Unmarshal([]byte(stdout), &list) != nil || len(list) < 15 {
		t.Errorf("rules --format json: exit %d, %d rules", code, len(list))
	}
	if code, _, _ := dgaudit(t, "rules", "--format", "yaml"); code != exitUsage {
		t.Errorf("rules --format yaml: exit %d, want %d", code, exitUsage)
	}
}

// TestRulesDocIsFresh fails when docs/rules.md no longer matches the rule
// definitions. Regenerate with: go test ./cmd/dgaudit -run RulesDoc -update
func TestRulesDocIsFresh(t *testing.T) {
	t.Parallel()
	_, stdout, _ := dgaudit(t, "rules", "--format", "markdown")
	golden(t, filepath.Join("..", "..", "docs", "rules.md"), stdout)
}

func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, loopSnapshot()), "--log-level", "warn")
	if code != exitFindings {
		t.Fatalf("exit %d", code)
	}
	golden(t, filepath.Join("testdata", "summary.golden.txt"), stderr)
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/dgaudit -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s is stale; run go test ./cmd/dgaudit -update and review the diff.\n--- got:\n%s", path, got)
	}
}
