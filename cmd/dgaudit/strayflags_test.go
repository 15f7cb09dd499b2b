package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStrayFlagsAreRefused: a flag that belongs to a source or to --tracking
// is refused when given on the command line without them, rather than
// silently ignored; the same settings from a config file are not.
func TestStrayFlagsAreRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	clean := writeSnapshot(t, cleanSnapshot())
	secret := write("secret", "s3cret\n")
	// Port 1 on the loopback refuses at once: the LDAP source fails fast.
	ldapFile := write("ldap.yaml", "source:\n  ldap:\n    urls: [ldaps://127.0.0.1:1]\n    bind-dn: svc@corp.example\n    password-file: "+secret+"\n    insecure-skip-verify: true\n    page-size: 200\n    timeout: 5s\n")
	m365File := write("m365.yaml", "source:\n  m365:\n    tenant: t.example\n    client-id: c\n    client-secret-file: "+secret+"\n    skip-exchange: true\n")
	out := filepath.Join(dir, "snap.json")
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	loopLog(t, logs, "closures@corp.example", 1)

	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"ldap and m365 flags with demo",
			[]string{"scan", "--demo", "--bind-dn", "x", "--insecure-skip-verify", "--kerberos", "--tenant", "t", "--client-id", "c", "--page-size", "7", "--graph-concurrency", "99"},
			exitUsage, []string{"--bind-dn, --insecure-skip-verify, --kerberos, --page-size apply only with --ldap-url (the LDAP source)", "--tenant, --client-id, --graph-concurrency apply only with --m365 (the Microsoft 365 source)"}},
		{"skip-exchange without m365", []string{"scan", "--demo", "--skip-exchange"}, exitUsage, []string{"--skip-exchange applies only with --m365"}},
		{"collect: skip-exchange without m365", []string{"collect", "--demo", "--skip-exchange", "-o", out}, exitUsage, []string{"--skip-exchange applies only with --m365"}},
		{"collect: ldap flag with ldif", []string{"collect", "--snapshot", clean, "--ldap-timeout", "5s", "-o", out}, exitUsage, []string{"--ldap-timeout applies only with --ldap-url"}},
		{"ca-file without a live source", []string{"scan", "--demo", "--ca-file", "ca.pem"}, exitUsage, []string{"--ca-file applies only with --ldap-url or --m365"}},
		{"tracking-interval without tracking", []string{"scan", "--demo", "--tracking-interval", "2h"}, exitUsage, []string{"--tracking-interval applies only with --tracking"}},
		// The demo's audit has gaps by design: exit 4 is a completed run.
		{"tracking-interval with tracking", []string{"scan", "--demo", "--tracking", logs, "--tracking-interval", "2h"}, exitGaps, nil},
		{"audit: tracking-interval with tracking", []string{"audit", "--snapshot", clean, "--tracking", logs, "--tracking-interval", "2h"}, exitOK, nil},
		{"audit: tracking-interval without tracking", []string{"audit", "--snapshot", clean, "--tracking-interval", "2h"}, exitUsage, []string{"--tracking-interval applies only with --tracking"}},
		{"insecure-skip-verify with m365", []string{"scan", "--m365", "--tenant", "t", "--client-id", "c", "--insecure-skip-verify"}, exitUsage,
			[]string{"--insecure-skip-verify applies only with --ldap-url", "Microsoft 365 connections always verify TLS"}},
		{"m365 flag with ldap", []string{"scan", "--ldap-url", "ldaps://dc1.corp.example", "--skip-exchange"}, exitUsage, []string{"--skip-exchange applies only with --m365"}},
		// The demo's audit has gaps by design: exit 4 is a completed run.
		{"file with an ldap section, demo from the command line", []string{"scan", "-c", ldapFile, "--demo"}, exitGaps, nil},
		{"file with an m365 section, demo from the command line", []string{"collect", "-c", m365File, "--demo", "-o", filepath.Join(dir, "m.json")}, exitOK, nil},
		// A sign-in is taken whole: another account from the command line
		// does not get the file's password, nor clashes with its bind DN.
		{"file's ldap source with a bind-dn flag", []string{"scan", "-c", ldapFile, "--bind-dn", "other@corp.example"}, exitUsage, []string{"no password for other@corp.example: set DGAUDIT_LDAP_PASSWORD or give --password-file"}},
		{"file's ldap source with another sign-in", []string{"scan", "-c", ldapFile, "--bind-dn", "other@corp.example", "--password-file", secret}, exitRuntime, nil},
		{"file's ldap source with kerberos", []string{"scan", "-c", ldapFile, "--kerberos"}, exitRuntime, nil},
		{"trace: m365 companion without m365", []string{"trace", dir, "--tenant", "t"}, exitUsage, []string{"--tenant applies only with --m365"}},
		{"trace: ca-file without m365", []string{"trace", logs, "--ca-file", "ca.pem"}, exitUsage, []string{"--ca-file applies only with --m365"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, append(tc.args, "--log-level", "error")...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			if tc.code != exitUsage && (strings.Contains(stderr, "applies only") || strings.Contains(stderr, "apply only")) {
				t.Errorf("a setting from the file was refused:\n%s", stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestTraceKeepsEnvCAFile: trace refuses --ca-file without --m365 only on
// the command line; a DGAUDIT_CA_FILE set for scans does not stop a trace of
// files.
func TestTraceKeepsEnvCAFile(t *testing.T) {
	t.Parallel()
	logs := t.TempDir()
	loopLog(t, logs, "closures@corp.example", 1)
	env := map[string]string{"DGAUDIT_CA_FILE": filepath.Join(t.TempDir(), "ca.pem")}
	code, _, stderr := dgauditEnv(t, env, "trace", logs, "--log-level", "error")
	if code != exitOK || strings.Contains(stderr, "only with") {
		t.Errorf("exit %d, want %d\n%s", code, exitOK, stderr)
	}
}

// TestConfigThresholdsMustBeWhole: a fraction where a whole number belongs
// is refused with its line, not truncated.
func TestConfigThresholdsMustBeWhole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"blast-recipients 1.5", "source:\n  demo: true\nrules:\n  thresholds:\n    blast-recipients: 1.5\n",
			[]string{`:5: rules.thresholds.blast-recipients: want a whole number, got "1.5"`}},
		{"max-samples 0.5", "source:\n  demo: true\nrules:\n  thresholds:\n    max-samples: 0.5\n",
			[]string{`:5: rules.thresholds.max-samples: want a whole number, got "0.5"`}},
		{"page-size 200.5", "source:\n  demo: true\n  ldap:\n    page-size: 200.5\n",
			[]string{`:4: source.ldap.page-size: want a whole number, got "200.5"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"config", "check", path}, {"scan", "-c", path}} {
				code, _, stderr := dgaudit(t, args...)
				if code != exitUsage {
					t.Errorf("%v: exit %d, want %d\n%s", args, code, exitUsage, stderr)
				}
				for _, w := range tc.want {
					if !strings.Contains(stderr, path+w) {
						t.Errorf("%v: stderr lacks %q:\n%s", args, path+w, stderr)
					}
				}
				if strings.Contains(stderr, "got 0") || strings.Contains(stderr, "got 1,") {
					t.Errorf("%v: the value was truncated:\n%s", args, stderr)
				}
			}
		})
	}
}
