package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// hybridSnapshots are one organization read on-premises and online: the
// online side has other object IDs, a group changed, one not migrated and
// one only online.
func hybridSnapshots() (onprem, online *directory.Snapshot) {
	onprem = dt.New().Mailbox("o", "p").Contact("x", "x@partner.example").
		Group("Sales", []string{"x", "o"}, dt.ReportsToOriginator, dt.Owner("o")).
		Group("Staff", []string{"o", "p"}, dt.Closed, dt.ReportsToManager, dt.Owner("o")).
		Group("Legacy", []string{"o"}, dt.Closed, dt.Owner("o")).
		Snapshot()
	online = dt.New().Mailbox("o", "p").Contact("x", "x@partner.example").
		Group("Sales", []string{"x", "o", "p"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).
		Group("Staff", []string{"o", "p"}, dt.Closed, dt.ReportsToManager, dt.Owner("o")).
		Group("Teams Only", []string{"o"}, dt.Kind(directory.Microsoft365), dt.Owner("o")).
		Edit(func(s *directory.Snapshot) {
			for i := range s.Groups {
				s.Groups[i].ID = "entra-" + s.Groups[i].ID
			}
		}).
		Snapshot()
	return onprem, online
}

func TestDiff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := hybridSnapshots()
	pa, pb := filepath.Join(dir, "onprem.json"), filepath.Join(dir, "online.json")
	writeSnapshotAt(t, pa, a)
	writeSnapshotAt(t, pb, b)
	js, cs, xl := filepath.Join(dir, "d.json"), filepath.Join(dir, "d.csv"), filepath.Join(dir, "d.xlsx")
	code, _, stderr := dgaudit(t, "diff", pa, pb, "-o", js, "-o", cs, "-o", xl)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	golden(t, filepath.Join("testdata", "diff-summary.golden.txt"), stable(stderr, dir))
	for _, p := range []string{js, cs} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "diff.golden"+filepath.Ext(p)), stable(string(data), dir))
	}
	f, err := excelize.OpenFile(xl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Comparison,Differences" {
		t.Errorf("sheets %s", got)
	}
	rows, _ := f.GetRows("Differences")
	csvData, _ := os.ReadFile(cs)
	if want := strings.Count(string(csvData), "\n"); len(rows) != want {
		t.Errorf("xlsx has %d rows, csv %d lines", len(rows), want)
	}

	// Two reports of one system pair by ID.
	ra, rb := filepath.Join(dir, "ra.json"), filepath.Join(dir, "rb.json")
	dgaudit(t, "audit", "--snapshot", pa, "-o", ra, "--fail-on", "none")
	dgaudit(t, "audit", "--snapshot", pa, "-o", rb, "--fail-on", "none", "--internal-domain", "partner.example")
	code, stdout, stderr := dgaudit(t, "diff", ra, rb, "-o", "-")
	if code != exitOK || !strings.Contains(stderr, "paired by object-id") || !strings.Contains(stdout, `"membersCompared": "external recipients"`) || !strings.Contains(stdout, `"x@partner.example"`) {
		t.Errorf("reports: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", pa}, "diff takes two files"},
		{[]string{"diff", pa, ra}, "compare two snapshots or two reports"},
		{[]string{"diff", pa, pb, "-o", filepath.Join(dir, "d.txt")}, "want .json, .xlsx or .csv"},
	} {
		if code, _, stderr := dgaudit(t, tc.args...); code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d\n%s", tc.args, code, stderr)
		}
	}
	if code, _, stderr := dgaudit(t, "diff", pa, filepath.Join(dir, "missing.json")); code != exitRuntime || !strings.Contains(stderr, "missing.json") {
		t.Errorf("missing file: exit %d\n%s", code, stderr)
	}
}

