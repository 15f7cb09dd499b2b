package audit

import (
	"reflect"
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

// A paired group one side could not read in full is not compared on that
// part: an unread membership is not "members removed", an unread setting
// is not a changed one. The notes name it and each side's coverage gaps, and
// the comparison is incomplete.
func TestCompareDriftUnread(t *testing.T) {
	t.Parallel()
	g := func(id string, members ...string) DriftGroup {
		return DriftGroup{ID: id, Name: "N" + id, Mail: id + "@x", Kind: "distribution",
			Settings: []DriftValue{{Name: "RequireSenderAuthenticationEnabled", Value: "false"}}, Members: members}
	}
	membersUnread := func(d DriftGroup) DriftGroup {
		d.Members, d.MembersUnknown = nil, true
		return d
	}
	settingsUnread := func(d DriftGroup) DriftGroup {
		d.Settings, d.SettingsUnknown = DriftUnknown(d.Settings), true
		return d
	}
	gap := directory.Gap{What: "group-members", Object: "g1", Reason: "access denied"}
	tests := []struct {
		name       string
		a, b       DriftSide
		unread     []DriftUnread
		members    int
		settings   int
		same       int
		incomplete bool
		notes      []string
	}{
		{
			name: "members unread in B",
			a:    DriftSide{Label: "a.json", MembersAre: "direct members", Groups: []DriftGroup{g("g1", "x@p", "y@p", "o@x")}},
			b: DriftSide{Label: "b.json", MembersAre: "direct members", Groups: []DriftGroup{membersUnread(g("g1"))},
				Gaps: []directory.Gap{gap}},
			unread:     []DriftUnread{{Group: DriftGroupRef{Name: "Ng1", Mail: "g1@x", IDA: "g1", IDB: "g1"}, What: "membership", Sides: "B"}},
			incomplete: true,
			notes: []string{"b.json is incomplete, 1 coverage gap: group-members g1 (access denied); groups missing on that side or differing may not have been read",
				"not compared because a side could not read it: Ng1 <g1@x>: membership not read in B"},
		},
		{
			name:       "members unread in A, without a gap",
			a:          DriftSide{Label: "a.json", MembersAre: "external recipients", Groups: []DriftGroup{membersUnread(g("g1"))}},
			b:          DriftSide{Label: "b.json", MembersAre: "external recipients", Groups: []DriftGroup{g("g1", "x@p")}},
			unread:     []DriftUnread{{Group: DriftGroupRef{Name: "Ng1", Mail: "g1@x", IDA: "g1", IDB: "g1"}, What: "membership", Sides: "A"}},
			incomplete: true,
			notes:      []string{"not compared because a side could not read it: Ng1 <g1@x>: membership not read in A"},
		},
		{
			name:       "settings unread on both sides, membership still compared",
			a:          DriftSide{Label: "a.json", MembersAre: "direct members", Groups: []DriftGroup{settingsUnread(g("g1", "x@p"))}},
			b:          DriftSide{Label: "b.json", MembersAre: "direct members", Groups: []DriftGroup{settingsUnread(g("g1"))}},
			unread:     []DriftUnread{{Group: DriftGroupRef{Name: "Ng1", Mail: "g1@x", IDA: "g1", IDB: "g1"}, What: "settings", Sides: "A and B"}},
			members:    1,
			incomplete: true,
			notes:      []string{"not compared because a side could not read it: Ng1 <g1@x>: settings not read in A and B"},
		},
		{
			name: "settings unread in B only: no difference reported",
			a:    DriftSide{Label: "a.json", MembersAre: "direct members", Groups: []DriftGroup{g("g1")}},
			b: DriftSide{Label: "b.json", MembersAre: "direct members", Groups: []DriftGroup{func() DriftGroup {
				d := settingsUnread(g("g1"))
				d.Settings[0].Value = SourceUnknown
				return d
			}()}},
			unread:     []DriftUnread{{Group: DriftGroupRef{Name: "Ng1", Mail: "g1@x", IDA: "g1", IDB: "g1"}, What: "settings", Sides: "B"}},
			incomplete: true,
			notes:      []string{"not compared because a side could not read it: Ng1 <g1@x>: settings not read in B"},
		},
		{
			name: "read in full",
			a:    DriftSide{Label: "a.json", MembersAre: "direct members", Groups: []DriftGroup{g("g1", "x@p")}},
			b:    DriftSide{Label: "b.json", MembersAre: "direct members", Groups: []DriftGroup{g("g1", "x@p")}},
			same: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := CompareDrift(&tt.a, &tt.b)
			if !reflect.DeepEqual(r.Unread, tt.unread) {
				t.Errorf("unread %+v, want %+v", r.Unread, tt.unread)
			}
			if len(r.Members) != tt.members || len(r.Settings) != tt.settings || r.Same != tt.same || r.Incomplete() != tt.incomplete {
				t.Errorf("members %+v, settings %+v, same %d, incomplete %v", r.Members, r.Settings, r.Same, r.Incomplete())
			}
			if !slices.Equal(r.Notes, tt.notes) {
				t.Errorf("notes\n%q\nwant\n%q", r.Notes, tt.notes)
			}
		})
	}
}

// A snapshot side carries its coverage gaps and which groups' membership
// and settings were not read.
func TestDriftSideOfSnapshotUnread(t *testing.T) {
	t.Parallel()
	snap := &directory.Snapshot{Groups: []directory.Group{
		{Recipient: directory.Recipient{ID: "g1", Name: "Unread", Mail: "unread@corp.example"}, Kind: directory.Distribution, MembersUnknown: true},
		{Recipient: directory.Recipient{ID: "g2", Name: "Read", Mail: "read@corp.example"}, Kind: directory.Distribution, SettingsUnknown: true},
	}}
	snap.Coverage.AddGap("group-members", "g1", "access denied")
	side := DriftSideOfSnapshot("a", snap)
	if len(side.Gaps) != 1 || !side.Groups[0].MembersUnknown || side.Groups[0].SettingsUnknown ||
		side.Groups[1].MembersUnknown || !side.Groups[1].SettingsUnknown {
		t.Errorf("side %+v", side)
	}
}
