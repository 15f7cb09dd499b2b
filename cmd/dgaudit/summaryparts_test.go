package main

import (
	"strings"
	"testing"

	"dgaudit/audit"
)

func TestGapObjectNamesTheGroup(t *testing.T) {
	t.Parallel()
	rep := &audit.Report{Groups: []audit.GroupResult{{ID: "0dd3cb12", Name: "All Contractors"}, {ID: "nameless"}}}
	for object, want := range map[string]string{
		"0dd3cb12":           "All Contractors (0dd3cb12)",
		"nameless":           "nameless",
		"CN=EX01,CN=Servers": "CN=EX01,CN=Servers",
		"":                   "",
	} {
		if got := gapObject(rep, object); got != want {
			t.Errorf("gapObject(%q) = %q, want %q", object, got, want)
		}
	}
}

// When rows kept to find copies were let go, the count of rows found twice
// is a lower bound, and the read line says so.
func TestDuplicateCountSaysWhenALowerBound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   audit.TrafficInput
		want string
	}{
		{audit.TrafficInput{}, ""},
		{audit.TrafficInput{Duplicates: 1}, ", 1 row found in more than one export counted once"},
		{audit.TrafficInput{Duplicates: 300000}, ", 300000 rows found in more than one export counted once"},
		{audit.TrafficInput{Duplicates: 248576, DuplicatesAtLeast: true}, ", at least 248576 rows found in more than one export counted once"},
		{audit.TrafficInput{Unmatched: 1}, "; 1 export overlaps others in time but its rows could not be matched with theirs (see its notes): rows of the overlap may be counted twice"},
		{audit.TrafficInput{Duplicates: 3, Unmatched: 2}, ", 3 rows found in more than one export counted once; 2 exports overlap others in time but their rows could not be matched (see their notes): rows of the overlap may be counted twice"},
	} {
		if got := duplicateCount(tt.in); got != tt.want {
			t.Errorf("duplicateCount(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadCountLeavesOutFailedFiles(t *testing.T) {
	t.Parallel()
	ok, failed := audit.TrafficFile{Path: "a"}, audit.TrafficFile{Path: "b", Error: "HTTP 503"}
	for _, tt := range []struct {
		files []audit.TrafficFile
		want  string
	}{
		{[]audit.TrafficFile{ok, ok, ok}, "3"},
		{[]audit.TrafficFile{ok, failed, failed}, "1 of 3"},
		{nil, "0"},
	} {
		if got := readCount(tt.files); got != tt.want {
			t.Errorf("readCount(%v) = %q, want %q", tt.files, got, tt.want)
		}
	}
}

// TestIncompleteSummaryNamesUnreadNestedGroups: a group read in full whose
// reachable count depends on a nested group with unread settings has its
// own line, naming the nested group, and is not on the members or settings
// lines.
func TestIncompleteSummaryNamesUnreadNestedGroups(t *testing.T) {
	t.Parallel()
	groups := []audit.GroupResult{
		{Name: "Outer", Incomplete: true, NestedSettingsUnknown: []string{"Inner", "Other"}},
		{Name: "Inner", Incomplete: true, SettingsUnknown: true},
		{Name: "Whole"},
	}
	var b strings.Builder
	writeIncompleteSummary(&b, groups)
	want := "incomplete: 1 groups have delivery settings that could not be read (the rules that judge them did not run): Inner\n" +
		"incomplete: 1 groups reach external recipients through nested groups whose settings could not be read " +
		"(counted as reachable by outside senders): Outer (through Inner, Other)\n"
	if got := b.String(); got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}

// TestChangesSummaryOrganizationNotRead: organization findings gone while
// their area was not read are said to be so, not left to look fixed.
func TestChangesSummaryOrganizationNotRead(t *testing.T) {
	t.Parallel()
	removed := []audit.FindingRef{{Rule: "receive-connector-open-relay", Severity: audit.High}}
	for _, tt := range []struct {
		change audit.Change
		want   bool
	}{{audit.ChangeNotRead, true}, {audit.ChangeImproved, false}} {
		var b strings.Builder
		writeChangesSummary(&b, &audit.Changes{Organization: &audit.GroupChange{Change: tt.change, Removed: removed}})
		line := "  organization: not-read: gone while what they judge could not be read: receive-connector-open-relay (high)\n"
		if got := strings.Contains(b.String(), line); got != tt.want {
			t.Errorf("%s: summary has the not-read line = %v, want %v:\n%s", tt.change, got, tt.want, b.String())
		}
	}
}

// TestIncompleteSummaryNamesUnreadOwners: a group in manager mode whose first
// owner could not be read has its own line, and is on no other.
func TestIncompleteSummaryNamesUnreadOwners(t *testing.T) {
	t.Parallel()
	groups := []audit.GroupResult{
		{Name: "Managed", Incomplete: true, OwnerUnknown: true},
		{Name: "Whole"},
	}
	var b strings.Builder
	writeIncompleteSummary(&b, groups)
	want := "incomplete: 1 groups are in manager mode with a first owner that could not be read or resolved " +
		"(whether their delivery reports go to a group is unknown: rule manager-is-group): Managed\n"
	if got := b.String(); got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}
