package ldap_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dgaudit/directory/ldap/sambatest"
)

// TestCLIConfigBaselineAndRemediationAgainstSamba is the nightly-job path on
// a real directory: a scan driven by a config file (password from a variable
// the file names), a fix script generated from the report and applied by an
// administrator (here ldapmodify), and the next scan showing the group
// improved against the baseline. The group is put back afterwards, because
// the other tests expect the fixture as loaded.
func TestCLIConfigBaselineAndRemediationAgainstSamba(t *testing.T) {
	s := sambatest.Get(t)
	ldapmodify := sambatest.Tool(t, "ldapmodify", "ldap-utils", "the remediation round trip")
	bin := dgauditBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "dgaudit.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`source:
  ldap:
    urls: [%s]
    bind-dn: %q
    password-env: CORP_AUDIT_PW
    ca-file: %s
outputs: [first.json]
fail-on: none
`, s.LDAPSURL(), sambatest.AdminDN, s.CAFile)), 0o644)
	env := []string{"CORP_AUDIT_PW=" + sambatest.Password}

	if r := runCLI(t, bin, nil, "config", "check", cfg); r.code != 2 || !strings.Contains(r.stderr, "CORP_AUDIT_PW is not set") {
		t.Fatalf("config check without the secret: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, bin, env, "config", "check", cfg); r.code != 0 {
		t.Fatalf("config check: exit %d\n%s", r.code, r.stderr)
	}
	r := runCLI(t, bin, env, "scan", "-c", cfg)
	if r.code != 0 {
		t.Fatalf("scan -c: exit %d\n%s", r.code, r.stderr)
	}
	first := filepath.Join(dir, "first.json")
	if !slices.Contains(reportFindings(t, first)[sambatest.GroupOpen], "ndr-loop-risk") {
		t.Fatalf("%s has no ndr-loop-risk in the first scan", sambatest.GroupOpen)
	}
	id, settings := groupOf(t, first, sambatest.GroupOpen)

	fix := filepath.Join(dir, "fix.ldf")
	if r := runCLI(t, bin, nil, "remediate", "--report", first, "--group", id, "--rule", "ndr-loop-risk", "-o", fix); r.code != 0 {
		t.Fatalf("remediate: exit %d\n%s", r.code, r.stderr)
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(sambatest.Password), 0o600)
	modify := func(ldif string, keepGoing bool) {
		t.Helper()
		args := []string{"-H", s.LDAPSURL(), "-D", sambatest.AdminDN, "-y", pw, "-f", ldif}
		if keepGoing {
			args = append(args, "-c")
		}
		cmd := exec.Command(ldapmodify, args...)
		cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+s.CAFile)
		if out, err := cmd.CombinedOutput(); err != nil && !keepGoing {
			data, _ := os.ReadFile(ldif)
			t.Fatalf("ldapmodify %s: %v\n%s\n%s", ldif, err, out, data)
		}
	}
	// Put the group back as the fixture had it, whatever happens below.
	t.Cleanup(func() {
		revert := filepath.Join(dir, "revert.ldf")
		// One record per attribute: a modify is atomic, and deleting an
		// attribute the fix did not add fails; -c goes on to the next record.
		var b strings.Builder
		for _, st := range settings.values {
			fmt.Fprintf(&b, "dn: %s\nchangetype: modify\n", settings.dn)
			if st.Source == "set" {
				fmt.Fprintf(&b, "replace: %s\n%s: %s\n-\n", st.Attribute, st.Attribute, strings.ToUpper(st.Value))
			} else {
				fmt.Fprintf(&b, "delete: %s\n-\n", st.Attribute)
			}
			b.WriteString("\n")
		}
		os.WriteFile(revert, []byte(b.String()), 0o644)
		modify(revert, true)
	})
	modify(fix, false)

	second := filepath.Join(dir, "second.json")
	r = runCLI(t, bin, env, "scan", "-c", cfg, "-o", second, "--baseline", first, "--fail-on-new", "critical")
	if r.code != 0 {
		t.Fatalf("scan after the fix: exit %d, want 0 (nothing new)\n%s", r.code, r.stderr)
	}
	if got := reportFindings(t, second)[sambatest.GroupOpen]; slices.Contains(got, "ndr-loop-risk") {
		t.Errorf("the fix did not remove ndr-loop-risk: %v", got)
	}
	data, _ := os.ReadFile(second)
	var rep struct {
		Groups []struct {
			Name   string `json:"name"`
			Change string `json:"change"`
		} `json:"groups"`
	}
	json.Unmarshal(data, &rep)
	for _, g := range rep.Groups {
		if g.Name == sambatest.GroupOpen && g.Change != "improved" {
			t.Errorf("%s is %q against the baseline, want improved", g.Name, g.Change)
		}
	}
}

type groupSettings struct {
	dn     string
	values []struct {
		Attribute, Value, Source string
	}
}

// groupOf returns a group's ID and, for putting it back, its DN and the four
// settings remediation may change as the report states them.
func groupOf(t *testing.T, report, name string) (string, groupSettings) {
	t.Helper()
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	type setting struct {
		Attribute string `json:"attribute"`
		Value     string `json:"value"`
		Source    string `json:"source"`
	}
	var rep struct {
		Groups []struct {
			ID       string `json:"id"`
			DN       string `json:"dn"`
			Name     string `json:"name"`
			Settings struct {
				RequireSenderAuth  setting `json:"requireSenderAuth"`
				ReportToOriginator setting `json:"reportToOriginator"`
				ReportToManager    setting `json:"reportToManager"`
				OOFToOriginator    setting `json:"oofToOriginator"`
			} `json:"settings"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, g := range rep.Groups {
		if g.Name != name {
			continue
		}
		gs := groupSettings{dn: g.DN}
		st4 := g.Settings
		for _, st := range []setting{st4.RequireSenderAuth, st4.ReportToOriginator, st4.ReportToManager, st4.OOFToOriginator} {
			gs.values = append(gs.values, struct{ Attribute, Value, Source string }{st.Attribute, st.Value, st.Source})
		}
		return g.ID, gs
	}
	t.Fatalf("%s not in %s", name, report)
	return "", groupSettings{}
}
