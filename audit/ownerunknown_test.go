package audit_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
	"dgaudit/rules"
)

// ghostOwner is a first owner no object of the snapshot has: one in another
// domain, or one the collection could not read.
const ghostOwner = "CN=Gone,OU=Users,DC=child,DC=corp,DC=example"

// TestOwnerUnknown: a group in manager mode whose first owner resolved to
// nothing is incomplete and says why (ownerUnknown, part "owner"), since
// manager-is-group cannot tell whether its delivery reports go to a group.
// Outside manager mode the first owner receives nothing, and a group whose
// settings were not read is settingsUnknown instead.
func TestOwnerUnknown(t *testing.T) {
	t.Parallel()
	bothFlags := func(g *directory.Group) { g.ReportToManager, g.ReportToOriginator = directory.True, directory.True }
	unread := func(g *directory.Group) {
		g.SettingsUnknown, g.ReportToManager = true, directory.Unset
	}
	tests := []struct {
		name       string
		edit       []func(*directory.Group)
		firstOwner string
		unknown    bool
		parts      []string
		finding    bool // manager-is-group
		// noGap: the source recorded no group-owner gap, as for an owner
		// it read and found to be no recipient.
		noGap bool
	}{
		{"manager mode, owner unresolved", []func(*directory.Group){dt.ReportsToManager, dt.Owner(ghostOwner, "m")},
			audit.FirstOwnerUnresolved, true, []string{audit.PartOwner}, false, false},
		{"both flags on, owner unresolved", []func(*directory.Group){bothFlags, dt.Owner(ghostOwner)},
			audit.FirstOwnerUnresolved, true, []string{audit.PartOwner}, false, false},
		{"manager mode, owner read and no recipient", []func(*directory.Group){dt.ReportsToManager, dt.Owner(ghostOwner, "m")},
			audit.FirstOwnerUnresolved, false, nil, false, true},
		{"manager mode, owner a group", []func(*directory.Group){dt.ReportsToManager, dt.Owner("Owners")},
			"group", false, nil, true, false},
		{"manager mode, owner a mailbox", []func(*directory.Group){dt.ReportsToManager, dt.Owner("m", ghostOwner)},
			"mailbox", false, nil, false, false},
		{"manager mode, no owner", []func(*directory.Group){dt.ReportsToManager},
			audit.FirstOwnerNone, false, nil, false, false},
		{"reports to the originator, owner unresolved", []func(*directory.Group){dt.ReportsToOriginator, dt.Owner(ghostOwner)},
			audit.FirstOwnerUnresolved, false, nil, false, false},
		{"no reports, owner unresolved", []func(*directory.Group){dt.Owner(ghostOwner)},
			audit.FirstOwnerUnresolved, false, nil, false, false},
		{"settings unread", []func(*directory.Group){dt.ReportsToManager, dt.Owner(ghostOwner), unread},
			audit.FirstOwnerUnknown, false, []string{audit.PartSettings}, false, false},
	}
	cat := rules.All(rules.DefaultConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			snap := dt.New().Mailbox("m").
				Group("Owners", []string{"m"}, dt.Closed, dt.Owner("m")).
				Group("G", []string{"m"}, append([]func(*directory.Group){dt.Closed}, tt.edit...)...).
				Snapshot()
			if !tt.noGap {
				snap.Coverage.AddGap(directory.CoverGroupOwner, "G", "first owner could not be read")
			}
			rep, err := audit.Run(context.Background(), snap, cat, audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			g := group(t, rep, "G")
			finding := false
			for _, f := range g.Findings {
				finding = finding || f.Rule == "manager-is-group"
			}
			got := []any{g.Settings.FirstOwner, g.OwnerUnknown, g.Incomplete, g.IncompleteParts(), finding, rep.Complete}
			// A gap leaves the run incomplete whatever the group.
			want := []any{tt.firstOwner, tt.unknown, tt.parts != nil, tt.parts, tt.finding, tt.parts == nil && tt.noGap}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("first owner, ownerUnknown, incomplete, parts, manager-is-group, run complete (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompareOwnerUnknownIsNotRead: G, in manager mode with the group Owners
// as first owner, has a manager-is-group finding. When that owner cannot be
// read the next night, the finding goes for want of data: G is not-read, not
// resolved. A mailbox made first owner does resolve it.
func TestCompareOwnerUnknownIsNotRead(t *testing.T) {
	t.Parallel()
	build := func(owner string) *directory.Snapshot {
		return dt.New().Mailbox("m").
			Group("Owners", []string{"m"}, dt.Closed, dt.Owner("m")).
			Group("G", []string{"m"}, dt.Closed, dt.ReportsToManager, dt.Owner(owner, "m")).
			Snapshot()
	}
	base := baselineOf(auditedAgainst(t, build("Owners"), nil))
	if b := base.Groups[0]; b.Name != "G" || len(b.Findings) != 1 || b.Findings[0].Rule != "manager-is-group" {
		t.Fatalf("baseline %+v, want G first with manager-is-group alone", base.Groups)
	}
	tests := []struct {
		name, owner string
		want        audit.Change
	}{
		{"owner unread", ghostOwner, audit.ChangeNotRead},
		{"mailbox made first owner", "m", audit.ChangeResolved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := build(tt.owner)
			if tt.owner == ghostOwner {
				s.Coverage.AddGap(directory.CoverGroupOwner, "G", "first owner could not be read")
			}
			rep := auditedAgainst(t, s, base)
			if g := group(t, rep, "G"); g.Change != tt.want {
				t.Errorf("change %q, want %q (score %d, incomplete %v, first owner %q)", g.Change, tt.want, g.Score, g.Incomplete, g.Settings.FirstOwner)
			}
		})
	}
}
