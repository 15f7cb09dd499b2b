package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/xuri/excelize/v2"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// writeFile writes a test input file and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stable replaces what changes from run to run (temp paths, times) so that
// output can be compared with a golden file.
func stable(s, dir string) string {
	s = strings.ReplaceAll(s, dir, "$DIR")
	s = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?Z`).ReplaceAllString(s, "$$TIME")
	return s
}

func TestApplyLayersPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	snap := writeFile(t, dir, "corp.snapshot.json", "{}")
	file := `source:
  snapshot: corp.snapshot.json
fail-on: medium
outputs: [out.json]
internal-domains: [file.example]
rules:
  severity: {no-owner: high}
  thresholds: {blast-recipients: 5}
`
	cfg, err := parseConfig(filepath.Join(dir, "dgaudit.yaml"), []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		cfg  *fileConfig
		// want maps a flag to its final value, as pflag prints it.
		want map[string]string
	}{
		{"defaults", nil, nil, nil, map[string]string{"fail-on": "high", "snapshot": "", "output": "[]", "internal-domain": "[]"}},
		{"file over defaults", nil, nil, cfg, map[string]string{
			"fail-on": "medium", "snapshot": snap, "output": "[" + filepath.Join(dir, "out.json") + "]",
			"internal-domain": "[file.example]", "severity": "[no-owner=high]"}},
		{"env over file", nil, map[string]string{"DGAUDIT_FAIL_ON": "low", "DGAUDIT_INTERNAL_DOMAIN": "a.example, b.example"}, cfg, map[string]string{
			"fail-on": "low", "internal-domain": "[a.example,b.example]", "snapshot": snap}},
		{"flag over env and file", []string{"--fail-on", "critical", "--internal-domain", "flag.example"}, map[string]string{"DGAUDIT_FAIL_ON": "low"}, cfg, map[string]string{
			"fail-on": "critical", "internal-domain": "[flag.example]"}},
		{"source from flags ignores the file's source", []string{"--demo"}, nil, cfg, map[string]string{"demo": "true", "snapshot": ""}},
		{"source from env ignores the file's source", nil, map[string]string{"DGAUDIT_LDIF": "x.ldf"}, cfg, map[string]string{"ldif": "x.ldf", "snapshot": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var src sourceOptions
			var rep reportOptions
			cmd := &cobra.Command{Use: "scan", RunE: func(*cobra.Command, []string) error { return nil }}
			src.register(cmd, offlineSources|liveSources)
			rep.register(cmd)
			if err := cmd.ParseFlags(tc.args); err != nil {
				t.Fatal(err)
			}
			env := func(k string) string { return tc.env[k] }
			fo, err := applyLayers(cmd.Flags(), env, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for flag, want := range tc.want {
				if got := cmd.Flags().Lookup(flag).Value.String(); got != want {
					t.Errorf("--%s = %q, want %q", flag, got, want)
				}
			}
			wantBlast := 1000
			if tc.cfg != nil {
				wantBlast = 5
			}
			if fo.thresholds.BlastRecipients != wantBlast {
				t.Errorf("blast-recipients = %d, want %d", fo.thresholds.BlastRecipients, wantBlast)
			}
		})
	}
}

func TestConfigFileProblemsAllAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", `source:
  demo: true
  ldap:
    urls: [http://dc1]
    bind-dn: svc@corp.example
    password: hunter2
    page-size: lots
  m365:
    tenant: contoso.onmicrosoft.com
    cloud: mars
    client-secret: s3cret
internal-domain: [x.example]
rules:
  disabled: [no-such-rule]
  severity: {no-owner: severe}
  thresholds: {max-samples: 0}
outputs: [report.txt]
fail-on: sometimes
fail-on: high
`)
	code, _, stderr := dgaudit(t, "config", "check", bad)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s", code, exitUsage, stderr)
	}
	golden(t, filepath.Join("testdata", "config-bad.golden.txt"), stable(stderr, dir))
	// scan refuses the same file the same way, before reading any source;
	// only the missing secret is not among its reasons, since a run checks
	// the secret of the source it settles on, and this file settles none.
	code, _, stderr2 := dgaudit(t, "scan", "-c", bad)
	secret := regexp.MustCompile(`(?m)^.*source\.ldap\.password-env: no password.*\n`)
	if code != exitUsage || stderr2 != secret.ReplaceAllString(stderr, "") {
		t.Errorf("scan -c: exit %d, stderr differs from config check's without the secret:\n%s", code, stderr2)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, file, want string
		env              map[string]string
	}{
		{"inline password", "source:\n  ldap:\n    urls: [ldaps://dc1]\n    password: x\n", "source.ldap.password: secrets are never read from the config file", nil},
		{"missing secret", "source:\n  ldap:\n    urls: [ldaps://dc1]\n    bind-dn: svc@corp.example\n    password-env: CORP_PW\n", "no password for bind-dn svc@corp.example: environment variable CORP_PW is not set", nil},
		{"kerberos with a password", "source:\n  ldap:\n    urls: [ldaps://dc1]\n    kerberos: true\n    bind-dn: svc@corp.example\n", "source.ldap.kerberos: Kerberos binds with a ticket or keytab", map[string]string{"DGAUDIT_LDAP_PASSWORD": "x"}},
		{"keytab without kerberos", "source:\n  ldap:\n    urls: [ldaps://dc1]\n    keytab: svc.keytab\n", "source.ldap.keytab: only used with kerberos: true", nil},
		{"m365 bad auth", "source:\n  m365:\n    tenant: contoso.onmicrosoft.com\n    client-id: 00000000-0000-0000-0000-000000000001\n    auth: password\n", `source.m365.auth: "password": want one of secret, cert`, map[string]string{"AZURE_CLIENT_SECRET": "x"}},
		{"m365 no secret", "source:\n  m365:\n    tenant: contoso.onmicrosoft.com\n    client-id: 00000000-0000-0000-0000-000000000001\n    client-secret-env: APP_SECRET\n", "source.m365.client-secret-env: no client secret: environment variable APP_SECRET is not set", nil},
		{"syntax", "source: [demo\n", "bad.yaml", nil},
		{"empty", "", "the file is empty", nil},
		{"top level not a mapping", "- demo\n", "(top level): want a mapping of keys", nil},
		{"two sources", "source:\n  demo: true\n  ldif: x.ldf\n", "choose one source, the file sets demo and ldif", nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, dir, "bad.yaml"+strings.Repeat("x", i), tc.file)
			_, err := loadConfig(p, func(k string) string { return tc.env[k] }, true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestConfigInitIsAccepted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "dgaudit.yaml")
	if code, _, stderr := dgaudit(t, "config", "init", path); code != exitOK {
		t.Fatalf("config init: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := dgaudit(t, "config", "init", path); code != exitUsage || !strings.Contains(stderr, "--force") {
		t.Errorf("config init over an existing file: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := dgaudit(t, "config", "check", path)
	if code != exitOK || !strings.Contains(stdout, "ok (source demo") {
		t.Fatalf("config check of the starter file: exit %d\n%s%s", code, stdout, stderr)
	}
	_, printed, _ := dgaudit(t, "config", "init")
	if printed != starterConfig {
		t.Error("config init without FILE does not print the starter file")
	}
	// The starter file runs as it is: the demo organization, with gaps.
	out := filepath.Join(dir, "r.json")
	code, _, stderr = dgaudit(t, "scan", "-c", path, "-o", out, "--log-level", "warn")
	if code != exitGaps {
		t.Fatalf("scan -c starter: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

// TestConfigCommandArgumentErrors: the errors say what is wrong with the
// argument, without sending the user to a flag that would not help.
func TestConfigCommandArgumentErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		want, lack string
	}{
		{"init into a directory", []string{"config", "init", dir}, dir + ": is a directory; name a file", "--force"},
		{"init into a directory with --force", []string{"config", "init", dir, "--force"}, dir + ": is a directory; name a file", "--force"},
		{"check without a file", []string{"config", "check"}, "dgaudit config check takes the config FILE to check (such as dgaudit.yaml), got 0 arguments", "arg(s)"},
		{"check with two files", []string{"config", "check", "a.yaml", "b.yaml"}, "got 2 arguments", "arg(s)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, tc.lack) {
				t.Errorf("exit %d, stderr %q; want exit %d, %q and not %q", code, stderr, exitUsage, tc.want, tc.lack)
			}
		})
	}
}

func TestConfigDrivesScan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSnapshotAt(t, filepath.Join(dir, "loop.json"), loopSnapshot())
	cfg := writeFile(t, dir, "dgaudit.yaml", `source:
  snapshot: loop.json
outputs: [r.jsonl]
fail-on: none
rules:
  disabled: [no-owner]
`)
	code, _, stderr := dgaudit(t, "audit", "-c", cfg, "--log-level", "warn")
	if code != exitOK || !strings.Contains(stderr, "exit 0: nothing at or above none") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "r.jsonl"))
	if err != nil {
		t.Fatal("the file's output was not written relative to the file:", err)
	}
	if strings.Contains(string(data), `"rule":"no-owner"`) {
		t.Error("disabled rule still reported")
	}
	ldapCfg := writeFile(t, dir, "ldap.yaml", "source:\n  ldap:\n    urls: [ldaps://dc1.corp.example]\n")
	if code, _, stderr := dgaudit(t, "audit", "-c", ldapCfg); code != exitUsage || !strings.Contains(stderr, "offline sources only") {
		t.Errorf("audit with an LDAP config: exit %d\n%s", code, stderr)
	}
	// collect takes its source from the file too, but not the report outputs.
	snapOut := filepath.Join(dir, "copy.snapshot.json")
	if code, _, stderr := dgaudit(t, "collect", "-c", cfg, "-o", snapOut); code != exitOK {
		t.Errorf("collect -c: exit %d\n%s", code, stderr)
	} else if _, err := os.Stat(snapOut); err != nil {
		t.Error(err)
	}
	// DGAUDIT_CONFIG names the file when -c is not given; a flag still wins.
	t.Run("env", func(t *testing.T) {
		var out, errb strings.Builder
		app := &app{stdout: &out, stderr: &errb, env: func(k string) string {
			if k == configEnv {
				return cfg
			}
			return ""
		}}
		root := app.rootCmd()
		root.SetArgs([]string{"audit", "--fail-on", "critical", "--log-level", "warn"})
		code := app.exitCode(root.Execute())
		if code != exitFindings || !strings.Contains(errb.String(), "at or above critical") {
			t.Errorf("exit %d\n%s", code, errb.String())
		}
	})
}

func sheetRows(t *testing.T, path, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("%s: sheet %s: %v", path, sheet, err)
	}
	return rows
}

func writeSnapshotAt(t *testing.T, path string, s *directory.Snapshot) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.Write(f); err != nil {
		t.Fatal(err)
	}
}

// driftSnapshots are the same organization twice: the second run has a new
// open group (a new critical finding), the loop group is fixed and another
// group lost its owner.
func driftSnapshots() (before, after *directory.Snapshot) {
	before = dt.New().Mailbox("o").Contact("x", "x@partner.example").
		Group("Loop", []string{"x", "o"}, dt.ReportsToOriginator, dt.Owner("o")).
		Group("Quiet", []string{"o"}, dt.Closed, dt.Owner("o")).
		Snapshot()
	after = dt.New().Mailbox("o").Contact("x", "x@partner.example").
		Group("Loop", []string{"x", "o"}, dt.Closed, dt.Owner("o")).
		Group("Quiet", []string{"o"}, dt.Closed).
		Group("Fresh", []string{"x", "o"}, dt.ReportsToOriginator, dt.Owner("o")).
		Snapshot()
	return before, after
}

func TestBaselineAndFailOnNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	before, after := driftSnapshots()
	b, a := filepath.Join(dir, "before.json"), filepath.Join(dir, "after.json")
	writeSnapshotAt(t, b, before)
	writeSnapshotAt(t, a, after)
	prev := filepath.Join(dir, "previous.json")
	if code, _, stderr := dgaudit(t, "audit", "--snapshot", b, "-o", prev, "--fail-on", "none"); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	// Same organization, same result: nothing new, exit 0 even though a
	// critical finding is there (the backlog).
	code, _, stderr := dgaudit(t, "audit", "--snapshot", b, "--baseline", prev, "--fail-on-new", "critical", "--log-level", "warn")
	if code != exitOK || !strings.Contains(stderr, "unchanged 2") || !strings.Contains(stderr, "exit 0: nothing new or worse at or above critical (--fail-on-new)") {
		t.Errorf("unchanged run: exit %d\n%s", code, stderr)
	}
	report := filepath.Join(dir, "now.json")
	xlsx := filepath.Join(dir, "now.xlsx")
	code, _, stderr = dgaudit(t, "audit", "--snapshot", a, "--baseline", prev, "--fail-on-new", "critical", "-o", report, "-o", xlsx, "--log-level", "warn")
	if code != exitFindings {
		t.Fatalf("drifted run: exit %d, want %d\n%s", code, exitFindings, stderr)
	}
	golden(t, filepath.Join("testdata", "summary-baseline.golden.txt"), stable(stderr, dir))
	var doc struct {
		Changes struct {
			Counts map[string]int `json:"counts"`
			Groups []struct {
				Name   string `json:"name"`
				Change string `json:"change"`
			} `json:"groups"`
		} `json:"changes"`
		Groups []struct {
			Name   string `json:"name"`
			Change string `json:"change"`
		} `json:"groups"`
	}
	data, _ := os.ReadFile(report)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, g := range doc.Changes.Groups {
		got[g.Name] = g.Change
	}
	want := map[string]string{"Fresh": "new", "Loop": "improved", "Quiet": "worsened"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("changes: %s is %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if doc.Groups[0].Change == "" {
		t.Error("groups[].change missing")
	}
	if rows := sheetRows(t, xlsx, "Changes"); len(rows) != 4 || rows[1][0] != "new" || rows[1][1] != "Fresh" {
		t.Errorf("Changes sheet: %v", rows)
	}
	summary := fmt.Sprint(sheetRows(t, xlsx, "Summary"))
	if !strings.Contains(summary, "Changes since baseline new 1, worsened 1, improved 1, unchanged 0, resolved 0") {
		t.Errorf("Summary sheet lacks the changes line: %s", summary)
	}
	// Fail on new high: the Loop group is improved, so only new things count.
	if code, _, _ := dgaudit(t, "audit", "--snapshot", a, "--baseline", prev, "--fail-on-new", "high", "--severity", "ndr-loop-risk=medium"); code != exitOK {
		t.Errorf("fail-on-new high with ndr-loop-risk lowered: exit %d, want 0", code)
	}
}

func TestBaselineRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loop := writeSnapshot(t, loopSnapshot())
	newer := writeFile(t, dir, "newer.json", `{"schemaVersion": 2, "tool": "dgaudit 9.0.0", "groups": []}`)
	truncated := writeFile(t, dir, "truncated.json", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a"`)
	older := writeFile(t, dir, "older.json", `{"schemaVersion": 1, "tool": "dgaudit 0.1.0", "source": "test", "auditedAt": "2026-01-01T00:00:00Z",
	  "groups": [{"id": "Loop", "name": "Loop", "score": 98, "risk": "critical", "findings": [{"rule": "ndr-loop-risk", "severity": "critical"}]}]}`)
	tests := []struct {
		name     string
		baseline string
		want     int
		stderr   string
	}{
		{"newer schema refused", newer, exitUsage, "--baseline " + newer + ": report schema version 2 is newer than this dgaudit reads (1; written by \"dgaudit 9.0.0\"): upgrade dgaudit"},
		{"malformed refused", truncated, exitUsage, "the report is truncated"},
		{"a snapshot is not a report", loop, exitUsage, "it is a snapshot"},
		{"older report without the new fields is read", older, exitOK, "changes since the baseline (test"},
		{"missing baseline: everything new", filepath.Join(dir, "none.json"), exitFindings, "no baseline yet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, "audit", "--snapshot", loop, "--baseline", tc.baseline, "--fail-on-new", "critical")
			if code != tc.want || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, want %d with %q\n%s", code, tc.want, tc.stderr, stderr)
			}
		})
	}
}

