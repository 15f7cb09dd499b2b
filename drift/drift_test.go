package drift

import (
	"slices"
	"testing"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	g := func(id, name, mail, auth string, members ...string) Group {
		return Group{ID: id, Name: name, Mail: mail, Kind: "distribution",
			Settings: []Setting{{Name: "RequireSenderAuthenticationEnabled", Value: auth}}, Members: members}
	}
	tests := []struct {
		name              string
		a, b              Side
		match             Match
		onlyA, onlyB      int
		settings, members int
		same              int
		membersCompared   string
	}{
		{
			name:  "same system pairs by ID, a rename is a setting",
			a:     Side{MembersAre: "direct members", Groups: []Group{g("1", "Sales", "sales@x", "false", "a@x"), g("2", "Old", "old@x", "true")}},
			b:     Side{MembersAre: "direct members", Groups: []Group{g("1", "Sales EU", "sales@x", "true", "a@x", "b@x"), g("3", "New", "new@x", "true")}},
			match: MatchID, onlyA: 1, onlyB: 1, settings: 2, members: 1, membersCompared: "direct members",
		},
		{
			name:  "different systems pair by address, case-insensitively",
			a:     Side{MembersAre: "direct members", Groups: []Group{g("guid-1", "Sales", "Sales@X", "true", "a@x")}},
			b:     Side{MembersAre: "direct members", Groups: []Group{g("entra-1", "Sales", "sales@x", "true", "a@x")}},
			match: MatchMail, same: 1, membersCompared: "direct members",
		},
		{
			name:  "unlike membership is not compared",
			a:     Side{MembersAre: "direct members", Groups: []Group{g("1", "S", "s@x", "true", "a@x")}},
			b:     Side{MembersAre: "external recipients", Groups: []Group{g("1", "S", "s@x", "true", "z@y")}},
			match: MatchID, same: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Compare(&tt.a, &tt.b)
			if r.MatchedBy != tt.match || len(r.OnlyInA) != tt.onlyA || len(r.OnlyInB) != tt.onlyB ||
				len(r.Settings) != tt.settings || len(r.Members) != tt.members || r.Same != tt.same || r.MembersCompared != tt.membersCompared {
				t.Errorf("got match %s, only %d/%d, settings %d, members %d, same %d, compared %q; notes %v",
					r.MatchedBy, len(r.OnlyInA), len(r.OnlyInB), len(r.Settings), len(r.Members), r.Same, r.MembersCompared, r.Notes)
			}
		})
	}
}

func TestSetDiff(t *testing.T) {
	t.Parallel()
	a, b := setDiff([]string{"c", "a", "b", "a"}, []string{"b", "d"})
	if !slices.Equal(a, []string{"a", "c"}) || !slices.Equal(b, []string{"d"}) {
		t.Errorf("setDiff = %v, %v", a, b)
	}
}
