package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// hostileSnapshot has groups whose names, addresses and DNs try to break out
// of a PowerShell string or an LDIF line; names are attacker-controlled.
func hostileSnapshot() *directory.Snapshot {
	// The ID is not a GUID, so the script names these groups by their
	// (hostile) address.
	evil := func(id, name, dn, mail string) func(*directory.Group) {
		return func(g *directory.Group) {
			g.ID, g.Name, g.DN, g.Mail = id, name, dn, mail
		}
	}
	return dt.New().Mailbox("o").Contact("x", "x@partner.example").
		Group("Plain", []string{"x", "o"}, dt.ReportsToOriginator, dt.OOFToOriginator, dt.Owner("o"),
			func(g *directory.Group) {
				g.ID, g.DN = "0b6f2a51-0000-4000-8000-000000000001", "CN=Plain,OU=Groups,DC=corp,DC=example"
			}).
		Group("q1", []string{"x", "o"}, dt.ReportsToOriginator, dt.Owner("o"),
			evil("q1", "x'; Remove-Mailbox -Identity * -Confirm:$false; '", "CN=x\\'; Remove-Mailbox,DC=corp,DC=example", "x';Remove-Mailbox;'@corp.example")).
		Group("q2", []string{"x", "o"}, dt.ReportsToOriginator, dt.Owner("o"),
			evil("q2", "smart\u2019quote", "CN=evil\nchangetype: delete,DC=corp,DC=example", "x\u2019;Stop-Computer;\u2018@corp.example")).
		Group("q3", []string{"x", "o"}, dt.ReportsToOriginator,
			evil("q3", "line\nRemove-Mailbox -Identity *", "CN=nl,DC=corp,DC=example", "")).
		Group("Dyn", []string{"x"}, dt.Kind(directory.Dynamic), dt.Owner("o"),
			func(g *directory.Group) { g.DN = "CN=Dyn,DC=corp,DC=example" }).
		Group("Cloud", []string{"x", "o"}, dt.Kind(directory.Microsoft365), dt.Open, dt.ReportsToOriginator, dt.Owner("o")).
		Edit(func(s *directory.Snapshot) {
			// The builder derives mail from the name; hostile groups keep a
			// hostile address too.
			for i := range s.Groups {
				if s.Groups[i].Mail == "" {
					s.Groups[i].Mail = "list" + string(rune('a'+i)) + "@corp.example"
				}
			}
		}).
		Snapshot()
}

