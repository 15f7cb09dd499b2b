package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/directory"
	"dgaudit/directory/demo"
	dt "dgaudit/directory/directorytest"
)

// TestJSONLCSVSayIncomplete: a run without findings whose collection had a
// gap exits 4, and its JSONL and CSV say so instead of looking like a clean
// run (an empty JSONL, a CSV with only its header).
func TestJSONLCSVSayIncomplete(t *testing.T) {
	t.Parallel()
	clean := func(gap bool) *directory.Snapshot {
		// Closed, reports to its mailbox owner, and out-of-office replies
		// stay inside: nothing to find.
		return dt.New().Mailbox("o").Group("Staff", []string{"o"}, dt.Closed, dt.ReportsToManager, dt.Owner("o")).
			Edit(func(s *directory.Snapshot) {
				s.Org.RemoteDomains = []directory.RemoteDomain{{Name: "Default", DomainPattern: "*", AllowedOOFType: directory.OOFNone}}
				if gap {
					s.Coverage.AddGap("groups", "", "=LDAP page 3 of (objectClass=group) failed: connection reset")
				}
			}).Snapshot()
	}
	for _, tc := range []struct {
		name     string
		gap      bool
		code     int
		complete bool
	}{
		{"complete", false, exitOK, true},
		{"gap", true, exitGaps, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			jl, cs := filepath.Join(dir, "cg.jsonl"), filepath.Join(dir, "cg.csv")
			if code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, clean(tc.gap)), "-o", jl, "-o", cs); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			data, err := os.ReadFile(jl)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			var run struct {
				Scope    string `json:"scope"`
				Complete *bool  `json:"complete"`
				Findings int    `json:"findings"`
				Gaps     []directory.Gap
			}
			if err := json.Unmarshal([]byte(lines[0]), &run); err != nil {
				t.Fatalf("first line: %v\n%s", err, data)
			}
			if len(lines) != 1 || run.Scope != "run" || run.Complete == nil || *run.Complete != tc.complete || run.Findings != 0 {
				t.Errorf("want only a run record with complete=%v:\n%s", tc.complete, data)
			}
			if tc.gap && (len(run.Gaps) != 1 || run.Gaps[0].What != "groups" || !strings.Contains(run.Gaps[0].Reason, "LDAP page 3")) {
				t.Errorf("gaps = %+v", run.Gaps)
			}

			f, err := os.Open(cs)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for _, r := range rows[1:] {
				rules = append(rules, r[6])
			}
			want := ""
			if tc.gap {
				want = "incomplete-run,coverage-gap"
			}
			if got := strings.Join(rules, ","); got != want {
				t.Errorf("CSV rows %q, want %q", got, want)
			}
			if tc.gap && rows[2][9] != "'=LDAP page 3 of (objectClass=group) failed: connection reset" {
				t.Errorf("gap message %q is not neutralized", rows[2][9])
			}
		})
	}
}

// TestSummarySaysWhyIncomplete: the end-of-run summary names each group
// under what of it was not read. A group whose settings alone were unread
// is not listed as having members that could not be read, and the run still
// exits 4.
func TestSummarySaysWhyIncomplete(t *testing.T) {
	t.Parallel()
	const (
		membersLine  = "incomplete: 2 groups have members that could not be read or resolved"
		settingsLine = "incomplete: 2 groups have delivery settings that could not be read"
	)
	snap := dt.New().Mailbox("o").
		Group("SettingsOnly", []string{"o"}, func(g *directory.Group) { g.SettingsUnknown = true }).
		Group("MembersOnly", nil, func(g *directory.Group) { g.MembersUnknown = true }).
		Group("Both", nil, func(g *directory.Group) { g.SettingsUnknown, g.MembersUnknown = true, true }).
		Group("Whole", []string{"o"}, dt.Closed).
		Snapshot()
	code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, snap), "--fail-on", "none")
	if code != exitGaps {
		t.Fatalf("exit %d, want %d\n%s", code, exitGaps, stderr)
	}
	lineOf := func(prefix string) string {
		for _, l := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("no line %q in the summary:\n%s", prefix, stderr)
		return ""
	}
	members, settings := lineOf(membersLine), lineOf(settingsLine)
	for _, tc := range []struct {
		group              string
		inMembers, inSetts bool
	}{
		{"SettingsOnly", false, true},
		{"MembersOnly", true, false},
		{"Both", true, true},
		{"Whole", false, false},
	} {
		if got := strings.Contains(members, tc.group); got != tc.inMembers {
			t.Errorf("%s on the members line = %v, want %v: %s", tc.group, got, tc.inMembers, members)
		}
		if got := strings.Contains(settings, tc.group); got != tc.inSetts {
			t.Errorf("%s on the settings line = %v, want %v: %s", tc.group, got, tc.inSetts, settings)
		}
	}
}

// TestSettingsUnreadNoNestedLine: the demo organization with no group's
// settings read, as a Microsoft 365 scan with --skip-exchange sees it. Every
// group is on the settings line, and none on the line for groups reaching
// external recipients through nested groups whose settings could not be
// read: that line is an upper bound on a count no rule used for them, in a
// summary that ends saying the results are lower bounds. The report names no
// such nested groups either.
func TestSettingsUnreadNoNestedLine(t *testing.T) {
	t.Parallel()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range snap.Groups {
		snap.Groups[i].SettingsUnknown = true
	}
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, snap), "-o", out, "--fail-on", "none")
	if code != exitGaps {
		t.Fatalf("exit %d, want %d\n%s", code, exitGaps, stderr)
	}
	if !strings.Contains(stderr, "groups have delivery settings that could not be read") {
		t.Errorf("no settings line in the summary:\n%s", stderr)
	}
	if strings.Contains(stderr, "through nested groups whose settings could not be read") {
		t.Errorf("the summary has a nested-settings line for groups whose own settings were not read:\n%s", stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Groups []map[string]any `json:"groups"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, g := range rep.Groups {
		if list, ok := g["nestedSettingsUnknown"]; ok {
			t.Errorf("%v: nestedSettingsUnknown %v, want none (its own settings were not read)", g["name"], list)
		}
	}
}
