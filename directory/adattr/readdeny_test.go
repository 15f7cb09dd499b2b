package adattr

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/directory"

	"github.com/google/go-cmp/cmp"
)

// The schema and account of the read check tests: a bind account in
// Domain Users, the settings' schemaIDGUIDs, msExchRequireAuthToSendTo and
// reportToOriginator in one property set and managedBy in another (as
// Exchange and the base schema file them), and the classes group and user.
var (
	guidRequireAuth = GUID{0xa1}
	guidReportOrig  = GUID{0xa2}
	guidAuthOrig    = GUID{0xa3}
	guidManagedBy   = GUID{0xa4}
	guidMember      = GUID{0xa5} // not a setting
	guidExchInfo    = GUID{0xb1} // property set of the first two
	guidPublicInfo  = GUID{0xb2} // property set of managedBy
	guidGroup       = GUID{0xc1}
	guidUser        = GUID{0xc2}

	sidAccount     = sid(5, 21, 1, 2, 3, 1105)
	sidDomainUsers = sid(5, 21, 1, 2, 3, 513)
	sidOther       = sid(5, 21, 1, 2, 3, 1106)
	sidAuthUsers   = sid(5, 11)
)

func schemaEntry(t testing.TB, class, name string, id GUID, set *GUID) *Entry {
	t.Helper()
	e := NewEntry("CN=" + name + ",CN=Schema,CN=Configuration,DC=corp")
	e.AddString("objectClass", "top", class)
	e.AddString("lDAPDisplayName", name)
	e.Add("schemaIDGUID", id[:])
	if set != nil {
		e.Add("attributeSecurityGUID", set[:])
	}
	return e
}

func testSchema(t testing.TB) []*Entry {
	return []*Entry{
		schemaEntry(t, "attributeSchema", "msExchRequireAuthToSendTo", guidRequireAuth, &guidExchInfo),
		schemaEntry(t, "attributeSchema", "reportToOriginator", guidReportOrig, &guidExchInfo),
		schemaEntry(t, "attributeSchema", "authOrig", guidAuthOrig, nil),
		schemaEntry(t, "attributeSchema", "managedBy", guidManagedBy, &guidPublicInfo),
		schemaEntry(t, "attributeSchema", "member", guidMember, &guidPublicInfo),
		schemaEntry(t, "classSchema", "group", guidGroup, nil),
		schemaEntry(t, "classSchema", "user", guidUser, nil),
	}
}

func testAccount() *Entry {
	e := NewEntry("CN=Audit Reader,OU=People,DC=corp")
	e.Add("objectSid", sidAccount)
	e.Add("tokenGroups", sidDomainUsers, sid(5, 32, 545))
	return e
}