func TestRemediate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	if code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, hostileSnapshot()), "-o", report, "--fail-on", "none"); code != exitOK {
		t.Fatalf("audit: exit %d\n%s", code, stderr)
	}
	// The report's audit time changes every run; pin it for the goldens.
	data, _ := os.ReadFile(report)
	data = regexp.MustCompile(`"auditedAt": "[^"]*"`).ReplaceAll(data, []byte(`"auditedAt": "2026-03-02T07:31:05Z"`))
	os.WriteFile(report, data, 0o644)

	for _, tc := range []struct{ out, golden string }{
		{"fix.ps1", "remediate.golden.ps1"},
		{"fix.ldf", "remediate.golden.ldf"},
	} {
		out := filepath.Join(dir, tc.out)
		if code, _, stderr := dgaudit(t, "remediate", "--report", report, "-o", out, "--min-severity", "info"); code != exitOK {
			t.Fatalf("remediate %s: exit %d\n%s", tc.out, code, stderr)
		}
		got, _ := os.ReadFile(out)
		golden(t, filepath.Join("testdata", tc.golden), strings.ReplaceAll(string(got), dir, "$DIR"))
	}

	ps1, _ := os.ReadFile(filepath.Join(dir, "fix.ps1"))
	// Windows PowerShell reads a script without a BOM in the ANSI code page.
	ps1, ok := bytes.CutPrefix(ps1, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Error("the script does not start with a UTF-8 BOM")
	}
	// Every line that is not a comment is one cmdlet whose only string is
	// a single-quoted literal with every quote doubled, then switches.
	quoted := `'(?:[^'\x{2018}-\x{201B}]|''|\x{2018}\x{2018}|\x{2019}\x{2019}|\x{201A}\x{201A}|\x{201B}\x{201B})*'`
	cmdline := regexp.MustCompile(`^Set-(?:DistributionGroup|DynamicDistributionGroup|UnifiedGroup) -Identity ` + quoted + `(?: -[A-Za-z]+ \$(?:true|false))+(?: -BypassSecurityGroupManagerCheck)? -WhatIf$`)
	cmdlets := 0
	for i, l := range strings.Split(strings.TrimSuffix(string(ps1), "\n"), "\n") {
		if l == "" || strings.HasPrefix(l, "#") || l == "$ErrorActionPreference = 'Stop'" {
			continue
		}
		cmdlets++
		if !cmdline.MatchString(l) {
			t.Errorf("line %d is not an inert cmdlet line: %q", i+1, l)
		}
	}
	if cmdlets < 5 {
		t.Errorf("%d cmdlet lines, want one per fixable group", cmdlets)
	}
	if strings.Contains(string(ps1), "\nRemove-Mailbox") {
		t.Error("a line break in a group name escaped its comment")
	}
	ldf, _ := os.ReadFile(filepath.Join(dir, "fix.ldf"))
	if strings.Contains(string(ldf), "\nchangetype: delete") {
		t.Error("a line break in a DN became an LDIF line")
	}

	// Selection and apply.
	out := filepath.Join(dir, "one.ps1")
	code, _, stderr := dgaudit(t, "remediate", "--report", report, "-o", out, "--group", "0b6f2a51-0000-4000-8000-000000000001", "--rule", "oof-to-originator", "--min-severity", "info", "--apply-script")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	one, _ := os.ReadFile(out)
	if n := strings.Count(string(one), "\nSet-"); n != 1 || strings.Contains(string(one), "-WhatIf") || !strings.Contains(string(one), "-SendOofMessageToOriginatorEnabled $false\n") {
		t.Errorf("selected script:\n%s", one)
	}

	// --group in another case than the report's: accepted and selected.
	for _, id := range []string{"0B6F2A51-0000-4000-8000-000000000001", "PLAIN@Corp.Example"} {
		code, _, stderr := dgaudit(t, "remediate", "--report", report, "-o", out, "--group", id, "--rule", "oof-to-originator", "--min-severity", "info")
		if code != exitOK {
			t.Fatalf("--group %s: exit %d\n%s", id, code, stderr)
		}
		if one, _ := os.ReadFile(out); strings.Count(string(one), "\nSet-DistributionGroup -Identity '0b6f2a51-0000-4000-8000-000000000001' ") != 1 {
			t.Errorf("--group %s did not select the group:\n%s", id, one)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"remediate", "-o", out}, "needs --report"},
		{[]string{"remediate", "--report", report, "-o", filepath.Join(dir, "fix.sh")}, "want .ps1, .ldf or .ldif"},
		{[]string{"remediate", "--report", report, "-o", filepath.Join(dir, "x.ldf"), "--apply-script"}, "--apply-script is for PowerShell"},
		{[]string{"remediate", "--report", report, "-o", out, "--rule", "nope"}, "--rule nope: no such rule"},
		{[]string{"remediate", "--report", report, "-o", out, "--group", "nope"}, "--group nope: no group"},
		{[]string{"remediate", "--report", report, "-o", out, "--min-severity", "bad"}, "--min-severity"},
	} {
		if code, _, stderr := dgaudit(t, tc.args...); code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", tc.args, code, exitUsage, tc.want, stderr)
		}
	}
	if code, _, stderr := dgaudit(t, "remediate", "--report", writeSnapshot(t, loopSnapshot()), "-o", out); code != exitRuntime || !strings.Contains(stderr, "it is a snapshot") {
		t.Errorf("snapshot as report: exit %d\n%s", code, stderr)
	}
}

// TestRemediateRefusesHostileReport: a report whose kind carries a command
// on its own line is refused before any script is written.
func TestRemediateRefusesHostileReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	report := writeFile(t, dir, "evil.json", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "g1", "name": "Loop", "kind": "distribution\nRemove-Mailbox ceo -Confirm:$false\n#",
	  "settings": {"oofToOriginator": {"value": "true"}}, "findings": [{"rule": "oof-to-originator", "severity": "high"}]}]}`)
	for _, name := range []string{"fix.ps1", "fix.ldf"} {
		out := filepath.Join(dir, name)
		args := []string{"remediate", "--report", report, "-o", out}
		if name == "fix.ps1" {
			args = append(args, "--apply-script")
		}
		code, _, stderr := dgaudit(t, args...)
		if code == exitOK || !strings.Contains(stderr, `groups[0] ("Loop"): kind "distribution\nRemove-Mailbox`) {
			t.Errorf("%s: exit %d\n%s", name, code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s written from a refused report", name)
		}
	}
}
