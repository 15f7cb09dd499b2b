package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
	"dgaudit/reports"
)

// managedSnapshot has open groups that report to the originator and reach
// an outside contact, each with a different first owner.
func managedSnapshot() *directory.Snapshot {
	dn := func(g *directory.Group) { g.DN = "CN=" + g.Name + ",OU=Groups,DC=corp,DC=example" }
	open := func(owner ...string) []func(*directory.Group) {
		return []func(*directory.Group){dt.Open, dt.ReportsToOriginator, dt.Owner(owner...), dn}
	}
	return dt.New().Mailbox("o").Contact("x", "x@partner.example").
		// A mail-enabled security group, the usual "owners" group.
		Group("Mgrs", []string{"o"}, append(open(), dt.Closed, dt.Kind(directory.MailSecurity), func(g *directory.Group) {
			g.ReportToOriginator, g.ManagedBy = directory.Unset, []string{"o"}
		})...).
		Group("ByPerson", []string{"x", "o"}, open("o", "Mgrs")...).
		Group("ByGroup", []string{"x", "o"}, open("Mgrs", "o")...).
		Group("ByGhost", []string{"x", "o"}, open("CN=Left Company,OU=Users,DC=corp,DC=example", "o")...).
		Snapshot()
}

// applyScript applies the Set- lines of a remediation script (PowerShell)
// or the modify records of an LDIF file to the snapshot's groups, the way
// Exchange or ldifde would.
func applyScript(t *testing.T, s *directory.Snapshot, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	byParam := map[string]func(*directory.Group, directory.Tri){
		"RequireSenderAuthenticationEnabled": func(g *directory.Group, v directory.Tri) { g.RequireSenderAuth = v },
		"ReportToOriginatorEnabled":          func(g *directory.Group, v directory.Tri) { g.ReportToOriginator = v },
		"ReportToManagerEnabled":             func(g *directory.Group, v directory.Tri) { g.ReportToManager = v },
		"SendOofMessageToOriginatorEnabled":  func(g *directory.Group, v directory.Tri) { g.OOFToOriginator = v },
		"msExchRequireAuthToSendTo":          func(g *directory.Group, v directory.Tri) { g.RequireSenderAuth = v },
		"reportToOriginator":                 func(g *directory.Group, v directory.Tri) { g.ReportToOriginator = v },
		"reportToOwner":                      func(g *directory.Group, v directory.Tri) { g.ReportToManager = v },
		"oOFReplyToOriginator":               func(g *directory.Group, v directory.Tri) { g.OOFToOriginator = v },
	}
	find := func(match func(*directory.Group) bool) *directory.Group {
		i := slices.IndexFunc(s.Groups, func(g directory.Group) bool { return match(&g) })
		if i < 0 {
			t.Fatalf("the script names a group the snapshot does not have:\n%s", data)
		}
		return &s.Groups[i]
	}
	set := func(g *directory.Group, name, value string) {
		f, ok := byParam[name]
		if !ok {
			t.Fatalf("the script sets %s, which this test does not know", name)
		}
		f(g, directory.TriOf(strings.EqualFold(value, "true")))
	}
	applied := 0
	if strings.HasSuffix(path, ".ps1") {
		cmdlet := regexp.MustCompile(`^Set-DistributionGroup -Identity '([^']*)' (.*)$`)
		param := regexp.MustCompile(`-(\w+) \$(true|false)`)
		for _, l := range strings.Split(string(data), "\n") {
			m := cmdlet.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			g := find(func(g *directory.Group) bool { return g.ID == m[1] || g.Mail == m[1] })
			for _, p := range param.FindAllStringSubmatch(m[2], -1) {
				set(g, p[1], p[2])
				applied++
			}
		}
	} else {
		var g *directory.Group
		var attr string
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			l := sc.Text()
			switch {
			case strings.HasPrefix(l, "dn: "):
				dn := strings.TrimPrefix(l, "dn: ")
				g = find(func(g *directory.Group) bool { return g.DN == dn })
			case strings.HasPrefix(l, "replace: "):
				attr = strings.TrimPrefix(l, "replace: ")
			case attr != "" && strings.HasPrefix(l, attr+": "):
				set(g, attr, strings.TrimPrefix(l, attr+": "))
				applied++
				attr = ""
			}
		}
	}
	if applied == 0 {
		t.Fatalf("nothing applied from %s:\n%s", path, data)
	}
}

// TestRemediateDoesNotCreateFindings: audit, remediate, apply the script to
// the snapshot, audit again. The fix must not turn on manager mode toward a
// group (a new manager-is-group finding) or toward an owner that does not
// resolve, and must not leave both report flags off (no-delivery-reports).
// A script that closes the groups leaves their report flags alone; one that
// only answers reports-to-originator switches the person-owned group to its
// owner and leaves the others reporting to the originator.
func TestRemediateDoesNotCreateFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rules []string
		// manager is ReportToManagerEnabled after the fix; the others keep
		// reports to the originator.
		manager map[string]string
		// gone are findings no group may have after the fix.
		gone []string
	}{
		{"closing", nil, map[string]string{"ByPerson": "false", "ByGroup": "false", "ByGhost": "false"},
			[]string{"ndr-loop-risk", "reports-to-originator"}},
		{"left open", []string{"--rule", "reports-to-originator"}, map[string]string{"ByPerson": "true", "ByGroup": "false", "ByGhost": "false"}, nil},
	}
	for _, tt := range tests {
		for _, ext := range []string{"ps1", "ldf"} {
			t.Run(tt.name+"/"+ext, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				snap := managedSnapshot()
				report := filepath.Join(dir, "before.json")
				if code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, snap), "-o", report, "--fail-on", "none"); code != exitOK {
					t.Fatalf("audit: exit %d\n%s", code, stderr)
				}
				script := filepath.Join(dir, "fix."+ext)
				args := append([]string{"remediate", "--report", report, "-o", script, "--min-severity", "info"}, tt.rules...)
				if code, _, stderr := dgaudit(t, args...); code != exitOK {
					t.Fatalf("remediate: exit %d\n%s", code, stderr)
				}
				applyScript(t, snap, script)

				after := filepath.Join(dir, "after.json")
				if code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, snap), "-o", after, "--fail-on", "none"); code != exitOK {
					t.Fatalf("re-audit: exit %d\n%s", code, stderr)
				}
				f, err := os.Open(after)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rep, err := reports.ReadJSON(f)
				if err != nil {
					t.Fatal(err)
				}
				manager, orig := map[string]string{}, map[string]string{}
				for _, g := range rep.Groups {
					manager[g.Name], orig[g.Name] = g.Settings.ReportToManager.Value, g.Settings.ReportToOriginator.Value
					for _, fd := range g.Findings {
						// Mgrs, the owners' group, has no delivery reports before
						// the fix already.
						_, fixed := tt.manager[g.Name]
						if fd.Rule == "manager-is-group" || (fixed && fd.Rule == "no-delivery-reports") || slices.Contains(tt.gone, fd.Rule) {
							t.Errorf("after the fix %s has %s: %s", g.Name, fd.Rule, fd.Message)
						}
					}
				}
				for name, v := range tt.manager {
					if manager[name] != v {
						t.Errorf("%s: ReportToManagerEnabled %q after the fix, want %q\n%s", name, manager[name], v, readFile(t, script))
					}
					if wantOrig := map[bool]string{true: "false", false: "true"}[v == "true"]; orig[name] != wantOrig {
						t.Errorf("%s: ReportToOriginatorEnabled %q after the fix, want %q\n%s", name, orig[name], wantOrig, readFile(t, script))
					}
				}
			})
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
