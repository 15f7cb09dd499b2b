package audit_test

import (
	"context"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

func TestFirstOwner(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("o").User("mu", directory.MailUser, "mu@partner.example").Contact("c", "c@partner.example").
		Group("Owners", []string{"o"}).
		Group("ByMailbox", nil, dt.Owner("o", "Owners")).
		Group("ByMailUser", nil, dt.Owner("mu")).
		Group("ByGroup", nil, dt.Owner("Owners", "o")).
		Group("ByContact", nil, dt.Owner("c")).
		Group("ByGhost", nil, dt.Owner("CN=Gone,DC=corp,DC=example", "o")).
		Group("NoOwner", nil).
		Group("NotRead", nil, dt.Owner("o"), func(g *directory.Group) { g.SettingsUnknown = true }).
		Snapshot()
	rep, err := audit.Run(context.Background(), snap, nil, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Owners": audit.FirstOwnerNone, "ByMailbox": "mailbox", "ByMailUser": "mail-user", "ByGroup": "group",
		"ByContact": "contact", "ByGhost": audit.FirstOwnerUnresolved, "NoOwner": audit.FirstOwnerNone, "NotRead": audit.FirstOwnerUnknown,
	}
	for _, g := range rep.Groups {
		fo := g.Settings.FirstOwner
		if fo != want[g.Name] {
			t.Errorf("%s: first owner %q, want %q", g.Name, fo, want[g.Name])
		}
		if !audit.ValidFirstOwner(fo) {
			t.Errorf("%s: %q is not a valid first owner", g.Name, fo)
		}
		if got, wantUser := audit.FirstOwnerIsUser(fo), fo == "mailbox" || fo == "mail-user"; got != wantUser {
			t.Errorf("FirstOwnerIsUser(%q) = %v", fo, got)
		}
	}
	if len(rep.Groups) != len(want) {
		t.Errorf("%d groups, want %d", len(rep.Groups), len(want))
	}
	for _, bad := range []string{"", "person", "mailbox\n"} {
		if audit.ValidFirstOwner(bad) {
			t.Errorf("ValidFirstOwner(%q) = true", bad)
		}
	}
}