func testReadCheck(t testing.TB) *ReadCheck {
	t.Helper()
	rc, err := NewReadCheck(testAccount(), testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// TestReadCheckDenied: which entries of a group's DACL make a delivery
// setting unreadable to the bind account.
func TestReadCheckDenied(t *testing.T) {
	t.Parallel()
	rc := testReadCheck(t)
	all := SettingsAttributes
	group := []string{"top", "group"}
	deny := func(mask uint32, object *GUID, who []byte) testACE {
		return testACE{typ: aceAccessDeniedObject, mask: mask, object: object, sid: who}
	}
	tests := []struct {
		name    string
		aces    []testACE
		classes []string
		want    []string
		allProp bool
		who     string
	}{
		{"no entries", nil, group, nil, false, ""},
		{"allow read of a setting", []testACE{{typ: aceAccessAllowedObject, mask: rightReadProperty, object: &guidRequireAuth, sid: sidAccount}}, group, nil, false, ""},
		{"deny the attribute to the account", []testACE{deny(rightReadProperty, &guidRequireAuth, sidAccount)}, group,
			[]string{"msExchRequireAuthToSendTo"}, false, "S-1-5-21-1-2-3-1105"},
		{"deny its property set", []testACE{deny(rightReadProperty, &guidExchInfo, sidAccount)}, group,
			[]string{"msExchRequireAuthToSendTo", "reportToOriginator"}, false, "S-1-5-21-1-2-3-1105"},
		{"deny to a group in tokenGroups", []testACE{deny(rightReadProperty, &guidAuthOrig, sidDomainUsers)}, group,
			[]string{"authOrig"}, false, "S-1-5-21-1-2-3-513"},
		{"deny to Authenticated Users", []testACE{deny(rightReadProperty, &guidManagedBy, sidAuthUsers)}, group,
			[]string{"managedBy"}, false, "S-1-5-11"},
		{"deny to Everyone, plain entry: every property", []testACE{{typ: aceAccessDenied, mask: rightReadProperty, sid: sidEveryone}}, group,
			all, true, "S-1-1-0"},
		{"object entry without object type: every property", []testACE{deny(rightReadProperty, nil, sidAccount)}, group,
			all, true, "S-1-5-21-1-2-3-1105"},
		{"generic all", []testACE{deny(rightGenericAll, &guidRequireAuth, sidAccount)}, group, []string{"msExchRequireAuthToSendTo"}, false, "S-1-5-21-1-2-3-1105"},
		{"generic read", []testACE{{typ: aceAccessDenied, mask: rightGenericRead, sid: sidAccount}}, group, all, true, "S-1-5-21-1-2-3-1105"},
		{"deny to another account", []testACE{deny(rightReadProperty, &guidRequireAuth, sidOther)}, group, nil, false, ""},
		{"deny write only", []testACE{deny(0x20, &guidRequireAuth, sidAccount)}, group, nil, false, ""},
		{"deny of member: no setting, the membership hidden", []testACE{deny(rightReadProperty, &guidMember, sidAccount)}, group, nil, false, ""},
		{"deny of a property set that holds member", []testACE{deny(rightReadProperty, &guidPublicInfo, sidDomainUsers)}, group,
			[]string{"managedBy"}, false, "S-1-5-21-1-2-3-513"},
		{"an allow of member ahead of a deny of every property", []testACE{
			{typ: aceAccessAllowedObject, mask: rightReadProperty, object: &guidMember, sid: sidAccount},
			{typ: aceAccessDenied, mask: rightReadProperty, sid: sidEveryone},
		}, group, all, true, "S-1-1-0"},
		{"deny of a GUID the schema does not name", []testACE{deny(rightReadProperty, &GUID{0xee}, sidAccount)}, group, nil, false, ""},
		{"inherit only: for children", []testACE{{typ: aceAccessDeniedObject, flags: aceInheritOnly, mask: rightReadProperty, object: &guidRequireAuth, sid: sidAccount}},
			group, nil, false, ""},
		{"meant for groups", []testACE{{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidRequireAuth, inherited: true, inheritedType: &guidGroup, sid: sidAccount}},
			group, []string{"msExchRequireAuthToSendTo"}, false, "S-1-5-21-1-2-3-1105"},
		{"meant for users", []testACE{{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidRequireAuth, inherited: true, inheritedType: &guidUser, sid: sidAccount}},
			group, nil, false, ""},
		// A class the check does not know (the schema lookup missed it):
		// counted, a gap rather than a wrong verdict.
		{"meant for a class of unknown GUID", []testACE{{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidRequireAuth, inherited: true, inheritedType: &guidUser, sid: sidAccount}},
			[]string{"msExchDynamicDistributionList"}, []string{"msExchRequireAuthToSendTo"}, false, "S-1-5-21-1-2-3-1105"},
		// Windows checks entries in order: the first that decides a right
		// wins, so a deny behind an allow takes no effect.
		{"allow before deny: readable", []testACE{
			{typ: aceAccessAllowedObject, mask: rightReadProperty, object: &guidRequireAuth, sid: sidAccount},
			deny(rightReadProperty, &guidRequireAuth, sidEveryone),
		}, group, nil, false, ""},
		// The group class's default DACL allows Authenticated Users to
		// read every property ahead of anything inherited from an OU.
		{"inherited deny behind the default allow of every property", []testACE{
			{typ: aceAccessAllowed, mask: rightReadProperty | 0x4 | 0x20000, sid: sidAuthUsers},
			{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidRequireAuth, inherited: true, sid: sidEveryone},
		}, group, nil, false, ""},
		{"deny before allow: denied", []testACE{
			deny(rightReadProperty, &guidRequireAuth, sidEveryone),
			{typ: aceAccessAllowed, mask: rightReadProperty, sid: sidAuthUsers},
		}, group, []string{"msExchRequireAuthToSendTo"}, false, "S-1-1-0"},
		{"an allow of one setting leaves the others to a later deny", []testACE{
			{typ: aceAccessAllowedObject, mask: rightReadProperty, object: &guidManagedBy, sid: sidAccount},
			deny(rightReadProperty, nil, sidEveryone),
		}, group, []string{"msExchRequireAuthToSendTo", "reportToOriginator", "reportToOwner", "oOFReplyToOriginator", "authOrig", "dLMemSubmitPerms", "unauthOrig", "dLMemRejectPerms", "msExchEnableModeration", "msExchModeratedByLink", "msExchCoManagedByLink"}, true, "S-1-1-0"},
		{"two entries add up; the first names the principal", []testACE{
			deny(rightReadProperty, &guidManagedBy, sidDomainUsers),
			deny(rightReadProperty, &guidRequireAuth, sidAccount),
		}, group, []string{"msExchRequireAuthToSendTo", "managedBy"}, false, "S-1-5-21-1-2-3-513"},
	}
	// memberBy names, by case, the principal whose entry denies reading
	// member: an entry that names no property denies it with the rest.
	memberBy := map[string]string{
		"deny to Everyone, plain entry: every property":    "S-1-1-0",
		"object entry without object type: every property": "S-1-5-21-1-2-3-1105",
		"generic read": "S-1-5-21-1-2-3-1105",
		"an allow of one setting leaves the others to a later deny": "S-1-1-0",
		"deny of member: no setting, the membership hidden":         "S-1-5-21-1-2-3-1105",
		"deny of a property set that holds member":                  "S-1-5-21-1-2-3-513",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := rc.Denied(sd(tt.aces...), tt.classes)
			if err != nil {
				t.Fatal(err)
			}
			want := Denial{Attrs: tt.want, SID: tt.who, AllProperties: tt.allProp, MemberBy: memberBy[tt.name]}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Denied (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadCheckCorrupt: a descriptor cut anywhere, or damaged, is an error,
// never a panic or "nothing denied".
func TestReadCheckCorrupt(t *testing.T) {
	t.Parallel()
	rc := testReadCheck(t)
	good := sd(testACE{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidRequireAuth, inherited: true, inheritedType: &guidGroup, sid: sidAccount})
	for n := range len(good) {
		if _, err := rc.Denied(good[:n], nil); err == nil {
			t.Errorf("descriptor cut at %d of %d bytes: no error", n, len(good))
		}
	}
	if _, err := rc.Denied(good, nil); err != nil {
		t.Errorf("whole descriptor: %v", err)
	}
}

// TestNewReadCheckErrors: a check that cannot know the account's SIDs or
// the settings' GUIDs is not made, rather than made blind.
func TestNewReadCheckErrors(t *testing.T) {
	t.Parallel()
	noSID := testAccount()
	noSID.Set("objectSid", nil)
	noGroups := testAccount()
	noGroups.Set("tokenGroups", nil)
	badSID := testAccount()
	badSID.Set("tokenGroups", [][]byte{{1, 5, 0}})
	shortGUID := testSchema(t)
	shortGUID[0].Set("schemaIDGUID", [][]byte{{1, 2, 3}})
	noManagedBy := slices.DeleteFunc(testSchema(t), func(e *Entry) bool { return e.First("lDAPDisplayName") == "managedBy" })
	tests := []struct {
		name    string
		account *Entry
		schema  []*Entry
		want    string
	}{
		{"no objectSid", noSID, testSchema(t), "objectSid not returned"},
		{"no tokenGroups", noGroups, testSchema(t), "tokenGroups not returned"},
		{"corrupt SID", badSID, testSchema(t), "SID is 3 bytes"},
		{"short schemaIDGUID", testAccount(), shortGUID, "schemaIDGUID is 3 bytes"},
		{"schema without managedBy", testAccount(), noManagedBy, "did not return managedBy"},
		{"no schema at all", testAccount(), nil, "did not return managedBy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewReadCheck(tt.account, tt.schema)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestSchemaFilter: the schema search asks for every setting and class.
func TestSchemaFilter(t *testing.T) {
	t.Parallel()
	f := SchemaFilter()
	for _, n := range append(append([]string(nil), SettingsAttributes...), "group", "msExchDynamicDistributionList") {
		if !strings.Contains(f, "(lDAPDisplayName="+n+")") {
			t.Errorf("filter %s does not ask for %s", f, n)
		}
	}
}

// TestBuilderSettingsRead: what Finish makes of the check. A group whose
// DACL denies a setting has its settings unknown and a gap of its own;
// groups whose descriptor could not be read share one gap and keep their
// settings; a check that could not be made is one gap; a source that makes
// no check (an LDIF export) records nothing.
func TestBuilderSettingsRead(t *testing.T) {
	t.Parallel()
	denied := sd(testACE{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidRequireAuth, sid: sidEveryone})
	allowed := sd(testACE{typ: aceAccessAllowedObject, mask: rightReadProperty, object: &guidRequireAuth, sid: sidEveryone})
	group := func(cn, guid string, desc []byte) *Entry {
		e := entry(t, "CN="+cn+",OU=G,DC=corp", "objectClass: top", "objectClass: group", "mailNickname: g", "objectGUID: "+guid)
		if desc != nil {
			e.Add("nTSecurityDescriptor", desc)
		}
		return e
	}
	add := func(b *Builder) {
		b.Add(group("Denied", "00000000-0000-0000-0000-000000000001", denied))
		b.Add(group("Allowed", "00000000-0000-0000-0000-000000000002", allowed))
		b.Add(group("Late", "00000000-0000-0000-0000-000000000003", nil))
		b.Add(group("Unread", "00000000-0000-0000-0000-000000000004", nil))
		b.Add(group("Corrupt", "00000000-0000-0000-0000-000000000005", denied[:len(denied)-2]))
	}
	unknown := func(s *directory.Snapshot) []string {
		var out []string
		for _, g := range s.Groups {
			if g.SettingsUnknown {
				out = append(out, g.Name)
			}
		}
		return out
	}
	gaps := func(s *directory.Snapshot) map[string]string {
		out := map[string]string{}
		for _, g := range s.Coverage.Gaps {
			if g.What != directory.CoverGroupSettings {
				t.Errorf("unexpected gap %+v", g)
			}
			out[g.Object] += g.Reason
		}
		return out
	}

	t.Run("checked", func(t *testing.T) {
		t.Parallel()
		b := NewBuilder("test")
		b.CheckSettingsRead(testReadCheck(t))
		add(b)
		if got, want := b.WithoutDescriptor(), []string{"CN=Late,OU=G,DC=corp", "CN=Unread,OU=G,DC=corp"}; !slices.Equal(got, want) {
			t.Errorf("WithoutDescriptor = %v, want %v", got, want)
		}
		b.SetDescriptor("cn=late,ou=g,dc=corp", denied)
		s := b.Finish(time.Unix(0, 0))
		if got, want := unknown(s), []string{"Denied", "Late"}; !slices.Equal(got, want) {
			t.Errorf("SettingsUnknown on %v, want %v", got, want)
		}
		g := gaps(s)
		if r := g["00000000-0000-0000-0000-000000000001"]; !strings.Contains(r, "deny the bind account read of msExchRequireAuthToSendTo (an entry for S-1-1-0 (Everyone))") {
			t.Errorf("gap of Denied: %q", r)
		}
		if r := g[""]; !strings.Contains(r, "2 of 5 groups") || !strings.Contains(r, "Unread, Corrupt") || !strings.Contains(r, "not returned") {
			t.Errorf("gap of the unchecked: %q", r)
		}
		if len(g) != 3 {
			t.Errorf("gaps %v, want Denied's, Late's and one for the unchecked", g)
		}
	})
	t.Run("check given after the groups", func(t *testing.T) {
		t.Parallel()
		b := NewBuilder("test")
		add(b)
		b.CheckSettingsRead(testReadCheck(t))
		if got, want := unknown(b.Finish(time.Unix(0, 0))), []string{"Denied"}; !slices.Equal(got, want) {
			t.Errorf("SettingsUnknown on %v, want %v", got, want)
		}
	})
	t.Run("unverified", func(t *testing.T) {
		t.Parallel()
		b := NewBuilder("test")
		b.SettingsReadUnverified("the server refused the SD flags control")
		add(b)
		s := b.Finish(time.Unix(0, 0))
		if u := unknown(s); len(u) != 0 {
			t.Errorf("SettingsUnknown on %v: a check not made judges no group", u)
		}
		if g := gaps(s); len(g) != 1 || !strings.Contains(g[""], "of the 5 groups could not be checked (the server refused") {
			t.Errorf("gaps %v, want one scan-wide gap", g)
		}
	})
	t.Run("not checked", func(t *testing.T) {
		t.Parallel()
		b := NewBuilder("test")
		add(b)
		s := b.Finish(time.Unix(0, 0))
		if len(unknown(s)) != 0 || len(s.Coverage.Gaps) != 0 {
			t.Errorf("an LDIF-like source without a check: unknown %v, gaps %+v", unknown(s), s.Coverage.Gaps)
		}
	})
}

// FuzzReadCheckDenied: any descriptor is judged or refused with an error;
// nothing panics, and only settings are ever named.
func FuzzReadCheckDenied(f *testing.F) {
	f.Add(sd(testACE{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidRequireAuth, sid: sidEveryone}))
	f.Add(sd(testACE{typ: aceAccessDenied, mask: rightGenericRead, sid: sidAccount},
		testACE{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidExchInfo, inherited: true, inheritedType: &guidGroup, sid: sidDomainUsers}))
	f.Add([]byte{})
	rc := testReadCheck(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := rc.Denied(b, []string{"top", "group"})
		if err != nil {
			return
		}
		for _, a := range d.Attrs {
			if !slices.Contains(SettingsAttributes, a) {
				t.Errorf("denied %q, not a setting", a)
			}
		}
		if (len(d.Attrs) > 0) != (d.SID != "") {
			t.Errorf("denial %+v: attributes and principal go together", d)
		}
	})
}

// TestBuilderMemberReadDenied: a group whose DACL denies the bind account
// read of member comes back without member, as an empty group does. With
// nothing naming it in memberOf (its members in another domain, or their
// memberOf hidden too), only its permissions tell: its membership is
// unknown, with a gap naming the entry. A group whose members came back was read whatever its DACL says (the
// attribute comes whole or not at all), and an empty group whose DACL
// denies nothing stays empty.
func TestBuilderMemberReadDenied(t *testing.T) {
	t.Parallel()
	hide := sd(testACE{typ: aceAccessDeniedObject, mask: rightReadProperty, object: &guidMember, sid: sidDomainUsers})
	group := func(cn, guid string, desc []byte, lines ...string) *Entry {
		e := entry(t, "CN="+cn+",OU=G,DC=corp", append([]string{"objectClass: top", "objectClass: group", "mailNickname: g", "objectGUID: " + guid}, lines...)...)
		e.Add("nTSecurityDescriptor", desc)
		return e
	}
	b := NewBuilder("test")
	b.CheckSettingsRead(testReadCheck(t))
	b.Add(group("Hidden", "00000000-0000-0000-0000-000000000001", hide))
	b.Add(group("Hidden But Read", "00000000-0000-0000-0000-000000000002", hide, "member: CN=Ann,OU=U,DC=corp"))
	b.Add(group("Empty", "00000000-0000-0000-0000-000000000003", sd()))
	b.Add(entry(t, "CN=Ann,OU=U,DC=corp", "objectClass: user", "homeMDB: CN=DB", "objectGUID: 00000000-0000-0000-0000-00000000000a"))
	if got, want := b.Memberless(), []string{"CN=Hidden,OU=G,DC=corp", "CN=Empty,OU=G,DC=corp"}; !slices.Equal(got, want) {
		t.Errorf("Memberless = %v, want %v", got, want)
	}
	s := b.Finish(time.Unix(0, 0))
	var gaps []directory.Gap
	for _, g := range s.Coverage.Gaps {
		if g.What != directory.CoverGroupMembers {
			t.Errorf("unexpected gap %+v", g)
			continue
		}
		gaps = append(gaps, g)
	}
	for _, g := range s.Groups {
		if want := g.Name == "Hidden"; g.MembersUnknown != want {
			t.Errorf("%s: MembersUnknown %v, want %v", g.Name, g.MembersUnknown, want)
		}
		if g.SettingsUnknown {
			t.Errorf("%s: SettingsUnknown, but only member is denied", g.Name)
		}
	}
	if len(gaps) != 1 || gaps[0].Object != "00000000-0000-0000-0000-000000000001" ||
		!strings.Contains(gaps[0].Reason, "deny the bind account read of member (an entry for S-1-5-21-1-2-3-513)") {
		t.Errorf("gaps %+v, want one for Hidden naming the entry", gaps)
	}
}
