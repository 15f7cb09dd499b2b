package adattr

import (
	"errors"
	"strings"
	"testing"
	"time"

	"dgaudit/directory"

	"github.com/google/go-cmp/cmp"
)

// entry builds an Entry from "name: value" lines, the way an LDIF record
// reads. objectGUID values are written in string form and stored raw.
func entry(t *testing.T, dn string, lines ...string) *Entry {
	t.Helper()
	e := NewEntry(dn)
	for _, l := range lines {
		name, val, ok := strings.Cut(l, ": ")
		if !ok {
			t.Fatalf("bad test line %q", l)
		}
		if strings.EqualFold(name, "objectGUID") {
			raw, err := GUIDBytes(val)
			if err != nil {
				t.Fatal(err)
			}
			e.Add(name, raw)
			continue
		}
		e.AddString(name, val)
	}
	return e
}

func TestGUIDString(t *testing.T) {
	t.Parallel()
	// The bytes as AD stores them for {c37a2e8e-...}: first three fields
	// little-endian.
	raw := []byte{0x8e, 0x2e, 0x7a, 0xc3, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67}
	got, err := GUIDString(raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := "c37a2e8e-3412-7856-9abc-def001234567"; got != want {
		t.Errorf("GUIDString = %s, want %s", got, want)
	}
	back, err := GUIDBytes("{" + strings.ToUpper(got) + "}")
	if err != nil {
		t.Fatal(err)
	}
	if string(back) != string(raw) {
		t.Errorf("GUIDBytes(GUIDString(x)) = %x, want %x", back, raw)
	}
	if _, err := GUIDString(raw[:15]); err == nil {
		t.Error("GUIDString accepted 15 bytes")
	}
	for _, bad := range []string{"", "c37a2e8e", "c37a2e8e-3412-7856-9abc-def00123456z"} {
		if _, err := GUIDBytes(bad); err == nil {
			t.Errorf("GUIDBytes(%q) succeeded", bad)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines []string
		want  Kind
	}{
		{"mail-enabled group", []string{"objectClass: top", "objectClass: group", "mailNickname: sales"}, KindGroup},
		{"group with proxies only", []string{"objectClass: group", "proxyAddresses: SMTP:a@b.test"}, KindGroup},
		{"plain security group", []string{"objectClass: group", "mail: x@corp.test"}, KindOther},
		{"group stamped not mail-enabled", []string{"objectClass: group", "mailNickname: x", "msExchRecipientTypeDetails: 262144"}, KindOther},
		{"dynamic group", []string{"objectClass: msExchDynamicDistributionList"}, KindGroup},
		{"mail contact", []string{"objectClass: contact", "targetAddress: SMTP:bob@partner.test"}, KindContact},
		{"contact without mail", []string{"objectClass: contact", "cn: x"}, KindOther},
		{"mailbox by homeMDB", []string{"objectClass: user", "homeMDB: CN=DB1,CN=Databases"}, KindUser},
		{"mailbox by type", []string{"objectClass: user", "msExchRecipientTypeDetails: 1"}, KindUser},
		{"user with mail only", []string{"objectClass: user", "mail: a@corp.test"}, KindOther},
		{"disabled user stamp", []string{"objectClass: user", "mailNickname: a", "msExchRecipientTypeDetails: 2097152"}, KindOther},
		{"computer", []string{"objectClass: user", "objectClass: computer", "mailNickname: pc"}, KindOther},
		{"accepted domain", []string{"objectClass: msExchAcceptedDomain"}, KindAcceptedDomain},
		{"remote domain", []string{"objectClass: msExchDomainContentConfig"}, KindRemoteDomain},
		{"organization", []string{"objectClass: msExchOrganizationContainer"}, KindOrganization},
		{"recipient filter", []string{"objectClass: top", "objectClass: msExchAgent", "objectClass: msExchMessageHygieneRecipientFilterConfig"}, KindRecipientFilter},
		{"class case-insensitive", []string{"objectClass: GROUP", "mailNickname: g"}, KindGroup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Classify(entry(t, "CN=x", tt.lines...)); got != tt.want {
				t.Errorf("Classify = %v, want %v", got, tt.want)
			}
		})
	}
}

const (
	guidA = "11111111-0000-0000-0000-000000000001"
	guidB = "22222222-0000-0000-0000-000000000002"
)

func TestMapGroup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		lines    []string
		want     directory.Group
		wantRefs GroupRefs
		wantProb int
	}{
		{
			name: "distribution group with every setting",
			lines: []string{
				"objectClass: group", "objectGUID: " + guidA, "cn: Sales", "displayName: Sales Team",
				"groupType: 8", "mail: sales@corp.test", "proxyAddresses: smtp:s@corp.test", "proxyAddresses: SMTP:Sales@corp.test",
				"msExchRequireAuthToSendTo: FALSE", "reportToOriginator: TRUE", "reportToOwner: false", "oOFReplyToOriginator: TRUE",
				"msExchEnableModeration: FALSE", "msExchHideFromAddressLists: TRUE",
				"member: CN=A,DC=corp", "member: CN=B,DC=corp",
				"authOrig: CN=U1,DC=corp", "dLMemSubmitPerms: CN=G1,DC=corp", "unauthOrig: CN=U2,DC=corp", "dLMemRejectPerms: CN=G2,DC=corp",
				"msExchModeratedByLink: CN=M,DC=corp",
				"managedBy: CN=Owner1,DC=corp", "msExchCoManagedByLink: CN=owner1, DC=corp", "msExchCoManagedByLink: CN=Owner2,DC=corp",
			},
			want: directory.Group{
				Recipient: directory.Recipient{
					ID: guidA, DN: "CN=Sales,OU=G,DC=corp", Name: "Sales Team", Mail: "Sales@corp.test",
					ProxyAddresses: []string{"smtp:s@corp.test", "SMTP:Sales@corp.test"}, HiddenFromGAL: true,
				},
				Kind:              directory.Distribution,
				RequireSenderAuth: directory.False, ReportToOriginator: directory.True, ReportToManager: directory.False,
				OOFToOriginator: directory.True, Moderation: directory.False,
			},
			wantRefs: GroupRefs{
				Members:        []string{"CN=A,DC=corp", "CN=B,DC=corp"},
				AcceptOnlyFrom: []string{"CN=U1,DC=corp"}, AcceptOnlyFromMembersOf: []string{"CN=G1,DC=corp"},
				RejectFrom: []string{"CN=U2,DC=corp"}, RejectFromMembersOf: []string{"CN=G2,DC=corp"},
				ModeratedBy: []string{"CN=M,DC=corp"},
				ManagedBy:   []string{"CN=Owner1,DC=corp", "CN=Owner2,DC=corp"},
			},
		},
		{
			name:  "absent settings stay unset",
			lines: []string{"objectClass: group", "objectGUID: " + guidA, "mailNickname: x", "mail: x@corp.test", "groupType: 8"},
			want: directory.Group{
				Recipient: directory.Recipient{ID: guidA, DN: "CN=Sales,OU=G,DC=corp", Name: "Sales", Mail: "x@corp.test"},
				Kind:      directory.Distribution,
			},
		},
		{
			name:  "security group by groupType sign bit",
			lines: []string{"objectClass: group", "objectGUID: " + guidA, "cn: S", "mailNickname: s", "groupType: -2147483640"},
			want:  directory.Group{Recipient: directory.Recipient{ID: guidA, DN: "CN=Sales,OU=G,DC=corp", Name: "S"}, Kind: directory.MailSecurity},
		},
		{
			name:  "security group written unsigned",
			lines: []string{"objectClass: group", "objectGUID: " + guidA, "cn: S", "mailNickname: s", "groupType: 2147483656"},
			want:  directory.Group{Recipient: directory.Recipient{ID: guidA, DN: "CN=Sales,OU=G,DC=corp", Name: "S"}, Kind: directory.MailSecurity},
		},
		{
			name: "dynamic group",
			lines: []string{"objectClass: top", "objectClass: msExchDynamicDistributionList", "objectGUID: " + guidA, "cn: D",
				"msExchDynamicDLFilter: (objectClass=contact)", "msExchDynamicDLBaseDN: OU=Contacts,DC=corp"},
			want: directory.Group{Recipient: directory.Recipient{ID: guidA, DN: "CN=Sales,OU=G,DC=corp", Name: "D"}, Kind: directory.Dynamic,
				DynamicFilter: "(objectClass=contact)", DynamicBaseDN: "OU=Contacts,DC=corp"},
		},
		{
			name:  "microsoft 365 group written back",
			lines: []string{"objectClass: group", "objectGUID: " + guidA, "cn: M", "mailNickname: m", "msExchRecipientTypeDetails: 8796093022208"},
			want:  directory.Group{Recipient: directory.Recipient{ID: guidA, DN: "CN=Sales,OU=G,DC=corp", Name: "M"}, Kind: directory.Microsoft365},
		},
		{
			name:     "bad boolean is a problem and unset",
			lines:    []string{"objectClass: group", "objectGUID: " + guidA, "cn: B", "mailNickname: b", "reportToOriginator: yes"},
			want:     directory.Group{Recipient: directory.Recipient{ID: guidA, DN: "CN=Sales,OU=G,DC=corp", Name: "B"}, Kind: directory.Distribution},
			wantProb: 1,
		},
		{
			name:  "no GUID: DN is the ID",
			lines: []string{"objectClass: group", "cn: N", "mailNickname: n"},
			want:  directory.Group{Recipient: directory.Recipient{ID: "CN=Sales,OU=G,DC=corp", DN: "CN=Sales,OU=G,DC=corp", Name: "N"}, Kind: directory.Distribution},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, refs, probs, err := MapGroup(entry(t, "CN=Sales,OU=G,DC=corp", tt.lines...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("group (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRefs, refs); diff != "" {
				t.Errorf("refs (-want +got):\n%s", diff)
			}
			if len(probs) != tt.wantProb {
				t.Errorf("problems = %q, want %d", probs, tt.wantProb)
			}
		})
	}
}

