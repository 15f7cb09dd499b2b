package audit_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// TestIncompleteParts: Incomplete is set for either part left unread, and
// the reason flags tell them apart, so that a group whose settings alone were
// unread is never taken for one whose counts are lower bounds.
func TestIncompleteParts(t *testing.T) {
	t.Parallel()
	settingsUnread := func(g *directory.Group) { g.SettingsUnknown = true }
	membersUnread := func(g *directory.Group) { g.Members, g.MembersUnknown = nil, true }
	tests := []struct {
		name         string
		outer, inner func(*directory.Group)
		members      bool
		settings     bool
		nested       bool
		parts        []string
	}{
		{"read in full", nil, nil, false, false, false, nil},
		{"settings unread", settingsUnread, nil, false, true, false, []string{audit.PartSettings}},
		{"own membership unread", membersUnread, nil, true, false, false, []string{audit.PartMembership}},
		{"nested membership unread", nil, membersUnread, true, false, false, []string{audit.PartMembership}},
		// Outer's reachable count depends on Inner's unread settings.
		{"nested settings unread", nil, settingsUnread, false, false, true, []string{audit.PartNestedSettings}},
		{"unresolved member", func(g *directory.Group) { g.Members = append(g.Members, "ghost") }, nil, true, false, false, []string{audit.PartMembership}},
		{"both unread", func(g *directory.Group) { settingsUnread(g); g.MembersUnknown = true }, nil, true, true, false,
			[]string{audit.PartMembership, audit.PartSettings}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			edit := func(name string, f func(*directory.Group)) func(*directory.Snapshot) {
				return func(s *directory.Snapshot) {
					for i := range s.Groups {
						if s.Groups[i].Name == name && f != nil {
							f(&s.Groups[i])
						}
					}
				}
			}
			snap := dt.New().Mailbox("o").Contact("x", "x@partner.example").
				Group("Inner", []string{"x"}, dt.Open).
				Group("Outer", []string{"Inner", "o"}, dt.Open).
				Edit(edit("Outer", tt.outer)).Edit(edit("Inner", tt.inner)).Snapshot()
			rep, err := audit.Run(context.Background(), snap, nil, audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var g *audit.GroupResult
			for i := range rep.Groups {
				if rep.Groups[i].Name == "Outer" {
					g = &rep.Groups[i]
				}
			}
			if g == nil {
				t.Fatal("Outer is not in the report")
			}
			got := []any{g.Incomplete, g.MembersIncomplete, g.SettingsUnknown, g.IncompleteParts()}
			want := []any{tt.members || tt.settings || tt.nested, tt.members, tt.settings, tt.parts}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Incomplete, MembersIncomplete, SettingsUnknown, IncompleteParts (-want +got):\n%s", diff)
			}
		})
	}
}
