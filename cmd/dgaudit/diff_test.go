package main

import (
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
