package audit

import (
	"slices"
	"testing"

	"dgaudit/directory"
)

func TestCompareDrift(t *testing.T) {
	t.Parallel()
	g := func(id, name, mail, auth string, members ...string) DriftGroup {
		return DriftGroup{ID: id, Name: name, Mail: mail, Kind: "distribution",
			Settings: []DriftValue{{Name: "RequireSenderAuthenticationEnabled", Value: auth}}, Members: members}
	}
	tests := []struct {
		name              string
		a, b              DriftSide
		match             DriftMatch
		onlyA, onlyB      int
		settings, members int
		same              int
		membersCompared   string
	}{
		{
			name:  "same system pairs by ID, a rename is a setting",
			a:     DriftSide{MembersAre: "direct members", Groups: []DriftGroup{g("1", "Sales", "sales@x", "false", "a@x"), g("2", "Old", "old@x", "true")}},
			b:     DriftSide{MembersAre: "direct members", Groups: []DriftGroup{g("1", "Sales EU", "sales@x", "true", "a@x", "b@x"), g("3", "New", "new@x", "true")}},
			match: DriftByID, onlyA: 1, onlyB: 1, settings: 2, members: 1, membersCompared: "direct members",
		},
		{
			name:  "different systems pair by address, case-insensitively",
			a:     DriftSide{MembersAre: "direct members", Groups: []DriftGroup{g("guid-1", "Sales", "Sales@X", "true", "a@x")}},
			b:     DriftSide{MembersAre: "direct members", Groups: []DriftGroup{g("entra-1", "Sales", "sales@x", "true", "a@x")}},
			match: DriftByMail, same: 1, membersCompared: "direct members",
		},
		{
			name:  "unlike membership is not compared",
			a:     DriftSide{MembersAre: "direct members", Groups: []DriftGroup{g("1", "S", "s@x", "true", "a@x")}},
			b:     DriftSide{MembersAre: "external recipients", Groups: []DriftGroup{g("1", "S", "s@x", "true", "z@y")}},
			match: DriftByID, same: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := CompareDrift(&tt.a, &tt.b)
			if r.MatchedBy != tt.match || len(r.OnlyInA) != tt.onlyA || len(r.OnlyInB) != tt.onlyB ||
				len(r.Settings) != tt.settings || len(r.Members) != tt.members || r.Same != tt.same || r.MembersCompared != tt.membersCompared {
				t.Errorf("got match %s, only %d/%d, settings %d, members %d, same %d, compared %q; notes %v",
					r.MatchedBy, len(r.OnlyInA), len(r.OnlyInB), len(r.Settings), len(r.Members), r.Same, r.MembersCompared, r.Notes)
			}
		})
	}
}

func TestDriftSetDiff(t *testing.T) {
	t.Parallel()
	a, b := driftSetDiff([]string{"c", "a", "b", "a"}, []string{"b", "d"})
	if !slices.Equal(a, []string{"a", "c"}) || !slices.Equal(b, []string{"d"}) {
		t.Errorf("driftSetDiff = %v, %v", a, b)
	}
}

// A snapshot group whose settings were not read compares as unknown, not as
// Exchange's defaults and zero owners.
func TestDriftSideOfSnapshotUnknownSettings(t *testing.T) {
	t.Parallel()
	snap := &directory.Snapshot{Groups: []directory.Group{
		{Recipient: directory.Recipient{ID: "g1", Name: "Unread", Mail: "unread@corp.example"}, Kind: directory.Distribution, SettingsUnknown: true},
		{Recipient: directory.Recipient{ID: "g2", Name: "Read", Mail: "read@corp.example"}, Kind: directory.Distribution},
	}}
	side := DriftSideOfSnapshot("a", snap)
	for _, g := range side.Groups {
		for _, v := range g.Settings {
			if unknown := v.Value == SourceUnknown; unknown != (g.Name == "Unread") {
				t.Errorf("%s %s = %q", g.Name, v.Name, v.Value)
			}
		}
	}
}
