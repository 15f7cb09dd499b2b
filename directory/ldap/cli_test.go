package ldap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/ldap/sambatest"
)

// These tests run the real dgaudit binary against the Samba AD DC the
// package's TestMain started: the path an administrator takes.

// dgauditBinary builds cmd/dgaudit once per test.
func dgauditBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dgaudit")
	out, err := exec.Command("go", "build", "-o", bin, "dgaudit/cmd/dgaudit").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type cliResult struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, bin string, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{code, out.String(), errb.String()}
}

// reportFindings reads a JSON report into group name -> rule IDs.
func reportFindings(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(sambatest.Password)) {
		t.Fatal("the report contains the bind password")
	}
	var rep struct {
		Groups []struct {
			Name     string `json:"name"`
			Findings []struct {
				Rule string `json:"rule"`
			} `json:"findings"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, g := range rep.Groups {
		rules := []string{}
		for _, f := range g.Findings {
			rules = append(rules, f.Rule)
		}
		slices.Sort(rules)
		out[g.Name] = rules
	}
	return out
}

func TestCLIScanAgainstSamba(t *testing.T) {
	s := sambatest.Get(t)
	bin := dgauditBinary(t)
	dir := t.TempDir()
	env := []string{"DGAUDIT_LDAP_PASSWORD=" + sambatest.Password}
	base := []string{"--ldap-url", s.LDAPSURL(), "--bind-dn", sambatest.AdminDN, "--ca-file", s.CAFile}

	t.Run("scan finds the NDR loop and stays quiet on the closed group", func(t *testing.T) {
		report := filepath.Join(dir, "ldap.json")
		r := runCLI(t, bin, env, append([]string{"scan", "-o", report, "-o", filepath.Join(dir, "ldap.xlsx")}, base...)...)
		if r.code != 1 {
			t.Fatalf("exit %d, want 1 (critical findings)\n%s", r.code, r.stderr)
		}
		if strings.Contains(r.stderr+r.stdout, sambatest.Password) {
			t.Fatal("the password appears in the output")
		}
		got := reportFindings(t, report)
		for group, want := range map[string][]string{
			sambatest.GroupOpen:   {"ndr-loop-risk", "open-to-external-senders", "external-members"},
			sambatest.GroupCycleA: {"membership-cycle"},
			sambatest.GroupEmpty:  {"empty-group"},
		} {
			for _, rule := range want {
				if !slices.Contains(got[group], rule) {
					t.Errorf("%s: %s missing from %v", group, rule, got[group])
				}
			}
		}
		if slices.Contains(got[sambatest.GroupAuth], "ndr-loop-risk") || slices.Contains(got[sambatest.GroupAuth], "open-to-external-senders") {
			t.Errorf("%s requires authentication but got %v", sambatest.GroupAuth, got[sambatest.GroupAuth])
		}
	})

	t.Run("password file", func(t *testing.T) {
		pw := filepath.Join(dir, "pw")
		os.WriteFile(pw, []byte(sambatest.Password+"\n"), 0o600)
		r := runCLI(t, bin, nil, append([]string{"collect", "-o", filepath.Join(dir, "snap.json"), "--password-file", pw}, base...)...)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		r = runCLI(t, bin, nil, "audit", "--snapshot", filepath.Join(dir, "snap.json"), "-o", filepath.Join(dir, "replay.json"))
		if r.code != 1 {
			t.Fatalf("replay exit %d\n%s", r.code, r.stderr)
		}
		if diff := cmpFindings(reportFindings(t, filepath.Join(dir, "ldap.json")), reportFindings(t, filepath.Join(dir, "replay.json"))); diff != "" {
			t.Errorf("auditing the collected snapshot differs from the live scan: %s", diff)
		}
	})

	t.Run("kerberos keytab gives the same findings", func(t *testing.T) {
		kt := filepath.Join(dir, "admin.keytab")
		if err := s.ExportKeytab(context.Background(), "Administrator@"+sambatest.Realm, kt); err != nil {
			t.Fatal(err)
		}
		report := filepath.Join(dir, "kerberos.json")
		r := runCLI(t, bin, nil, "scan", "-o", report, "--ldap-url", s.LDAPSURL(), "--ca-file", s.CAFile,
			"--kerberos", "--keytab", kt, "--principal", "Administrator", "--krb5-conf", s.Krb5Conf())
		if r.code != 1 {
			t.Fatalf("exit %d, want 1 (critical findings)\n%s", r.code, r.stderr)
		}
		if diff := cmpFindings(reportFindings(t, filepath.Join(dir, "ldap.json")), reportFindings(t, report)); diff != "" {
			t.Errorf("Kerberos and simple bind disagree: %s", diff)
		}

		stale := filepath.Join(dir, "stale.keytab")
		if err := sambatest.WriteKeytab(stale, "Administrator@"+sambatest.Realm, "not-the-password"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ keytab, want string }{
			{stale, "export a fresh keytab"},
			{filepath.Join(dir, "missing.keytab"), "missing.keytab"},
		} {
			r = runCLI(t, bin, nil, "scan", "-o", filepath.Join(dir, "never.json"), "--ldap-url", s.LDAPSURL(), "--ca-file", s.CAFile,
				"--kerberos", "--keytab", tc.keytab, "--principal", "Administrator", "--krb5-conf", s.Krb5Conf())
			if r.code != 3 {
				t.Fatalf("keytab %s: exit %d, want 3\n%s", tc.keytab, r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "hint: klist") {
				t.Errorf("keytab %s: stderr does not say %q or give the hint:\n%s", tc.keytab, tc.want, r.stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "never.json")); err == nil {
			t.Error("a report was written for a failed scan")
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		r := runCLI(t, bin, []string{"DGAUDIT_LDAP_PASSWORD=wrong-" + sambatest.Password}, append([]string{"scan", "-o", filepath.Join(dir, "never.json")}, base...)...)
		if r.code != 3 {
			t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, s.Addr) || !strings.Contains(r.stderr, "hint: check --bind-dn") {
			t.Errorf("error does not name the server or give the hint:\n%s", r.stderr)
		}
		if strings.Contains(r.stderr, sambatest.Password) {
			t.Error("the wrong password is echoed")
		}
		if _, err := os.Stat(filepath.Join(dir, "never.json")); err == nil {
			t.Error("a report was written for a failed scan")
		}
	})

	t.Run("no password", func(t *testing.T) {
		r := runCLI(t, bin, nil, append([]string{"scan"}, base...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "DGAUDIT_LDAP_PASSWORD") {
			t.Errorf("exit %d, want 2 naming the variable\n%s", r.code, r.stderr)
		}
	})

	t.Run("ldapsearch export gives the same findings", func(t *testing.T) {
		ldapsearch := sambatest.Tool(t, "ldapsearch", "ldap-utils", "the LDIF cross-check")
		var export bytes.Buffer
		for _, base := range []string{sambatest.BaseDN, sambatest.OrgDN} {
			cmd := exec.Command(ldapsearch, "-LLL", "-o", "ldif-wrap=76", "-E", "pr=200/noprompt", "-H", s.LDAPSURL(),
				"-D", sambatest.AdminDN, "-y", filepath.Join(dir, "pw"), "-b", base,
				"(|(objectClass=group)(objectClass=contact)(objectClass=user)(objectClass=msExchDynamicDistributionList)(objectClass=msExchAcceptedDomain)(objectClass=msExchDomainContentConfig))")
			cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+s.CAFile)
			os.WriteFile(filepath.Join(dir, "pw"), []byte(sambatest.Password), 0o600)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("ldapsearch -b %s: %v", base, err)
			}
			export.Write(out)
			export.WriteString("\n")
		}
		ldf := filepath.Join(dir, "export.ldif")
		os.WriteFile(ldf, export.Bytes(), 0o644)
		report := filepath.Join(dir, "ldif.json")
		r := runCLI(t, bin, nil, "scan", "--ldif", ldf, "-o", report)
		// LDIF cannot evaluate a dynamic group's filter, so the run reports
		// that gap (exit 4) instead of a clean result.
		if r.code != 4 {
			t.Fatalf("exit %d, want 4\n%s", r.code, r.stderr)
		}
		live, offline := reportFindings(t, filepath.Join(dir, "ldap.json")), reportFindings(t, report)
		delete(live, sambatest.GroupDynamic)
		delete(offline, sambatest.GroupDynamic)
		if diff := cmpFindings(live, offline); diff != "" {
			t.Errorf("LDIF and LDAP disagree: %s", diff)
		}
	})
}

func cmpFindings(a, b map[string][]string) string {
	var diffs []string
	for name, rules := range a {
		if !slices.Equal(rules, b[name]) {
			diffs = append(diffs, name+": "+strings.Join(rules, ",")+" vs "+strings.Join(b[name], ","))
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			diffs = append(diffs, name+": only in the second report")
		}
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "; ")
}
