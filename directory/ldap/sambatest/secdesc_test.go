package sambatest

import (
	"testing"

	"dgaudit/directory"
	"dgaudit/directory/adattr"
)

// The fixture's descriptors are what they say, before Samba sees them: the
// Relay connector's grants the anonymous Accept-Any-Recipient right, the
// frontend's only Submit. (What Samba stores is checked against a live
// server in package ldap.)
func TestFixtureDescriptors(t *testing.T) {
	right, err := adattr.ParseGUID(AcceptAnyRecipGUID)
	if err != nil {
		t.Fatal(err)
	}
	admins := ace{sid: "S-1-5-32-544", mask: rightFullControl}
	submit := ace{sid: SIDAnonymous, mask: rightControlAccess, object: SMTPSubmitGUID}
	relay := ace{sid: SIDAnonymous, mask: rightControlAccess, object: AcceptAnyRecipGUID}
	for _, tt := range []struct {
		aces []ace
		want string
	}{
		{[]ace{admins, submit}, ""},
		{[]ace{admins, submit, relay}, directory.SIDAnonymous},
	} {
		sd, err := securityDescriptor(tt.aces...)
		if err != nil {
			t.Fatal(err)
		}
		d, err := adattr.ParseDACL(sd)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.ACEs) != len(tt.aces) || d.ACEs[0].SID != "S-1-5-32-544" {
			t.Errorf("ACEs = %+v", d.ACEs)
		}
		if g := d.ControlAccessGrant(right, directory.SIDAnonymous, directory.SIDEveryone); g.SID != tt.want {
			t.Errorf("grant %+v, want %q", g, tt.want)
		}
	}
	if _, err := encodeSID("S-1-x"); err == nil {
		t.Error("encodeSID accepted S-1-x")
	}
}
