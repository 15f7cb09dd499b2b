package ldap_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/directory/adattr"
	"dgaudit/directory/ldap/sambatest"
	"dgaudit/rules"

	goldap "github.com/go-ldap/ldap/v3"
)

// readAttr reads one binary attribute of dn as Administrator.
func readAttr(t *testing.T, s *sambatest.Server, dn, attr string) []byte {
	t.Helper()
	c, err := s.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{attr}, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("read %s of %s: %v", attr, dn, err)
	}
	v := res.Entries[0].GetRawAttributeValue(attr)
	if len(v) == 0 {
		t.Fatalf("%s of %s: empty", attr, dn)
	}
	return v
}

// TestDeniedSettings: a group that requires sender authentication
// (msExchRequireAuthToSendTo TRUE) and whose DACL denies the bind account
// read of that attribute. The server leaves the attribute out without an
// error, as if it were not set, and its absence reads as "open to the
// Internet": without the check the group was judged open to external
// senders and the report called complete. It must read as settings
// unknown, with a gap naming the attribute, the report incomplete and the
// scan's exit code 4. The deny is for Domain Admins when Administrator
// reads (found through the account's tokenGroups, bound by DN), and for the
// reader's own SID when the ordinary reader reads (bound by UPN; Samba does
// not answer Who am I?, so the account is found by its UPN). A group whose
// DACL denies nothing keeps its settings, and the deny binds no one else;
// one whose permissions the account may not read is a gap of its own.
func TestDeniedSettings(t *testing.T) {
	s := sambatest.Get(t)
	ou := "OU=Denied Settings," + sambatest.BaseDN
	dn := func(cn string) string { return "CN=" + cn + "," + ou }
	authGUID, domainSID := requireAuthAndDomain(t, s)
	readerSID, err := adattr.ParseSID(readAttr(t, s, sambatest.UserDN(sambatest.UserReader), "objectSid"))
	if err != nil {
		t.Fatal(err)
	}
	denyAdmins, err := sambatest.DenyRead(domainSID+"-512", authGUID)
	if err != nil {
		t.Fatal(err)
	}
	denyReader, err := sambatest.DenyRead(readerSID, authGUID)
	if err != nil {
		t.Fatal(err)
	}
	hideReader, err := sambatest.DenyReadControl(readerSID)
	if err != nil {
		t.Fatal(err)
	}
	external := []string{sambatest.ContactDN(sambatest.PartnerContacts[0].CN)}
	auth := func(sd []byte) map[string][]string {
		m := map[string][]string{"msExchRequireAuthToSendTo": {"TRUE"}}
		if sd != nil {
			m["nTSecurityDescriptor"] = []string{string(sd)}
		}
		return m
	}
	addTemp(t, s,
		tempObject{ou, map[string][]string{"objectClass": {"top", "organizationalUnit"}}},
		tempGroup(dn("Hidden From Admins"), external, auth(denyAdmins)),
		tempGroup(dn("Hidden From Reader"), external, auth(denyReader)),
		tempGroup(dn("Visible Auth"), external, auth(nil)),
		tempGroup(dn("Permissions Hidden From Reader"), external, auth(hideReader)),
	)

	for _, tt := range []struct {
		name, bind string
		hidden     string // the group whose setting this account may not read
		// complete: the account reads everything else of the OU (the
		// reader may not read the Exchange configuration, a gap of
		// its own).
		complete bool
	}{
		{"administrator", sambatest.AdminDN, "Hidden From Admins", true},
		{"reader", sambatest.ReaderUPN, "Hidden From Reader", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(s)
			cfg.BindDN = tt.bind
			cfg.BaseDN = ou
			snap := collect(t, cfg)
			ix := indexOf(t, snap)
			settingsGaps := map[string]string{}
			var others []directory.Gap
			for _, g := range snap.Coverage.Gaps {
				if g.What == directory.CoverGroupSettings {
					settingsGaps[g.Object] += g.Reason
				} else {
					others = append(others, g)
				}
			}
			for _, name := range []string{"Hidden From Admins", "Hidden From Reader", "Visible Auth", "Permissions Hidden From Reader"} {
				g := ix.group(t, name)
				denied := name == tt.hidden
				if g.SettingsUnknown != denied {
					t.Errorf("%s: SettingsUnknown %v, want %v", name, g.SettingsUnknown, denied)
				}
				if !denied && g.RequireSenderAuth != directory.True {
					t.Errorf("%s: RequireSenderAuth %v, want true (read)", name, g.RequireSenderAuth)
				}
				reason := settingsGaps[g.ID]
				if denied != (reason != "") || (denied && !strings.Contains(reason, "read of msExchRequireAuthToSendTo")) {
					t.Errorf("%s: settings gap %q; want one naming msExchRequireAuthToSendTo exactly when denied", name, reason)
				}
			}
			// A group whose permissions the account may not read cannot be
			// checked: its settings stand as read, and one gap says so.
			unchecked := settingsGaps[""]
			delete(settingsGaps, "")
			if len(settingsGaps) != 1 {
				t.Errorf("settings gaps %v, want only the denied group's", settingsGaps)
			}
			if (tt.name == "reader") != (unchecked != "") || (unchecked != "" && !strings.Contains(unchecked, "1 of 4 groups could not be checked (Permissions Hidden From Reader: nTSecurityDescriptor not returned")) {
				t.Errorf("gap for the groups not checked: %q", unchecked)
			}
			if tt.complete && len(others) > 0 {
				t.Errorf("unexpected gaps %+v", others)
			}

			rep, err := audit.Run(context.Background(), snap, rules.All(rules.DefaultConfig()), audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range rep.Groups {
				open := slices.ContainsFunc(g.Findings, func(f audit.Finding) bool { return f.Rule == "open-to-external-senders" })
				if open {
					t.Errorf("%s: open-to-external-senders, although it requires authentication", g.Name)
				}
				if g.Name == tt.hidden && !g.Incomplete {
					t.Errorf("%s: not marked incomplete", g.Name)
				}
			}
			if rep.Complete {
				t.Error("report complete although a group's settings could not be read")
			}
		})
	}

	t.Run("exit code", func(t *testing.T) {
		bin := dgauditBinary(t)
		r := runCLI(t, bin, []string{"DGAUDIT_LDAP_PASSWORD=" + sambatest.Password}, "scan", "--ldap-url", s.LDAPSURL(), "--bind-dn", sambatest.AdminDN,
			"--ca-file", s.CAFile, "--base-dn", ou, "--fail-on", "none", "-o", filepath.Join(t.TempDir(), "report.json"))
		if r.code != 4 {
			t.Errorf("exit %d, want 4 (completed with gaps)\n%s", r.code, r.stderr)
		}
	})
}

