package build

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"dgaudit/directory"
)

// Domains of the demo organization and its partners. The .example names are
// reserved (RFC 2606), so nothing here can reach a real mailbox.
const (
	// Domain is the authoritative, default accepted domain.
	Domain = "corp.example"
	// RelayDomain is an internal-relay accepted domain used by the research
	// subsidiary: some of its recipients live here, the rest elsewhere.
	RelayDomain = "sub.corp.example"
	// CoexistenceDomain is the hybrid routing domain of the Exchange Online
	// tenant; remote mailboxes' target addresses are in it.
	CoexistenceDomain = "contoso-corp.mail.onmicrosoft.com"
)

// CollectedAt is the fixed collection time of the demo snapshot.
var CollectedAt = time.Date(2025, time.March, 14, 9, 30, 0, 0, time.UTC)

// Snapshot builds the demo organization.
func Snapshot() *directory.Snapshot {
	b := newBuilder()
	b.staff()
	b.scenarios()
	return b.snapshot()
}

// builder accumulates objects. Groups are held by pointer while they are
// wired together and copied into the snapshot at the end.
type builder struct {
	groups   []*directory.Group
	users    []*directory.User
	contacts []*directory.Contact
	names    map[string]bool // display names used so far, to keep them unique

	nextPerson int

	// Staff by department (department order as in departments), and the
	// role mailboxes the scenarios use as owners and members.
	dept     map[string][]*directory.User
	research []*directory.User
	remote   []*directory.User
	comms    *directory.User // Internal Communications (role mailbox)
	desk     *directory.User // Service Desk (role mailbox)
	fac      *directory.User // Facilities Desk (role mailbox)
}

func newBuilder() *builder {
	return &builder{names: map[string]bool{}, dept: map[string][]*directory.User{}}
}

