package ldap_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/directory/ldap/sambatest"
	"dgaudit/rules"

	goldap "github.com/go-ldap/ldap/v3"
)

// tempObject is one object a test adds and removes again.
type tempObject struct {
	dn    string
	attrs map[string][]string
}

// addTemp adds objects as Administrator, in order, and deletes them in
// reverse order when the test ends. A test that calls it must not be
// parallel: the parallel tests read the whole fixture and expect nothing
// else in it, and Go runs them only after every sequential test is done.
func addTemp(t *testing.T, s *sambatest.Server, objs ...tempObject) {
	t.Helper()
	c, err := s.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var added []string
	t.Cleanup(func() {
		c, err := s.Admin()
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer c.Close()
		for _, dn := range slices.Backward(added) {
			if err := c.Del(goldap.NewDelRequest(dn, nil)); err != nil {
				t.Errorf("cleanup: delete %s: %v", dn, err)
			}
		}
	})
	for _, o := range objs {
		req := goldap.NewAddRequest(o.dn, nil)
		for k, v := range o.attrs {
			req.Attribute(k, v)
		}
		if err := c.Add(req); err != nil {
			t.Fatalf("add %s: %v", o.dn, err)
		}
		added = append(added, o.dn)
	}
}

// tempGroup is a mail-enabled distribution group for addTemp.
func tempGroup(dn string, members []string, extra map[string][]string) tempObject {
	nick := strings.ToLower(strings.NewReplacer(" ", "", ",", "").Replace(strings.TrimPrefix(strings.SplitN(dn, ",", 2)[0], "CN=")))
	attrs := map[string][]string{
		"objectClass": {"top", "group"}, "sAMAccountName": {nick}, "groupType": {"8"}, "mailNickname": {nick},
		"proxyAddresses": {"SMTP:" + nick + "@corp.example.test"},
	}
	if len(members) > 0 {
		attrs["member"] = members
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return tempObject{dn, attrs}
}

// TestUnreadableMembership: a group whose member attribute the account may
// not read comes back without member, exactly like an empty group. Exchange
// 2000/2003 hid membership that way (a deny-read ACE for Everyone, which
// binds administrators too, and hideDLMembership TRUE). Such a group must
// read as membership unknown, with a gap, never as an empty group: its
// members' memberOf still names it, and hideDLMembership says it may be
// hidden even when nothing does.
func TestUnreadableMembership(t *testing.T) {
	s := sambatest.Get(t)
	ou := "OU=Unreadable Members," + sambatest.BaseDN
	dn := func(cn string) string { return "CN=" + cn + "," + ou }
	deny, err := sambatest.DenyRead(sambatest.SIDEveryone, sambatest.MemberAttrGUID)
	if err != nil {
		t.Fatal(err)
	}
	denied := map[string][]string{"nTSecurityDescriptor": {string(deny)}}
	hidden := map[string][]string{"nTSecurityDescriptor": {string(deny)}, "hideDLMembership": {"TRUE"}}
	addTemp(t, s,
		tempObject{ou, map[string][]string{"objectClass": {"top", "organizationalUnit"}}},
		tempGroup(dn("Denied Members"), []string{sambatest.ContactDN(sambatest.PartnerContacts[0].CN), sambatest.ContactDN(sambatest.PartnerContacts[1].CN)}, denied),
		tempGroup(dn("Hidden Members"), []string{sambatest.UserDN(sambatest.UserCarl)}, hidden),
		tempGroup(dn("Hidden Empty"), nil, map[string][]string{"hideDLMembership": {"TRUE"}}),
		tempGroup(dn("Plain Empty"), nil, nil),
	)
	cfg := config(s)
	cfg.BaseDN = ou
	snap := collect(t, cfg)
	ix := indexOf(t, snap)
	gaps := map[string]string{}
	for _, g := range snap.Coverage.Gaps {
		if g.What == directory.CoverGroupMembers {
			gaps[g.Object] += g.Reason
		}
	}
	for _, tt := range []struct {
		group   string
		unknown bool
		reason  string
	}{
		{"Denied Members", true, "names the group in memberOf"},
		{"Hidden Members", true, "names the group in memberOf"},
		{"Hidden Empty", true, "hideDLMembership TRUE"},
		{"Plain Empty", false, ""},
	} {
		g := ix.group(t, tt.group)
		reason := gaps[g.ID]
		if g.MembersUnknown != tt.unknown || (tt.reason == "") != (reason == "") || !strings.Contains(reason, tt.reason) {
			t.Errorf("%s: MembersUnknown %v, gap %q; want %v and a gap saying %q", tt.group, g.MembersUnknown, reason, tt.unknown, tt.reason)
		}
	}

	// What the reviewer saw: the denied group audited as empty, the report
	// complete.
	rep, err := audit.Run(context.Background(), snap, rules.All(rules.DefaultConfig()), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range rep.Groups {
		for _, f := range g.Findings {
			if f.Rule == "empty-group" && g.Name != "Plain Empty" {
				t.Errorf("%s: empty-group finding for a membership that could not be read", g.Name)
			}
		}
	}
	if rep.Complete {
		t.Error("report complete although memberships could not be read")
	}
}

// TestUnreadableOwner: a group in manager mode whose first owner (also a
// member) the account may not read at all. The server returns the owner's
// entry without a single attribute, objectClass included, which must not
// read as "not a recipient": the member is unresolved with the reason, and
// the owner, whose kind decides manager-is-group, is a gap naming the group.
func TestUnreadableOwner(t *testing.T) {
	s := sambatest.Get(t)
	ou := "OU=Unreadable Owner," + sambatest.BaseDN
	owner, group := "CN=Hidden Owner,"+ou, "CN=Managed By Hidden,"+ou
	deny, err := sambatest.DenyRead(sambatest.SIDEveryone, "")
	if err != nil {
		t.Fatal(err)
	}
	addTemp(t, s,
		tempObject{ou, map[string][]string{"objectClass": {"top", "organizationalUnit"}}},
		tempObject{owner, map[string][]string{
			"objectClass": {"top", "person", "organizationalPerson", "user"}, "sAMAccountName": {"hiddenowner"},
			"mail": {"hidden.owner@corp.example.test"}, "mailNickname": {"hiddenowner"}, "msExchRecipientTypeDetails": {"1"},
			"nTSecurityDescriptor": {string(deny)},
		}},
		tempGroup(group, []string{owner, sambatest.ContactDN(sambatest.PartnerContacts[0].CN)}, map[string][]string{
			"managedBy": {owner}, "reportToOwner": {"TRUE"},
		}),
	)
	cfg := config(s)
	cfg.BaseDN = group // the owner is outside: looked up
	snap := collect(t, cfg)
	g := indexOf(t, snap).group(t, "Managed By Hidden")
	var ownerGap, memberGap string
	for _, gap := range snap.Coverage.Gaps {
		switch {
		case gap.What == directory.CoverGroupOwner && gap.Object == g.ID:
			ownerGap = gap.Reason
		case gap.Object == g.ID && strings.Contains(gap.Reason, "member "+owner):
			memberGap = gap.Reason
		}
	}
	const why = "may not read it (its objectClass did not come back)"
	if !strings.Contains(ownerGap, "group Managed By Hidden") || !strings.Contains(ownerGap, owner+": the bind account "+why) {
		t.Errorf("owner gap %q, want one naming the group, the owner and why", ownerGap)
	}
	if !strings.Contains(memberGap, why) {
		t.Errorf("member gap %q, want the reason", memberGap)
	}
	if !slices.Contains(g.Members, owner) {
		t.Errorf("members %v: the unreadable member must stay, as its DN", g.Members)
	}
}