func TestSuppressions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loop := writeSnapshot(t, loopSnapshot())
	sup := writeFile(t, dir, "suppressions.yaml", `suppressions:
  - id: Loop
    name: Loop (partner list)
    rule: "*"
    reason: partner list, reports needed; reviewed in CHG-1234
    owner: mail-team@corp.example
    expires: 2999-12-31
  - id: Loop
    rule: no-owner
    reason: old entry
    owner: bob@corp.example
    expires: 2001-01-31
  - id: Deleted-Group
    name: Old list
    rule: ndr-loop-risk
    reason: decommissioned
    owner: bob@corp.example
    expires: 2999-01-01
`)
	out := filepath.Join(dir, "r.json")
	code, _, stderr := dgaudit(t, "audit", "--snapshot", loop, "--suppressions", sup, "-o", out, "-o", filepath.Join(dir, "r.xlsx"), "--log-level", "warn")
	if code != exitOK {
		t.Fatalf("every finding suppressed, yet exit %d\n%s", code, stderr)
	}
	golden(t, filepath.Join("testdata", "summary-suppressions.golden.txt"), stable(stderr, dir))
	var doc struct {
		Summary struct {
			Suppressed int `json:"suppressed"`
		} `json:"summary"`
		Suppressions []struct {
			State   string `json:"state"`
			Expires string `json:"expires"`
		} `json:"suppressions"`
		Groups []struct {
			Score      int               `json:"score"`
			Findings   []json.RawMessage `json:"findings"`
			Suppressed []struct {
				Rule         string `json:"rule"`
				SuppressedBy struct {
					Owner   string `json:"owner"`
					Expires string `json:"expires"`
				} `json:"suppressedBy"`
			} `json:"suppressedFindings"`
		} `json:"groups"`
	}
	data, _ := os.ReadFile(out)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	g := doc.Groups[0]
	if g.Score != 0 || len(g.Findings) != 0 || len(g.Suppressed) == 0 || g.Suppressed[0].SuppressedBy.Owner != "mail-team@corp.example" {
		t.Errorf("group: score %d, %d findings, suppressed %+v", g.Score, len(g.Findings), g.Suppressed)
	}
	// The report gives the last day an entry applies, as written in the
	// file: a date a day later would extend it each time the file is
	// rebuilt from a report.
	var states, expires []string
	for _, s := range doc.Suppressions {
		states = append(states, s.State)
		expires = append(expires, s.Expires)
	}
	if got := strings.Join(expires, ","); got != "2999-12-31,2001-01-31,2999-01-01" {
		t.Errorf("suppressions' expires %s, want the dates of the file", got)
	}
	if got := g.Suppressed[0].SuppressedBy.Expires; got != "2999-12-31" {
		t.Errorf("suppressedBy.expires %s, want 2999-12-31", got)
	}
	if strings.Join(states, ",") != "active,expired,unmatched" || doc.Summary.Suppressed != len(g.Suppressed) {
		t.Errorf("states %v, summary.suppressed %d", states, doc.Summary.Suppressed)
	}

	rows := sheetRows(t, filepath.Join(dir, "r.xlsx"), "Suppressed")
	if len(rows) != 1+len(g.Suppressed)+2 || rows[1][0] != "Loop" || !strings.Contains(rows[len(rows)-1][4], "unmatched") {
		t.Errorf("Suppressed sheet: %v", rows)
	}
	if rows[1][7] != "2999-12-31" || rows[len(rows)-1][7] != "2999-01-01" {
		t.Errorf("Suppressed sheet's Expires column: %q and %q, want the dates of the file", rows[1][7], rows[len(rows)-1][7])
	}

	bad := writeFile(t, dir, "bad.yaml", `suppressions:
  - id: Loop
    rule: no-such-rule
    reason: x
    expires: 31/12/2026
    color: red
  - name: no id
`)
	code, _, stderr = dgaudit(t, "audit", "--snapshot", loop, "--suppressions", bad)
	if code != exitUsage {
		t.Fatalf("bad suppressions: exit %d\n%s", code, stderr)
	}
	golden(t, filepath.Join("testdata", "suppressions-bad.golden.txt"), stable(stderr, dir))
}

func TestJSONLThroughCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "findings.jsonl")
	if code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, loopSnapshot()), "-o", out, "--fail-on", "none"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if m["scope"] == "group" && (m["groupId"] != "Loop" || m["risk"] != "critical") {
			t.Errorf("line %d: %s", i+1, l)
		}
	}
	if len(lines) < 3 {
		t.Errorf("%d lines", len(lines))
	}
}
