package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
	"dgaudit/directory/graph/graphtest"
)

// TestTraceReadsConfigFile: trace takes its directory source, internal
// domains, exit threshold, outputs and strictness from -c or DGAUDIT_CONFIG,
// with the precedence scan has. The log is clean but for mail from
// news@external.example arriving from outside: a spoofed internal sender
// (high) once external.example is internal, nothing otherwise.
func TestTraceReadsConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	loopLog(t, logs, "closures@corp.example", 1)
	broken := filepath.Join(dir, "broken")
	if err := os.Mkdir(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	loopLog(t, broken, "closures@corp.example", 1)
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, broken, "MSGTRK2.LOG.gz", "\x1f\x8b\x08\x00\x00\x00")
	// The snapshot makes external.example one of the organization's domains.
	writeSnapshotAt(t, filepath.Join(dir, "corp.snapshot.json"), dt.New().Mailbox("o").Edit(func(s *directory.Snapshot) {
		s.Org.AcceptedDomains = append(s.Org.AcceptedDomains, directory.AcceptedDomain{Domain: "external.example", Type: directory.Authoritative})
	}).Snapshot())
	writeSnapshotAt(t, filepath.Join(dir, "plain.snapshot.json"), dt.New().Mailbox("o").Snapshot())
	const spoofed = "spoofed internal sender: HIGH news@external.example"
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
		want int
		// stderr must contain all of these and none of absent.
		stderr, absent []string
		// written is a file the run must write, relative to dir.
		written string
	}{
		{"no config", "", nil, nil, exitOK, []string{"inferred from the logs"}, []string{spoofed}, ""},
		{"internal domains", "internal-domains: [external.example]\n", nil, nil, exitFindings, []string{spoofed, "exit 1: evidence at or above high"}, nil, ""},
		{"snapshot", "source:\n  snapshot: corp.snapshot.json\n", nil, nil, exitFindings, []string{spoofed}, []string{"inferred from the logs"}, ""},
		{"snapshot flag replaces the file's source", "source:\n  snapshot: corp.snapshot.json\n", nil, []string{"--snapshot", filepath.Join(dir, "plain.snapshot.json")}, exitOK, nil, []string{spoofed, "inferred from the logs"}, ""},
		{"fail-on", "internal-domains: [external.example]\nfail-on: critical\n", nil, nil, exitOK, []string{spoofed, "exit 0: nothing at or above critical"}, nil, ""},
		{"fail-on flag over the file", "internal-domains: [external.example]\nfail-on: critical\n", nil, []string{"--fail-on", "medium"}, exitFindings, []string{spoofed}, nil, ""},
		{"environment over the file", "internal-domains: [external.example]\n", map[string]string{"DGAUDIT_INTERNAL_DOMAIN": "elsewhere.example"}, nil, exitOK, nil, []string{spoofed}, ""},
		// The file's outputs are the nightly scan's reports: a trace with
		// the same file must not overwrite them.
		{"the file's outputs are not trace's", "outputs: [out/scan.json]\n", map[string]string{"DGAUDIT_OUTPUT": filepath.Join(dir, "out", "env.json")}, nil, exitOK,
			[]string{"config keys that do not apply to this command are not used", `keys=outputs`}, []string{"scan.json", "env.json"}, ""},
		{"-o is trace's output", "outputs: [out/never.json]\n", nil, []string{"-o", filepath.Join(dir, "flag.json")}, exitOK, nil, []string{"never.json"}, "flag.json"},
		{"strict", "strict: true\n", nil, []string{broken}, exitRuntime, []string{"--strict: 1 tracking files could not be read"}, nil, ""},
		{"keys trace has no use for are named", "fail-on-new: critical\nbaseline: prev.json\nrules:\n  disabled: [no-owner]\n  thresholds: {max-samples: 3}\n", nil, nil, exitOK,
			[]string{"config keys that do not apply to this command are not used", "command=trace", `keys="fail-on-new, baseline, rules.disabled, rules.thresholds"`}, nil, ""},
		{"unknown key", "internal-domain: [external.example]\n", nil, nil, exitUsage, []string{"CFG:1: internal-domain: unknown key"}, nil, ""},
		{"bad value", "\nfail-on: sometimes\n", nil, nil, exitUsage, []string{"CFG:2: fail-on"}, nil, ""},
		{"ldap source", "fail-on: high\nsource:\n  ldap:\n    urls: [ldaps://dc1.corp.example]\n", map[string]string{passwordEnv: "x"}, nil, exitUsage,
			[]string{"CFG:4: source.ldap: this command reads offline sources only", "give --snapshot"}, nil, ""},
		{"ldap source, snapshot flag", "internal-domains: [external.example]\nsource:\n  ldap:\n    urls: [ldaps://dc1.corp.example]\n", map[string]string{passwordEnv: "x"},
			[]string{"--snapshot", filepath.Join(dir, "plain.snapshot.json")}, exitFindings, []string{spoofed}, nil, ""},
		{"m365 source without --m365", "source:\n  m365:\n    tenant: contoso.onmicrosoft.com\n    client-id: 00000000-0000-0000-0000-000000000001\n", map[string]string{envClientSecret: "x"}, nil, exitUsage,
			[]string{"CFG:3: source.m365: this command reads offline sources only"}, nil, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"trace", logs}
			if tc.file != "" {
				cfg := writeFile(t, dir, "trace"+strings.Repeat("x", i)+".yaml", tc.file)
				args = []string{"trace", "-c", cfg, logs}
				for j, s := range tc.stderr {
					tc.stderr[j] = strings.ReplaceAll(s, "CFG", cfg)
				}
			}
			if len(tc.args) > 0 && !strings.HasPrefix(tc.args[0], "-") {
				args[len(args)-1] = tc.args[0] // another log folder
			} else {
				args = append(args, tc.args...)
			}
			code, _, stderr := dgauditEnv(t, tc.env, args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, stderr)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(stderr, s) {
					t.Errorf("stderr has %q:\n%s", s, stderr)
				}
			}
			if tc.written != "" {
				if _, err := os.Stat(filepath.Join(dir, tc.written)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestTraceConfigFromEnvironment: DGAUDIT_CONFIG names the file when -c is
// not given.
func TestTraceConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loopLog(t, dir, "closures@corp.example", 1)
	cfg := writeFile(t, dir, "dgaudit.yaml", "internal-domains: [external.example]\n")
	code, _, stderr := dgauditEnv(t, map[string]string{configEnv: cfg}, "trace", dir)
	if code != exitFindings || !strings.Contains(stderr, "spoofed internal sender: HIGH news@external.example") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// TestTraceM365SignInFromConfigFile: with --m365 on the command line, the
// file's m365 section signs in, and its directory source still applies: the
// --m365 of trace chooses the message trace, not the directory.
func TestTraceM365SignInFromConfigFile(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)
	srv := graphtest.New(demoSnapshotForTrace(t), graphtest.Options{MaxTracePageSize: 4})
	t.Cleanup(srv.Close)
	srv.SetMessageTraces(graphRows(seed001Trace(start, "closures@corp.example", 6)))
	dir := t.TempDir()
	ca, err := srv.WriteCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeSnapshotAt(t, filepath.Join(dir, "corp.snapshot.json"), dt.New().Mailbox("o").Snapshot())
	o := srv.Options()
	cfg := writeFile(t, dir, "m365.yaml", "source:\n  m365:\n    tenant: "+o.TenantID+"\n    client-id: "+o.ClientID+
		"\n    client-secret-env: TRACE_SECRET\n    graph-url: "+srv.GraphURL+"\n    authority-host: "+srv.URL+"\n    ca-file: "+ca+"\n")
	env := map[string]string{"TRACE_SECRET": o.ClientSecret}
	code, _, stderr := dgauditEnv(t, env, "trace", "-c", cfg, "--m365", "--since", "24h")
	if code != exitFindings || !strings.Contains(stderr, "closures@corp.example") || !strings.Contains(stderr, "message-trace windows from Microsoft Graph") {
		t.Fatalf("exit %d, want the loop read through Graph\n%s", code, stderr)
	}
	// A directory source in the environment is used beside the file's
	// sign-in: --m365 does not replace it.
	env["DGAUDIT_SNAPSHOT"] = filepath.Join(dir, "corp.snapshot.json")
	code, _, stderr = dgauditEnv(t, env, "trace", "-c", cfg, "--m365", "--since", "24h")
	if code != exitFindings || strings.Contains(stderr, "inferred from the logs") {
		t.Errorf("exit %d, want the snapshot's groups\n%s", code, stderr)
	}
}