// A deny inherited from an OU comes behind the explicit entries of the
// group class's default descriptor, which let Authenticated Users read
// every property: the server lets the attribute be read, and the group's
// settings are read too, where any matching deny made them unknown and
// dropped their findings (exit 4 for nothing).
func TestInheritedDenyBehindTheDefaultAllow(t *testing.T) {
	s := sambatest.Get(t)
	authGUID, domainSID := requireAuthAndDomain(t, s)
	inherited, err := sambatest.InheritedDenyRead(domainSID+"-512", authGUID)
	if err != nil {
		t.Fatal(err)
	}
	ou := "OU=Inherited Deny," + sambatest.BaseDN
	group := "CN=Behind Default Allow," + ou
	addTemp(t, s,
		tempObject{ou, map[string][]string{"objectClass": {"top", "organizationalUnit"}, "nTSecurityDescriptor": {string(inherited)}}},
		tempGroup(group, []string{sambatest.ContactDN(sambatest.PartnerContacts[0].CN)}, map[string][]string{"msExchRequireAuthToSendTo": {"TRUE"}}),
	)
	// The server's own verdict: Administrator, in Domain Admins, reads it.
	if v := readAttr(t, s, group, "msExchRequireAuthToSendTo"); string(v) != "TRUE" {
		t.Fatalf("the server hides the attribute (%q): this test's premise does not hold", v)
	}
	sd, err := adattr.ParseDACL(readAttr(t, s, group, "nTSecurityDescriptor"))
	if err != nil {
		t.Fatal(err)
	}
	inheritedDeny := false
	for _, a := range sd.ACEs {
		inheritedDeny = inheritedDeny || a.Type == 0x06 && a.Flags&0x10 != 0 // ACCESS_DENIED_OBJECT, INHERITED_ACE
	}
	if !inheritedDeny {
		t.Fatalf("the group did not inherit the deny: %+v", sd.ACEs)
	}
	cfg := config(s)
	cfg.BaseDN = ou
	snap := collect(t, cfg)
	g := indexOf(t, snap).group(t, "Behind Default Allow")
	if g.SettingsUnknown || g.RequireSenderAuth != directory.True {
		t.Errorf("SettingsUnknown %v, RequireSenderAuth %v; want the settings read (true)", g.SettingsUnknown, g.RequireSenderAuth)
	}
	for _, gap := range snap.Coverage.Gaps {
		if gap.What == directory.CoverGroupSettings {
			t.Errorf("gap %+v", gap)
		}
	}
}

