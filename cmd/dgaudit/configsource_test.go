package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// A source on the command line or in the environment replaces the file's,
// so the file's secrets and files are checked only when its source is the
// one used: a scheduled job's file serves an offline replay (audit
// --snapshot, trace) on a host without the job's password, CA or snapshot.
func TestConfigSecretsOnlyForTheSourceUsed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	snap := writeSnapshot(t, loopSnapshot())
	ldapFile := writeFile(t, dir, "ldap.yaml", "source:\n  ldap:\n    urls: [ldaps://dc1.corp.example]\n    bind-dn: svc@corp.example\n    password-env: NOPE_PW\n")
	m365File := writeFile(t, dir, "m365.yaml", "source:\n  m365:\n    tenant: contoso.onmicrosoft.com\n    client-id: 00000000-0000-0000-0000-000000000001\n    auth: secret\n")
	m365Default := writeFile(t, dir, "m365-default.yaml", "source:\n  m365:\n    tenant: contoso.onmicrosoft.com\n    client-id: 00000000-0000-0000-0000-000000000001\n")
	m365Named := writeFile(t, dir, "m365-named.yaml", "source:\n  m365:\n    tenant: contoso.onmicrosoft.com\n    client-id: 00000000-0000-0000-0000-000000000001\n    client-secret-env: APP_SECRET\n")
	// Nothing listens on port 1: a run that gets past the checks fails
	// to connect (exit 3) at once.
	ldapLocal := writeFile(t, dir, "ldap-local.yaml", "source:\n  ldap:\n    urls: [ldaps://127.0.0.1:1]\n    bind-dn: svc@corp.example\n    password-env: NOPE_PW\n")
	pw := writeFile(t, dir, "pw.txt", "secret\n")
	missingSnap := writeFile(t, dir, "missing-snap.yaml", "source:\n  snapshot: nope.json\n")
	kerberosFile := writeFile(t, dir, "kerberos.yaml", "source:\n  ldap:\n    urls: [ldaps://127.0.0.1:1]\n    kerberos: true\n    keytab: nope.keytab\n")
	missingCA := writeFile(t, dir, "missing-ca.yaml", "source:\n  ldap:\n    urls: [ldaps://dc1.corp.example]\n    ca-file: nope.pem\n")
	out := filepath.Join(dir, "r.json")
	logs := t.TempDir()
	loopLog(t, logs, "closures@corp.example", 5)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stderr
	}{
		{"audit replaces the file's LDAP source", nil, []string{"audit", "-c", ldapFile, "--snapshot", snap, "-o", out}, exitFindings, "exit 1"},
		{"scan replaces the file's LDAP source", nil, []string{"scan", "-c", ldapFile, "--demo", "-o", out, "--fail-on", "none"}, exitGaps, "exit 4"},
		{"trace replaces the file's LDAP source", nil, []string{"trace", "-c", ldapFile, "--snapshot", snap, logs, "-o", out}, exitFindings, "exit 1"},
		{"audit replaces the file's Microsoft 365 source", nil, []string{"audit", "-c", m365File, "--snapshot", snap, "-o", out}, exitFindings, "exit 1"},
		{"scan with the file's LDAP source needs its password", nil, []string{"scan", "-c", ldapFile, "-o", out}, exitUsage, "source.ldap.password-env: no password for bind-dn svc@corp.example: environment variable NOPE_PW is not set"},
		{"scan with the file's Microsoft 365 source needs its secret", nil, []string{"scan", "-c", m365File, "-o", out}, exitUsage, "source.m365.client-secret-env: no client secret: environment variable AZURE_CLIENT_SECRET is not set"},
		{"config check names every missing secret", nil, []string{"config", "check", ldapFile}, exitUsage, "NOPE_PW is not set"},
		{"config check: a section without auth signs in as the flags do", nil, []string{"config", "check", m365Default}, exitOK, ""},
		{"config check: a secret variable the file names must be set", nil, []string{"config", "check", m365Named}, exitUsage, "APP_SECRET is not set"},
		{"a password file from the environment replaces the file's variable", map[string]string{"DGAUDIT_PASSWORD_FILE": pw}, []string{"scan", "-c", ldapLocal, "-o", out}, exitRuntime, "127.0.0.1:1"},
		{"audit replaces the file's missing snapshot", nil, []string{"audit", "-c", missingSnap, "--snapshot", snap, "-o", out}, exitFindings, "exit 1"},
		{"a snapshot from the environment replaces the file's missing one", map[string]string{"DGAUDIT_SNAPSHOT": snap}, []string{"audit", "-c", missingSnap, "-o", out}, exitFindings, "exit 1"},
		{"audit replaces the file's LDAP source and its missing CA", nil, []string{"audit", "-c", missingCA, "--snapshot", snap, "-o", out}, exitFindings, "exit 1"},
		{"audit with the file's missing snapshot", nil, []string{"audit", "-c", missingSnap, "-o", out}, exitUsage, "source.snapshot: stat"},
		{"a URL from the command line with the file's sign-in checks its password", nil, []string{"scan", "-c", ldapFile, "--ldap-url", "ldaps://127.0.0.1:1", "-o", out}, exitUsage, "source.ldap.password-env: no password for bind-dn svc@corp.example"},
		{"a URL from the environment with the file's missing CA", map[string]string{"DGAUDIT_LDAP_URL": "ldaps://127.0.0.1:1"}, []string{"scan", "-c", missingCA, "-o", out}, exitUsage, "source.ldap.ca-file: stat"},
		{"another account from the command line sets the file's Kerberos keytab aside", nil, []string{"scan", "-c", kerberosFile, "--bind-dn", "other@corp.example", "--password-file", pw, "-o", out}, exitRuntime, "127.0.0.1:1"},
		{"the file's Kerberos sign-in needs its keytab", nil, []string{"scan", "-c", kerberosFile, "-o", out}, exitUsage, "source.ldap.keytab: stat"},
		{"config check names a missing CA", nil, []string{"config", "check", missingCA}, exitUsage, "source.ldap.ca-file: stat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := dgauditEnv(t, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q in:\n%s", code, tt.code, tt.want, stderr)
			}
		})
	}
}

