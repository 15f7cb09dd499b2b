package audit_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// TestUnreadNestedSettings: a nested group whose settings were not read is
// not taken for a stop, so outside senders count as reaching what is behind
// it; the group above is incomplete and names it only when its count depends
// on it: not when it stops outside senders itself, a read group above the
// unread one stops them, nothing external is behind it, or a path through
// read groups alone reaches the same recipients.
func TestUnreadNestedSettings(t *testing.T) {
	t.Parallel()
	unread := func(g *directory.Group) { g.SettingsUnknown = true }
	tests := []struct {
		name       string
		build      func(b *dt.Builder) *dt.Builder
		reachable  int
		nested     []string
		incomplete bool
	}{
		{"open above unread", func(b *dt.Builder) *dt.Builder {
			return b.Group("U", []string{"x", "y"}, unread).Group("Top", []string{"U", "m"}, dt.Open)
		}, 2, []string{"U"}, true},
		{"closed above unread", func(b *dt.Builder) *dt.Builder {
			return b.Group("U", []string{"x", "y"}, unread).Group("Top", []string{"U", "m"}, dt.Closed)
		}, 0, nil, false},
		{"read stop between", func(b *dt.Builder) *dt.Builder {
			return b.Group("U", []string{"x", "y"}, unread).Group("Mid", []string{"U"}, dt.Moderated).Group("Top", []string{"Mid"}, dt.Open)
		}, 0, nil, false},
		{"nothing external behind", func(b *dt.Builder) *dt.Builder {
			return b.Group("U", []string{"m"}, unread).Group("Top", []string{"U", "x"}, dt.Open)
		}, 1, nil, false},
		{"read path reaches the same", func(b *dt.Builder) *dt.Builder {
			return b.Group("U", []string{"x"}, unread).Group("Side", []string{"x"}, dt.Open).Group("Top", []string{"U", "Side"}, dt.Open)
		}, 1, nil, false},
		{"first unread on the path", func(b *dt.Builder) *dt.Builder {
			return b.Group("U2", []string{"x"}, unread).Group("U1", []string{"U2"}, unread).Group("Top", []string{"U1"}, dt.Open)
		}, 1, []string{"U1"}, true},
		{"beside a read stop", func(b *dt.Builder) *dt.Builder {
			return b.Group("U", []string{"x"}, unread).Group("Shut", []string{"y"}, dt.Closed).Group("Top", []string{"U", "Shut"}, dt.Open)
		}, 1, []string{"U"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := dt.New().Mailbox("m").Contact("x", "x@partner.example").Contact("y", "y@partner.example")
			top := group(t, run(t, tt.build(b).Snapshot(), audit.Options{}), "Top")
			got := []any{top.ExternalReachable, top.NestedSettingsUnknown, top.Incomplete, top.MembersIncomplete, top.SettingsUnknown}
			want := []any{tt.reachable, tt.nested, tt.incomplete, false, false}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reachable, nested unread, incomplete, members incomplete, settings unknown (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompareUnreadNestedSettings: Outer, open and reporting to the
// originator, reaches three external contacts through Inner. When Inner's
// settings cannot be read the next night, Outer keeps its loop finding and is
// incomplete, so it is never called improved for want of data; once Outer
// stops outside senders itself, Inner no longer matters and the fix counts.
func TestCompareUnreadNestedSettings(t *testing.T) {
	t.Parallel()
	build := func(inner, outer func(*directory.Group)) *directory.Snapshot {
		return dt.New().Mailbox("m").
			Contact("x", "x@partner.example").Contact("y", "y@partner.example").Contact("z", "z@partner.example").
			Group("Inner", []string{"x", "y", "z"}, dt.Open, dt.Owner("m"), inner).
			Group("Outer", []string{"Inner", "m"}, dt.Open, dt.ReportsToOriginator, dt.Owner("m"), outer).
			Snapshot()
	}
	same := func(*directory.Group) {}
	unread := func(g *directory.Group) {
		g.SettingsUnknown, g.RequireSenderAuth = true, directory.Unset
	}
	base := baselineOf(auditedAgainst(t, build(same, same), nil))
	tests := []struct {
		name      string
		outer     func(*directory.Group)
		loop      bool
		nested    []string
		change    audit.Change
		reachable int
	}{
		{"inner unread", same, true, []string{"Inner"}, audit.ChangeUnchanged, 3},
		{"inner unread, outer stops reporting to the originator", func(g *directory.Group) { g.ReportToOriginator = directory.False },
			false, []string{"Inner"}, audit.ChangeNotRead, 3},
		{"inner unread, outer closed", dt.Closed, false, nil, audit.ChangeImproved, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := build(unread, tt.outer)
			s.Coverage.AddGap("group-settings", "Inner", "not returned by Exchange Online")
			rep := auditedAgainst(t, s, base)
			outer := group(t, rep, "Outer")
			loop := false
			for _, f := range outer.Findings {
				loop = loop || f.Rule == "ndr-loop-risk"
			}
			got := []any{loop, outer.ExternalReachable, outer.NestedSettingsUnknown, outer.Incomplete, outer.Change}
			want := []any{tt.loop, tt.reachable, tt.nested, tt.nested != nil, tt.change}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ndr-loop-risk, reachable, nested unread, incomplete, change (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUnreadGroupListsNoNestedSettings: a group whose own settings were not
// read lists no nested groups with unread settings, though what lies behind
// them still counts as reachable: no rule that would rest on that count runs
// on it, and settingsUnknown already says the group was not read. Every group
// of a Microsoft 365 scan without Exchange Online is such a group.
func TestUnreadGroupListsNoNestedSettings(t *testing.T) {
	t.Parallel()
	unread := func(g *directory.Group) { g.SettingsUnknown = true }
	snap := dt.New().Mailbox("m").Contact("x", "x@partner.example").Contact("y", "y@partner.example").
		Group("U", []string{"x", "y"}, unread).
		Group("Top", []string{"U", "m"}, unread).
		Snapshot()
	top := group(t, run(t, snap, audit.Options{}), "Top")
	got := []any{top.ExternalReachable, top.NestedSettingsUnknown, top.Incomplete, top.SettingsUnknown, top.IncompleteParts()}
	want := []any{2, []string(nil), true, true, []string{audit.PartSettings}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reachable, nested unread, incomplete, settings unknown, parts (-want +got):\n%s", diff)
	}
}