// GUID derives a stable, GUID-shaped object ID from a kind and a key. The
// version and variant bits are those of a random (version 4) GUID, which is
// what Active Directory objectGUIDs look like; the rest comes from SHA-256, so
// IDs do not change between runs and differ between objects.
func GUID(kind, key string) string {
	h := sha256.Sum256([]byte("dgaudit-demo\x00" + kind + "\x00" + key))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// claim reserves a display name; a duplicate is a bug in the scenarios.
func (b *builder) claim(name string) {
	if b.names[name] {
		panic("demo: duplicate object name " + name)
	}
	b.names[name] = true
}

// person returns the next generated first and last name. Names walk the
// first x last grid in a scrambled but fixed order (multiplying by a number
// coprime with the grid size is a permutation), so neighbours in a
// department do not share a surname and no name repeats.
func (b *builder) person() (first, last string) {
	n := len(firstNames) * len(lastNames)
	if b.nextPerson >= n {
		panic("demo: out of generated names")
	}
	j := (b.nextPerson*1237 + 17) % n
	b.nextPerson++
	return firstNames[j%len(firstNames)], lastNames[j/len(firstNames)]
}

func localPart(first, last string) string {
	return strings.ToLower(first + "." + last)
}

// mailbox adds a mailbox user in an organizational unit under OU=Staff.
func (b *builder) mailbox(ou string) *directory.User {
	first, last := b.person()
	name := first + " " + last
	mail := localPart(first, last) + "@" + Domain
	return b.addUser(directory.User{
		Recipient: directory.Recipient{
			ID:             GUID("user", mail),
			DN:             "CN=" + name + ",OU=" + ou + ",OU=Staff,DC=corp,DC=example",
			Name:           name,
			Mail:           mail,
			ProxyAddresses: []string{"SMTP:" + mail},
		},
		Kind: directory.Mailbox,
	})
}

// roleMailbox adds a shared mailbox with a fixed name and alias.
func (b *builder) roleMailbox(name, alias string) *directory.User {
	mail := alias + "@" + Domain
	return b.addUser(directory.User{
		Recipient: directory.Recipient{
			ID:             GUID("user", mail),
			DN:             "CN=" + name + ",OU=Shared Mailboxes,DC=corp,DC=example",
			Name:           name,
			Mail:           mail,
			ProxyAddresses: []string{"SMTP:" + mail},
		},
		Kind: directory.Mailbox,
	})
}

func (b *builder) addUser(u directory.User) *directory.User {
	b.claim(u.Name)
	p := &u
	b.users = append(b.users, p)
	return p
}

// contact adds a mail contact. Mail is the address the contact shows in the
// address book; target is where mail for it is routed (targetAddress). For
// an ordinary external contact the two are the same.
func (b *builder) contact(name, ou, mail, target string) *directory.Contact {
	b.claim(name)
	c := &directory.Contact{Recipient: directory.Recipient{
		ID:              GUID("contact", name+"\x00"+target),
		DN:              "CN=" + name + ",OU=" + ou + ",OU=Contacts,DC=corp,DC=example",
		Name:            name,
		Mail:            mail,
		ProxyAddresses:  []string{"SMTP:" + mail},
		ExternalAddress: target,
	}}
	b.contacts = append(b.contacts, c)
	return c
}

// externalPeople adds n external contacts with generated names at domain.
// note, when not empty, is appended to the display name of every contact
// whose index is in stale: the way administrators mark people who have left
// but whose contact nobody removed (the stale addresses of the NDR loop).
func (b *builder) externalPeople(n int, domain, ou string, stale map[int]string) []*directory.Contact {
	out := make([]*directory.Contact, n)
	for i := range n {
		first, last := b.person()
		name := first + " " + last
		if note, ok := stale[i]; ok {
			name += " (" + note + ")"
		}
		addr := localPart(first, last) + "@" + domain
		out[i] = b.contact(name, ou, addr, addr)
	}
	return out
}

// group adds a mail-enabled group with a primary address alias@domain and,
// like every recipient of a hybrid organization, a secondary address in the
// coexistence domain.
func (b *builder) group(name, alias, domain string, kind directory.GroupKind) *directory.Group {
	b.claim(name)
	mail := alias + "@" + domain
	g := &directory.Group{
		Recipient: directory.Recipient{
			ID:             GUID("group", name),
			Name:           name,
			Mail:           mail,
			ProxyAddresses: []string{"SMTP:" + mail, "smtp:" + alias + "@" + CoexistenceDomain},
		},
		Kind: kind,
	}
	// Microsoft 365 groups come from Entra ID and have no on-premises DN.
	if kind != directory.Microsoft365 {
		g.DN = "CN=" + name + ",OU=Groups,DC=corp,DC=example"
	}
	b.groups = append(b.groups, g)
	return g
}

// secure gives a group the settings an auditor wants to see: only
// authenticated senders, delivery reports to a mailbox owner (manager mode,
// the fix the loop rules recommend), out-of-office replies suppressed.
func secure(g *directory.Group, owner *directory.User) *directory.Group {
	g.RequireSenderAuth = directory.True
	g.ReportToOriginator = directory.False
	g.ReportToManager = directory.True
	g.OOFToOriginator = directory.False
	g.ManagedBy = []string{owner.ID}
	return g
}

// exchangeDefaults gives a group the values New-DistributionGroup stores on
// current Exchange versions: authentication required, reports to the
// originator, out-of-office suppressed.
func exchangeDefaults(g *directory.Group, owner *directory.User) *directory.Group {
	g.RequireSenderAuth = directory.True
	g.ReportToOriginator = directory.True
	g.ReportToManager = directory.False
	g.OOFToOriginator = directory.False
	g.ManagedBy = []string{owner.ID}
	return g
}

// add appends member references to a group.
func add[T interface {
	*directory.User | *directory.Contact | *directory.Group
}](g *directory.Group, members ...T) {
	for _, m := range members {
		switch x := any(m).(type) {
		case *directory.User:
			g.Members = append(g.Members, x.ID)
		case *directory.Contact:
			g.Members = append(g.Members, x.ID)
		case *directory.Group:
			g.Members = append(g.Members, x.ID)
		}
	}
}

// snapshot assembles the snapshot with its organization and coverage.
func (b *builder) snapshot() *directory.Snapshot {
	s := &directory.Snapshot{
		SchemaVersion: directory.SchemaVersion,
		Source:        "demo",
		CollectedAt:   CollectedAt,
		Collector:     "dgaudit demo generator (directory/demo/internal/gen)",
		Org: directory.Organization{
			Name: "Contoso Corp (demo)",
			AcceptedDomains: []directory.AcceptedDomain{
				{Domain: Domain, Type: directory.Authoritative, Default: true},
				{Domain: RelayDomain, Type: directory.InternalRelay},
				{Domain: CoexistenceDomain, Type: directory.Authoritative, Coexistence: true},
			},
			RemoteDomains: []directory.RemoteDomain{
				// The built-in Default remote domain, left as Exchange creates
				// it: out-of-office replies go to every other domain.
				{
					Name: "Default", DomainPattern: "*",
					AllowedOOFType:        directory.OOFExternal,
					AutoReplyEnabled:      directory.True,
					AutoForwardEnabled:    directory.False,
					NDREnabled:            directory.True,
					DeliveryReportEnabled: directory.True,
				},
				// A partner trusted with legacy out-of-office replies and
				// automatic forwarding.
				{
					Name: "Partner Example", DomainPattern: "partner.example",
					AllowedOOFType:        directory.OOFExternalLegacy,
					AutoReplyEnabled:      directory.True,
					AutoForwardEnabled:    directory.True,
					NDREnabled:            directory.True,
					DeliveryReportEnabled: directory.True,
					IsInternal:            directory.False,
				},
				// An old archiving service whose senders were getting
				// backscatter: someone switched its NDRs off instead of
				// fixing recipient validation.
				{
					Name: "Archive Service", DomainPattern: "archive-service.example",
					NDREnabled: directory.False,
				},
			},
		},
	}
	// The anti-spam agents were installed on the Mailbox servers, but the
	// Recipient Filter was left as Exchange configures it (msExchAgentsFlags
	// 3): enabled for external mail, no recipient validation. That is the
	// backscatter the Archive Service remote domain above was "fixed" for.
	agentsFlags := int64(3)
	s.Org.RecipientFilter = &directory.RecipientFilter{
		Present: true, AgentsFlags: &agentsFlags,
		Enabled: directory.True, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.False,
	}
	// Two receive connectors on the one Mailbox server: the default
	// Internet-facing one (anonymous senders may submit to the accepted
	// domains, nothing more), and a "Relay" connector made for the
	// scanners and line-of-business servers, which someone granted
	// ms-Exch-SMTP-Accept-Any-Recipient to ANONYMOUS LOGON without limiting
	// its remote IP ranges: an open relay (seeds 003/004).
	const connectors = "CN=SMTP Receive Connectors,CN=Protocols,CN=EX01,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT)," +
		"CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example"
	s.Org.ReceiveConnectors = []directory.ReceiveConnector{
		{
			Name: "Default Frontend EX01", Server: "EX01", DN: "CN=Default Frontend EX01," + connectors, FQDN: "mail." + Domain,
			Bindings: []string{"0.0.0.0:25", "[::]:25"}, RemoteIPRanges: []string{"0.0.0.0-255.255.255.255", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
			AnonymousRelay: directory.False,
		},
		{
			Name: "Relay", Server: "EX01", DN: "CN=Relay," + connectors, FQDN: "relay." + Domain,
			Bindings: []string{"0.0.0.0:2525"}, RemoteIPRanges: []string{"0.0.0.0-255.255.255.255"},
			AnonymousRelay: directory.True, RelayGrantedTo: directory.LabelAnonymous,
		},
	}
	members := 0
	for _, g := range b.groups {
		s.Groups = append(s.Groups, *g)
		members += len(g.Members)
	}
	for _, u := range b.users {
		s.Users = append(s.Users, *u)
	}
	for _, c := range b.contacts {
		s.Contacts = append(s.Contacts, *c)
	}
	const from = "demo"
	s.Coverage.AddRead(directory.CoverGroups, len(s.Groups), from)
	s.Coverage.AddRead(directory.CoverUsers, len(s.Users), from)
	s.Coverage.AddRead(directory.CoverContacts, len(s.Contacts), from)
	s.Coverage.AddRead(directory.CoverGroupMembers, members, from)
	s.Coverage.AddRead(directory.CoverAcceptedDomains, len(s.Org.AcceptedDomains), from)
	s.Coverage.AddRead(directory.CoverRemoteDomains, len(s.Org.RemoteDomains), from)
	s.Coverage.AddRead(directory.CoverRecipientFilter, 1, from)
	s.Coverage.AddRead(directory.CoverReceiveConnectors, len(s.Org.ReceiveConnectors), from)
	s.Normalize()
	return s
}