// requireAuthAndDomain reads the schemaIDGUID of msExchRequireAuthToSendTo
// and the domain's SID, which the tests' descriptors name.
func requireAuthAndDomain(t *testing.T, s *sambatest.Server) (authGUID, domainSID string) {
	t.Helper()
	authGUID, err := adattr.GUIDString(readAttr(t, s, "CN=ms-Exch-Require-Authentication,"+sambatest.SchemaDN, "schemaIDGUID"))
	if err != nil {
		t.Fatal(err)
	}
	domainSID, err = adattr.ParseSID(readAttr(t, s, sambatest.BaseDN, "objectSid"))
	if err != nil {
		t.Fatal(err)
	}
	return authGUID, domainSID
}

// TestDeniedMembershipWithoutClaims: a group whose DACL denies the bind
// account read of member, and whose member's memberOf is denied too (as for
// a member in another domain of the forest, which a search of this domain
// does not find). The server leaves member out, as for an empty group, and
// no object names the group in memberOf: the memberOf search finds nothing,
// and without the check the group read as empty and the scan complete.
// Only the group's permissions tell: its membership must read as unknown,
// with a gap naming the entry, and the scan exit 4.
func TestDeniedMembershipWithoutClaims(t *testing.T) {
	s := sambatest.Get(t)
	_, domainSID := requireAuthAndDomain(t, s)
	memberOfGUID, err := adattr.GUIDString(readAttr(t, s, "CN=Is-Member-Of-DL,"+sambatest.SchemaDN, "schemaIDGUID"))
	if err != nil {
		t.Fatal(err)
	}
	hideMembers, err := sambatest.DenyRead(domainSID+"-512", sambatest.MemberAttrGUID)
	if err != nil {
		t.Fatal(err)
	}
	hideMemberOf, err := sambatest.DenyRead(domainSID+"-512", memberOfGUID)
	if err != nil {
		t.Fatal(err)
	}
	ou := "OU=Denied Membership," + sambatest.BaseDN
	partner, group := "CN=Far Partner,"+ou, "CN=Members Denied,"+ou
	addTemp(t, s,
		tempObject{ou, map[string][]string{"objectClass": {"top", "organizationalUnit"}}},
		tempObject{partner, map[string][]string{
			"objectClass": {"top", "person", "organizationalPerson", "contact"}, "mail": {"far@partner.example"},
			"mailNickname": {"farpartner"}, "targetAddress": {"SMTP:far@partner.example"}, "nTSecurityDescriptor": {string(hideMemberOf)},
		}},
		tempGroup(group, []string{partner}, map[string][]string{"nTSecurityDescriptor": {string(hideMembers)}}),
	)
	// The premise, as the server sees it for Administrator (in Domain
	// Admins): neither the member nor the claim comes back.
	c, err := s.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []struct{ base, filter, attr string }{
		{group, "(objectClass=*)", "member"},
		{sambatest.BaseDN, "(memberOf=" + goldap.EscapeFilter(group) + ")", "1.1"},
	} {
		res, err := c.Search(goldap.NewSearchRequest(q.base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, q.filter, []string{q.attr}, nil))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Entries {
			if q.attr == "1.1" || len(e.GetAttributeValues(q.attr)) > 0 {
				t.Fatalf("the server shows %s %s of %s: this test's premise does not hold", e.DN, q.attr, q.filter)
			}
		}
	}

	cfg := config(s)
	cfg.BaseDN = ou
	snap := collect(t, cfg)
	g := indexOf(t, snap).group(t, "Members Denied")
	if !g.MembersUnknown || len(g.Members) != 0 {
		t.Errorf("MembersUnknown %v, members %v; want unknown", g.MembersUnknown, g.Members)
	}
	var reason string
	for _, gap := range snap.Coverage.Gaps {
		if gap.What == directory.CoverGroupMembers && gap.Object == g.ID {
			reason += gap.Reason
		}
	}
	if !strings.Contains(reason, "deny the bind account read of member (an entry for "+domainSID+"-512)") {
		t.Errorf("membership gap %q, want one naming the entry", reason)
	}

	bin := dgauditBinary(t)
	r := runCLI(t, bin, []string{"DGAUDIT_LDAP_PASSWORD=" + sambatest.Password}, "scan", "--ldap-url", s.LDAPSURL(), "--bind-dn", sambatest.AdminDN,
		"--ca-file", s.CAFile, "--base-dn", ou, "--fail-on", "none", "-o", filepath.Join(t.TempDir(), "report.json"))
	if r.code != 4 {
		t.Errorf("exit %d, want 4 (completed with gaps)\n%s", r.code, r.stderr)
	}
}
