package audit

import (
	"slices"
	"testing"
	"time"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	f := func(rule string, s Severity) Finding { return Finding{Rule: rule, Severity: s} }
	r := func(rule string, s Severity) FindingRef { return FindingRef{Rule: rule, Severity: s} }
	rep := &Report{
		Groups: []GroupResult{
			{ID: "new", Name: "renamed-is-not-new", Score: 90, Findings: []Finding{f("ndr-loop-risk", Critical)}},
			{ID: "worse", Score: 70, Findings: []Finding{f("oof-storm-risk", High), f("no-owner", Low)}},
			{ID: "better", Score: 20, Findings: []Finding{f("no-owner", Low)}},
			{ID: "same", Score: 20, Findings: []Finding{f("no-owner", Low)}},
			{ID: "sevup", Score: 20, Findings: []Finding{f("no-owner", Medium)}},
			{ID: "clean", Score: 0},
			{ID: "fixed", Score: 0},
		},
		OrgFindings: []Finding{f("external-oof-allowed", Low)},
	}
	base := &Baseline{Groups: []BaselineGroup{
		{ID: "new", Name: "old name"},
		{ID: "worse", Score: 22, Findings: []FindingRef{r("no-owner", Low)}},
		{ID: "better", Score: 90, Findings: []FindingRef{r("ndr-loop-risk", Critical), r("no-owner", Low)}},
		{ID: "same", Score: 20, Findings: []FindingRef{r("no-owner", Low)}},
		{ID: "sevup", Score: 20, Findings: []FindingRef{r("no-owner", Low)}},
		{ID: "fixed", Score: 45, Findings: []FindingRef{r("open-to-external-senders", Medium)}},
		{ID: "gone", Score: 45, Findings: []FindingRef{r("open-to-external-senders", Medium)}},
		{ID: "gone-clean"},
	}}
	ch := Compare(rep, base)
	got := map[string]Change{}
	for _, g := range ch.Groups {
		got[g.ID] = g.Change
	}
	want := map[string]Change{"new": ChangeNew, "worse": ChangeWorsened, "better": ChangeImproved, "same": ChangeUnchanged,
		"sevup": ChangeWorsened, "fixed": ChangeResolved, "gone": ChangeResolved}
	for id, c := range want {
		if got[id] != c {
			t.Errorf("%s: %q, want %q", id, got[id], c)
		}
	}
	if _, ok := got["clean"]; ok || len(got) != len(want) {
		t.Errorf("groups without findings before or now must not be listed: %v", got)
	}
	if ch.Groups[0].ID != "new" || ch.Counts[ChangeResolved] != 2 {
		t.Errorf("order or counts: first %s, %v", ch.Groups[0].ID, ch.Counts)
	}
	if ch.Organization == nil || ch.Organization.Change != ChangeWorsened {
		t.Errorf("organization: %+v", ch.Organization)
	}
	if rep.Groups[0].Change != ChangeNew {
		t.Error("GroupResult.Change not set")
	}
	tests := []struct {
		min  Severity
		want bool
	}{{Critical, true}, {High, true}, {Info, true}}
	for _, tt := range tests {
		if got := ch.NewOrWorseAtLeast(tt.min); got != tt.want {
			t.Errorf("NewOrWorseAtLeast(%s) = %v", tt.min, got)
		}
	}
	// Only the severity rise and a low org finding are new: nothing high.
	small := Compare(&Report{Groups: rep.Groups[4:5]}, &Baseline{Groups: base.Groups[4:5]})
	if small.NewOrWorseAtLeast(High) || !small.NewOrWorseAtLeast(Medium) {
		t.Errorf("severity rise low->medium: %+v", small.Groups)
	}
}

// TestCompareWithGaps: a group missing from a run with coverage gaps may
// just not have been read, so it is not-read, never resolved; a group that
// was read and is clean is still resolved.
func TestCompareWithGaps(t *testing.T) {
	t.Parallel()
	r := FindingRef{Rule: "open-to-external-senders", Severity: Medium}
	rep := &Report{Groups: []GroupResult{{ID: "fixed", Score: 0}, {ID: "settings-unread", Score: 0, SettingsUnknown: true, Incomplete: true},
		{ID: "members-unread", Score: 0, MembersIncomplete: true, Incomplete: true}}}
	rep.Coverage.AddGap("dynamic-groups", "", "Exchange Online could not be read")
	base := &Baseline{Groups: []BaselineGroup{
		{ID: "fixed", Score: 45, Findings: []FindingRef{r}},
		{ID: "unread", Score: 45, Findings: []FindingRef{r}},
		{ID: "settings-unread", Score: 45, Findings: []FindingRef{r}},
		{ID: "members-unread", Score: 45, Findings: []FindingRef{r}},
	}}
	ch := Compare(rep, base)
	got := map[string]Change{}
	for _, g := range ch.Groups {
		got[g.ID] = g.Change
	}
	if got["fixed"] != ChangeResolved || got["unread"] != ChangeNotRead || got["settings-unread"] != ChangeNotRead || got["members-unread"] != ChangeNotRead {
		t.Errorf("changes %v: want fixed resolved, unread, settings-unread and members-unread not-read", got)
	}
	if ch.Counts[ChangeResolved] != 1 || ch.Counts[ChangeNotRead] != 3 {
		t.Errorf("counts %v", ch.Counts)
	}
}

func TestSuppressor(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	list := []Suppression{
		{ObjectID: "g", Rule: AnyRule, Reason: "any"},
		{ObjectID: "g", Rule: "no-owner", Reason: "specific"},
		{ObjectID: "g", Rule: "empty-group", Expires: now},
		{ObjectID: "gone", Rule: "no-owner", Expires: now.AddDate(0, 0, 1)},
	}
	s := newSuppressor(list, now)
	kept, sup := s.split("g", []Finding{{Rule: "no-owner"}, {Rule: "ndr-loop-risk"}, {Rule: "empty-group"}})
	if len(kept) != 0 || len(sup) != 3 {
		t.Fatalf("kept %v, suppressed %v", kept, sup)
	}
	if sup[0].By.Reason != "specific" || sup[1].By.Reason != "any" {
		t.Errorf("a rule's own entry must win over *: %+v", sup)
	}
	var states []SuppressionState
	for _, r := range s.results {
		states = append(states, r.State)
	}
	want := []SuppressionState{SuppressionActive, SuppressionActive, SuppressionExpired, SuppressionUnmatched}
	if !slices.Equal(states, want) {
		t.Errorf("states %v, want %v", states, want)
	}
	kept, _ = s.split("other", []Finding{{Rule: "no-owner"}})
	if len(kept) != 1 {
		t.Error("another group's finding was suppressed")
	}
	var none *suppressor
	if kept, sup := none.split("g", []Finding{{Rule: "x"}}); len(kept) != 1 || sup != nil {
		t.Error("nil suppressor must keep everything")
	}
}
