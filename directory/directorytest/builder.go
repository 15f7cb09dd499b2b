package directorytest

import (
	"strings"
	"time"

	"dgaudit/directory"
)

// Org is the accepted domain every builder snapshot starts with.
const Org = "corp.example"

// Builder accumulates objects. IDs are the names given, which keeps test
// expectations readable.
type Builder struct {
	s directory.Snapshot
}

// New starts a snapshot of an organization whose only accepted domain is
// corp.example (authoritative) and whose Default remote domain is unset.
func New() *Builder {
	b := &Builder{}
	b.s.Source = "test"
	b.s.CollectedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b.s.Org.AcceptedDomains = []directory.AcceptedDomain{{Domain: Org, Type: directory.Authoritative, Default: true}}
	b.s.Org.RemoteDomains = []directory.RemoteDomain{{Name: "Default", DomainPattern: "*"}}
	b.s.Coverage.AddRead(directory.CoverRemoteDomains, 1, "test")
	return b
}

// Mailbox adds a mailbox user name@corp.example.
func (b *Builder) Mailbox(names ...string) *Builder {
	for _, n := range names {
		b.s.Users = append(b.s.Users, directory.User{Recipient: directory.Recipient{ID: n, Name: n, Mail: n + "@" + Org}, Kind: directory.Mailbox})
	}
	return b
}

// User adds a user of any kind with the given routing address.
func (b *Builder) User(name string, kind directory.UserKind, address string) *Builder {
	u := directory.User{Recipient: directory.Recipient{ID: name, Name: name, Mail: address}, Kind: kind}
	if kind == directory.MailUser || kind == directory.RemoteMailbox {
		u.Mail = name + "@" + Org
		u.ExternalAddress = address
	}
	b.s.Users = append(b.s.Users, u)
	return b
}

// Contact adds a mail contact routing to address.
func (b *Builder) Contact(name, address string) *Builder {
	b.s.Contacts = append(b.s.Contacts, directory.Contact{Recipient: directory.Recipient{ID: name, Name: name, Mail: address, ExternalAddress: address}})
	return b
}

// Group adds a distribution group name@corp.example with the given members
// (IDs) and lets edit adjust it.
func (b *Builder) Group(name string, members []string, edit ...func(*directory.Group)) *Builder {
	g := directory.Group{
		Recipient: directory.Recipient{ID: name, Name: name, Mail: strings.ToLower(name) + "@" + Org},
		Kind:      directory.Distribution,
		Members:   members,
	}
	for _, e := range edit {
		e(&g)
	}
	b.s.Groups = append(b.s.Groups, g)
	return b
}

// Edit changes the snapshot directly.
func (b *Builder) Edit(f func(*directory.Snapshot)) *Builder {
	f(&b.s)
	return b
}

// Snapshot returns the built snapshot, normalised and validated; it panics on
// an invalid fixture, which is a bug in the test.
func (b *Builder) Snapshot() *directory.Snapshot {
	s := b.s
	if err := s.Validate(); err != nil {
		panic("directorytest: invalid fixture: " + err.Error())
	}
	s.Normalize()
	return &s
}

// Settings helpers for Group's edit functions.

// Open makes a group open to outside senders explicitly (FALSE stored).
func Open(g *directory.Group) { g.RequireSenderAuth = directory.False }

// Closed requires sender authentication.
func Closed(g *directory.Group) { g.RequireSenderAuth = directory.True }

// ReportsToOriginator turns on reportToOriginator.
func ReportsToOriginator(g *directory.Group) { g.ReportToOriginator = directory.True }

// ReportsToManager turns on reportToOwner.
func ReportsToManager(g *directory.Group) { g.ReportToManager = directory.True }

// OOFToOriginator turns on oOFReplyToOriginator.
func OOFToOriginator(g *directory.Group) { g.OOFToOriginator = directory.True }

// Moderated turns on moderation.
func Moderated(g *directory.Group) { g.Moderation = directory.True }

// Owner sets ManagedBy.
func Owner(ids ...string) func(*directory.Group) {
	return func(g *directory.Group) { g.ManagedBy = ids }
}

// Kind sets the group kind.
func Kind(k directory.GroupKind) func(*directory.Group) {
	return func(g *directory.Group) { g.Kind = k }
}

// AcceptOnlyFrom sets authOrig.
func AcceptOnlyFrom(ids ...string) func(*directory.Group) {
	return func(g *directory.Group) { g.AcceptOnlyFrom = ids }
}