// TestDiffUnreadMembership: a group whose membership one side could not
// read is not reported as having lost its members, the notes name the gap
// and the group, and diff exits 4 as an incomplete audit does; reports of
// the same snapshots compare the same way.
func TestDiffUnreadMembership(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	read := dt.New().Mailbox("o").Contact("x", "x@partner.example").Contact("y", "y@partner.example").
		Group("G1", []string{"x", "y", "o"}, dt.Open, dt.ReportsToOriginator, dt.Owner("o"))
	pa, pb := filepath.Join(dir, "s2.json"), filepath.Join(dir, "s2_unread.json")
	writeSnapshotAt(t, pa, read.Snapshot())
	writeSnapshotAt(t, pb, read.Edit(func(s *directory.Snapshot) {
		s.Groups[0].Members, s.Groups[0].MembersUnknown = nil, true
		s.Coverage.AddGap("group-members", "G1", "access denied")
	}).Snapshot())
	ra, rb := filepath.Join(dir, "ra.json"), filepath.Join(dir, "rb.json")
	dgaudit(t, "audit", "--snapshot", pa, "-o", ra, "--fail-on", "none")
	dgaudit(t, "audit", "--snapshot", pb, "-o", rb, "--fail-on", "none")
	for _, files := range [][2]string{{pa, pb}, {ra, rb}, {pb, pa}} {
		code, stdout, stderr := dgaudit(t, "diff", files[0], files[1], "-o", "-")
		if code != exitGaps {
			t.Errorf("%s vs %s: exit %d, want %d\n%s", files[0], files[1], code, exitGaps, stderr)
		}
		var doc struct {
			Members []json.RawMessage `json:"members"`
			Notes   []string          `json:"notes"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("diff json: %v\n%s", err, stdout)
		}
		if len(doc.Members) != 0 {
			t.Errorf("%s vs %s: membership differences %s, want none (not read)", files[0], files[1], doc.Members)
		}
		notes := strings.Join(doc.Notes, "\n")
		for _, want := range []string{"s2_unread.json is incomplete, 1 coverage gap: group-members G1 (access denied)", "G1 <g1@corp.example>: membership not read in"} {
			if files[0] == ra && strings.HasPrefix(want, "s2_unread") {
				want = "rb.json is incomplete, 1 coverage gap: group-members G1 (access denied)"
			}
			if !strings.Contains(notes, want) || !strings.Contains(stderr, want) {
				t.Errorf("%s vs %s: want note %q\nnotes: %s\nstderr: %s", files[0], files[1], want, notes, stderr)
			}
		}
		if !strings.Contains(stderr, "exit 4: compared with gaps") {
			t.Errorf("stderr does not explain the exit code:\n%s", stderr)
		}
	}
}

// TestDiffReportSettingsUnread: in a report, a group whose settings alone
// were not read still has all its external recipients, so two reports are
// compared on them; only the settings are left out, and diff exits 4 for
// them. A group whose membership was unread is not compared on it.
func TestDiffReportSettingsUnread(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		edit     func(*directory.Group)
		compared bool
		note     string
	}{
		{"settings unread", func(g *directory.Group) { g.SettingsUnknown = true }, true, "G1 <g1@corp.example>: settings not read in B"},
		{"membership unread", func(g *directory.Group) { g.MembersUnknown = true }, false, "G1 <g1@corp.example>: membership not read in B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			before := dt.New().Mailbox("o").Contact("x", "x@partner.example").Contact("y", "y@partner.example").
				Group("G1", []string{"x", "o"}, dt.Open, dt.Owner("o"))
			after := dt.New().Mailbox("o").Contact("x", "x@partner.example").Contact("y", "y@partner.example").
				Group("G1", []string{"x", "y", "o"}, dt.Open, dt.Owner("o"), tt.edit)
			pa, pb := filepath.Join(dir, "a.snapshot.json"), filepath.Join(dir, "b.snapshot.json")
			writeSnapshotAt(t, pa, before.Snapshot())
			writeSnapshotAt(t, pb, after.Snapshot())
			ra, rb := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
			dgaudit(t, "audit", "--snapshot", pa, "-o", ra, "--fail-on", "none")
			dgaudit(t, "audit", "--snapshot", pb, "-o", rb, "--fail-on", "none")
			code, stdout, stderr := dgaudit(t, "diff", ra, rb, "-o", "-")
			if code != exitGaps {
				t.Errorf("exit %d, want %d\n%s", code, exitGaps, stderr)
			}
			var doc struct {
				Members []struct {
					OnlyInB []string `json:"onlyInB"`
				} `json:"members"`
				Notes []string `json:"notes"`
			}
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("diff json: %v\n%s", err, stdout)
			}
			gotCompared := len(doc.Members) == 1 && strings.Join(doc.Members[0].OnlyInB, ",") == "y@partner.example"
			if gotCompared != tt.compared {
				t.Errorf("y@partner.example reported as added = %v, want %v\n%s", gotCompared, tt.compared, stdout)
			}
			notes := strings.Join(doc.Notes, "\n")
			if !strings.Contains(notes, tt.note) {
				t.Errorf("notes do not say %q:\n%s", tt.note, notes)
			}
			if tt.compared && strings.Contains(notes, "membership not read") {
				t.Errorf("notes call the membership unread:\n%s", notes)
			}
		})
	}
}

// TestDiffBrokenSide: a file that is a snapshot but does not parse is named
// as a broken snapshot, not as "neither a report (it is a snapshot) nor a
// snapshot"; a file that is neither still says so.
func TestDiffBrokenSide(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	snap := writeSnapshot(t, cleanSnapshot())
	data, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "trunc.json")
	if err := os.WriteFile(trunc, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.json")
	if err := os.WriteFile(other, []byte(`{"hello": "world"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file string
		want       []string
		not        string
	}{
		{"truncated snapshot", trunc, []string{"dgaudit: snapshot " + trunc + ": ", "truncated"}, "neither"},
		{"neither", other, []string{"read " + other + ": neither a report (", ") nor a snapshot: "}, "dgaudit: snapshot "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, "diff", snap, tc.file)
			if code != exitRuntime || strings.Contains(stderr, tc.not) {
				t.Errorf("exit %d, want %d without %q\n%s", code, exitRuntime, tc.not, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q\n%s", w, stderr)
				}
			}
		})
	}
}