// Every m365 setting works from the file, graph-concurrency included.
func TestGraphConcurrencyFromTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := "source:\n  m365:\n    tenant: contoso.onmicrosoft.com\n    client-id: 00000000-0000-0000-0000-000000000001\n    graph-concurrency: 9\n"
	cfg, err := parseConfig(filepath.Join(dir, "dgaudit.yaml"), []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	var src sourceOptions
	cmd := &cobra.Command{Use: "scan", RunE: func(*cobra.Command, []string) error { return nil }}
	src.register(cmd, offlineSources|liveSources)
	if _, err := applyLayers(cmd.Flags(), func(string) string { return "" }, cfg); err != nil {
		t.Fatal(err)
	}
	if got := cmd.Flags().Lookup("graph-concurrency").Value.String(); got != "9" {
		t.Errorf("--graph-concurrency = %s, want the file's 9", got)
	}
	bad := writeFile(t, dir, "bad.yaml", strings.Replace(file, "9", "-2", 1))
	if code, _, stderr := dgauditEnv(t, nil, "config", "check", bad); code != exitUsage || !strings.Contains(stderr, "source.m365.graph-concurrency: want a number of at least 1, got -2") {
		t.Errorf("config check of a negative graph-concurrency: exit %d\n%s", code, stderr)
	}
}

// An internal domain "*" would make every address internal, and with it
// every external member and every loop vanish: refused on the command line,
// in the environment and in the file.
func TestInternalDomainWildcardRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	snap := writeSnapshot(t, loopSnapshot())
	file := writeFile(t, dir, "star.yaml", "internal-domains: [\"*\"]\n")
	for _, run := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"audit", "--snapshot", snap, "--internal-domain", "*"}},
		{nil, []string{"audit", "--snapshot", snap, "--internal-domain", "*.partner.example"}},
		{map[string]string{"DGAUDIT_INTERNAL_DOMAIN": "*"}, []string{"audit", "--snapshot", snap}},
		{nil, []string{"audit", "--snapshot", snap, "-c", file}},
	} {
		code, _, stderr := dgauditEnv(t, run.env, run.args...)
		if code != exitUsage || !strings.Contains(stderr, "no wildcards") {
			t.Errorf("%v %v: exit %d, want %d refusing the wildcard\n%s", run.env, run.args, code, exitUsage, stderr)
		}
	}
}