func TestMapUserAndContact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		lines        []string
		wantKind     directory.UserKind
		wantExternal string
		wantDisabled bool
	}{
		{"mailbox by homeMDB", []string{"homeMDB: CN=DB1", "mail: a@corp.test"}, directory.Mailbox, "", false},
		{"mailbox by type", []string{"msExchRecipientTypeDetails: 1", "userAccountControl: 514"}, directory.Mailbox, "", true},
		{"shared mailbox", []string{"msExchRecipientTypeDetails: 4"}, directory.Mailbox, "", false},
		{"mail user by type", []string{"msExchRecipientTypeDetails: 128", "targetAddress: SMTP:bob@partner.test"}, directory.MailUser, "bob@partner.test", false},
		{"mail user by target", []string{"mailNickname: bob", "targetAddress: smtp:bob@partner.test"}, directory.MailUser, "bob@partner.test", false},
		{"remote mailbox", []string{"msExchRecipientTypeDetails: 2147483648", "targetAddress: SMTP:ann@tenant.mail.onmicrosoft.com"}, directory.RemoteMailbox, "ann@tenant.mail.onmicrosoft.com", false},
		{"remote shared mailbox", []string{"msExchRecipientTypeDetails: 34359738368"}, directory.RemoteMailbox, "", false},
		{"non-SMTP target kept with its type", []string{"mailNickname: x", "targetAddress: X400:c=US;a= ;p=Org"}, directory.MailUser, "X400:c=US;a= ;p=Org", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := entry(t, "CN=U,DC=corp", append([]string{"objectClass: user", "objectGUID: " + guidB}, tt.lines...)...)
			if k := Classify(e); k != KindUser {
				t.Fatalf("Classify = %v", k)
			}
			u, probs, err := MapUser(e)
			if err != nil || len(probs) > 0 {
				t.Fatalf("MapUser: %v %q", err, probs)
			}
			if u.ID != guidB || u.Kind != tt.wantKind || u.ExternalAddress != tt.wantExternal || u.Disabled != tt.wantDisabled {
				t.Errorf("got id %s kind %s external %q disabled %v, want %s %q %v", u.ID, u.Kind, u.ExternalAddress, u.Disabled, tt.wantKind, tt.wantExternal, tt.wantDisabled)
			}
		})
	}

	c, probs, err := MapContact(entry(t, "CN=Bob\\, Partner,OU=C,DC=corp", "objectClass: contact", "objectGUID: "+guidA,
		"targetAddress: SMTP:bob@partner.test", "proxyAddresses: SMTP:bob@partner.test", "msExchHideFromAddressLists: FALSE"))
	if err != nil || len(probs) > 0 {
		t.Fatalf("MapContact: %v %q", err, probs)
	}
	want := directory.Contact{Recipient: directory.Recipient{ID: guidA, DN: "CN=Bob\\, Partner,OU=C,DC=corp", Name: "Bob, Partner",
		Mail: "bob@partner.test", ProxyAddresses: []string{"SMTP:bob@partner.test"}, ExternalAddress: "bob@partner.test"}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("contact (-want +got):\n%s", diff)
	}
}

func TestMapAcceptedDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		flags   string
		want    directory.AcceptedDomain
		wantErr bool
	}{
		{"", directory.AcceptedDomain{Domain: "corp.test", Type: directory.Authoritative}, false},
		{"4", directory.AcceptedDomain{Domain: "corp.test", Type: directory.Authoritative, Default: true}, false},
		{"1", directory.AcceptedDomain{Domain: "corp.test", Type: directory.ExternalRelay}, false},
		{"2", directory.AcceptedDomain{Domain: "corp.test", Type: directory.InternalRelay}, false},
		{"2048", directory.AcceptedDomain{Domain: "corp.test", Type: directory.Authoritative, Coexistence: true}, false},
		{"65538", directory.AcceptedDomain{Domain: "corp.test", Type: directory.InternalRelay, MatchSubDomains: true}, false},
		{"3", directory.AcceptedDomain{}, true},
		{"x", directory.AcceptedDomain{}, true},
	}
	for _, tt := range tests {
		t.Run("flags="+tt.flags, func(t *testing.T) {
			t.Parallel()
			lines := []string{"objectClass: msExchAcceptedDomain", "msExchAcceptedDomainName: corp.test"}
			if tt.flags != "" {
				lines = append(lines, "msExchAcceptedDomainFlags: "+tt.flags)
			}
			got, err := MapAcceptedDomain(entry(t, "CN=corp.test,CN=Accepted Domains", lines...))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := MapAcceptedDomain(entry(t, "CN=x", "objectClass: msExchAcceptedDomain")); err == nil {
		t.Error("accepted domain without a name was accepted")
	}
}

func TestMapRemoteDomain(t *testing.T) {
	t.Parallel()
	T, F := directory.True, directory.False
	tests := []struct {
		value string
		want  directory.RemoteDomain
	}{
		{"", directory.RemoteDomain{}},
		{"30", directory.RemoteDomain{AllowedOOFType: directory.OOFExternal, AutoReplyEnabled: T, AutoForwardEnabled: T, DeliveryReportEnabled: T, NDREnabled: T, IsInternal: F}},
		{"0", directory.RemoteDomain{AllowedOOFType: directory.OOFExternal, AutoReplyEnabled: F, AutoForwardEnabled: F, DeliveryReportEnabled: F, NDREnabled: F, IsInternal: F}},
		{"1", directory.RemoteDomain{AllowedOOFType: directory.OOFExternalLegacy, AutoReplyEnabled: F, AutoForwardEnabled: F, DeliveryReportEnabled: F, NDREnabled: F, IsInternal: F}},
		{"56", directory.RemoteDomain{AllowedOOFType: directory.OOFNone, AutoReplyEnabled: F, AutoForwardEnabled: F, DeliveryReportEnabled: T, NDREnabled: T, IsInternal: F}},
		{"95", directory.RemoteDomain{AllowedOOFType: directory.OOFInternalLegacy, AutoReplyEnabled: T, AutoForwardEnabled: T, DeliveryReportEnabled: T, NDREnabled: T, IsInternal: T}},
		// 64 alone (internal, no legacy bit) is not one of the four
		// values the getter knows: it reads as External.
		{"64", directory.RemoteDomain{AllowedOOFType: directory.OOFExternal, AutoReplyEnabled: F, AutoForwardEnabled: F, DeliveryReportEnabled: F, NDREnabled: F, IsInternal: T}},
	}
	for _, tt := range tests {
		t.Run("value="+tt.value, func(t *testing.T) {
			t.Parallel()
			lines := []string{"objectClass: msExchDomainContentConfig", "cn: Default", "domainName: *"}
			if tt.value != "" {
				lines = append(lines, "msExchRoutingAcceptMessageType: "+tt.value)
			}
			got, err := MapRemoteDomain(entry(t, "CN=Default,CN=Internet Message Formats", lines...))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Name, tt.want.DomainPattern = "Default", "*"
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// The absent attribute leaves everything unset, and the model's
	// defaults for unset values are exactly what Exchange's default 30 says.
	def, _ := MapRemoteDomain(entry(t, "CN=D", "objectClass: msExchDomainContentConfig", "domainName: *"))
	explicit, _ := MapRemoteDomain(entry(t, "CN=D", "objectClass: msExchDomainContentConfig", "domainName: *", "msExchRoutingAcceptMessageType: 30"))
	if def.EffectiveOOFType() != explicit.EffectiveOOFType() ||
		def.AutoReplyEnabled.Or(true) != explicit.AutoReplyEnabled.Or(false) ||
		def.NDREnabled.Or(true) != explicit.NDREnabled.Or(false) ||
		def.IsInternal.Or(false) != explicit.IsInternal.Or(true) {
		t.Errorf("absent attribute does not read like the default 30: %+v vs %+v", def, explicit)
	}
}

func TestNormalizeDN(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b string }{
		{"CN=Sales,OU=Groups,DC=corp,DC=test", "cn=sales,ou=groups,dc=corp,dc=test"},
		{"CN=Sales, OU=Groups, DC=corp", "cn=Sales,ou=Groups,dc=CORP"},
		{"CN = Sales , OU=Groups", "CN=Sales,OU=Groups"},
		{`CN=Smith\, John,DC=corp`, `cn=smith\, john,dc=corp`},
	}
	for _, tt := range tests {
		if NormalizeDN(tt.a) != NormalizeDN(tt.b) {
			t.Errorf("NormalizeDN(%q) = %q != NormalizeDN(%q) = %q", tt.a, NormalizeDN(tt.a), tt.b, NormalizeDN(tt.b))
		}
	}
	if NormalizeDN(`CN=a\, b,DC=x`) == NormalizeDN(`CN=a,CN=b,DC=x`) {
		t.Error("an escaped comma compared equal to a separator")
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc     string
		wantBase string
		want     Range
		wantErr  error
		anyErr   bool
	}{
		{"member;range=0-1499", "member", Range{Low: 0, High: 1499}, nil, false},
		{"member;Range=1500-*", "member", Range{Low: 1500, Last: true}, nil, false},
		{"member", "member", Range{}, ErrNoRange, false},
		{"member;binary", "member", Range{}, ErrNoRange, false},
		{"member;range=5-2", "member", Range{}, nil, true},
		{"member;range=x-2", "member", Range{}, nil, true},
		{"member;range=7", "member", Range{}, nil, true},
	}
	for _, tt := range tests {
		base, r, err := ParseRange(tt.desc)
		switch {
		case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
			t.Errorf("ParseRange(%q) err = %v, want %v", tt.desc, err, tt.wantErr)
		case tt.anyErr && err == nil:
			t.Errorf("ParseRange(%q) succeeded", tt.desc)
		case !tt.anyErr && tt.wantErr == nil && err != nil:
			t.Errorf("ParseRange(%q): %v", tt.desc, err)
		}
		if base != tt.wantBase || r != tt.want {
			t.Errorf("ParseRange(%q) = %q %+v, want %q %+v", tt.desc, base, r, tt.wantBase, tt.want)
		}
	}
	if got := BaseName("member;range=0-*"); got != "member" {
		t.Errorf("BaseName = %q", got)
	}
	if got := BaseName("description;lang-de"); got != "description;lang-de" {
		t.Errorf("BaseName dropped a language tag: %q", got)
	}
}

func TestBuilderResolves(t *testing.T) {
	t.Parallel()
	b := NewBuilder("test")
	add := func(dn string, lines ...string) { b.Add(entry(t, dn, lines...)) }
	add("CN=Outer,DC=corp", "objectClass: group", "objectGUID: "+guidA, "mailNickname: outer",
		"member: CN=Inner,DC=corp", "member: cn=bob, dc=corp", "member: CN=NoMail,DC=corp", "member: CN=Gone,DC=corp", "member: CN=Other,DC=else",
		"managedBy: CN=Inner,DC=corp", "authOrig: CN=NoMail,DC=corp")
	add("CN=Inner,DC=corp", "objectClass: group", "objectGUID: "+guidB, "mailNickname: inner", "member: CN=Outer,DC=corp")
	if _, added := b.Add(entry(t, "CN=Bob,DC=corp", "objectClass: contact", "objectGUID: 33333333-0000-0000-0000-000000000003", "targetAddress: SMTP:bob@partner.test")); !added {
		t.Error("a new entry was not added")
	}
	add("CN=NoMail,DC=corp", "objectClass: user", "objectGUID: 44444444-0000-0000-0000-000000000004")
	// A duplicate (a retried page) is ignored, and says so, so that a
	// caller counting entries counts it once.
	if kind, added := b.Add(entry(t, "cn=bob,dc=corp", "objectClass: contact", "objectGUID: 55555555-0000-0000-0000-000000000005", "targetAddress: SMTP:x@y.test")); added || kind != KindContact {
		t.Errorf("duplicate: kind %v, added %v; want the first's kind and not added", kind, added)
	}

	if diff := cmp.Diff([]string{"CN=Gone,DC=corp", "CN=Other,DC=else"}, b.Unresolved()); diff != "" {
		t.Errorf("Unresolved (-want +got):\n%s", diff)
	}
	b.Missing("CN=Other,DC=else", "in another domain")
	s := b.Finish(time.Unix(0, 0))
	if len(s.Groups) != 2 || len(s.Contacts) != 1 || len(s.Users) != 0 {
		t.Fatalf("got %d groups %d contacts %d users", len(s.Groups), len(s.Contacts), len(s.Users))
	}
	outer := s.Groups[0]
	wantMembers := []string{guidB, "33333333-0000-0000-0000-000000000003", "CN=Gone,DC=corp", "CN=Other,DC=else"}
	if diff := cmp.Diff(wantMembers, outer.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{guidB}, outer.ManagedBy); diff != "" {
		t.Errorf("managedBy (-want +got):\n%s", diff)
	}
	// A sender list that names a non-recipient keeps the DN: the list
	// still restricts senders.
	if diff := cmp.Diff([]string{"CN=NoMail,DC=corp"}, outer.AcceptOnlyFrom); diff != "" {
		t.Errorf("authOrig (-want +got):\n%s", diff)
	}
	wantGaps := []directory.Gap{
		{What: directory.CoverGroupMembers, Object: guidA, Reason: "member CN=Gone,DC=corp: not found in what was read"},
		{What: directory.CoverGroupMembers, Object: guidA, Reason: "member CN=Other,DC=else: in another domain"},
	}
	if diff := cmp.Diff(wantGaps, s.Coverage.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	reads := map[string]int{}
	for _, r := range s.Coverage.Read {
		reads[r.What] = r.Count
	}
	if reads[directory.CoverGroupMembers] != 3 || reads[directory.CoverNonRecipientMembers] != 1 {
		t.Errorf("reads = %v, want 3 memberships and 1 non-recipient", reads)
	}
}
