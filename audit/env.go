package audit

import (
	"slices"
	"strings"

	"dgaudit/directory"
)

// ObjectKind says what a referenced object is.
type ObjectKind string

// Object kinds.
const (
	KindGroup   ObjectKind = "group"
	KindUser    ObjectKind = "user"
	KindContact ObjectKind = "contact"
)

// Object is a resolved reference.
type Object struct {
	Kind    ObjectKind
	ID      string
	Name    string
	Address string
	Group   *directory.Group
	User    *directory.User
	Contact *directory.Contact
}

// Env is what every check may consult besides the group itself: lookups over
// the snapshot and the organization's domains. It is built once per Run.
type Env struct {
	Snap *directory.Snapshot

	// objects indexes every object ID; the graph shares it. Values are
	// small (kind and slice index) because a large directory has hundreds
	// of thousands of entries.
	objects map[string]objRef
	// ownerGaps holds the IDs of groups whose first owner the source
	// could not read (a directory.CoverGroupOwner gap).
	ownerGaps map[string]bool
	domains   domainClassifier
	// groupByAddress maps every SMTP address of every group to the group.
	groupByAddress map[string]*directory.Group
	// contactInternal marks contacts whose mail routes to an internal domain.
	contactInternal []bool
}

func newEnv(snap *directory.Snapshot, internalDomains []string) *Env {
	e := &Env{
		Snap:           snap,
		objects:        make(map[string]objRef, len(snap.Groups)+len(snap.Users)+len(snap.Contacts)),
		groupByAddress: make(map[string]*directory.Group, len(snap.Groups)),
	}
	for i := range snap.Groups {
		g := &snap.Groups[i]
		e.objects[g.ID] = objRef{KindGroup, int32(i)}
		for _, a := range g.SMTPAddresses() {
			e.groupByAddress[a] = g
		}
	}
	for i := range snap.Users {
		e.objects[snap.Users[i].ID] = objRef{KindUser, int32(i)}
	}
	for i := range snap.Contacts {
		e.objects[snap.Contacts[i].ID] = objRef{KindContact, int32(i)}
	}
	for _, gap := range snap.Coverage.Gaps {
		if gap.What == directory.CoverGroupOwner {
			if e.ownerGaps == nil {
				e.ownerGaps = map[string]bool{}
			}
			e.ownerGaps[gap.Object] = true
		}
	}
	e.domains = newDomainClassifier(snap, internalDomains)
	e.contactInternal = make([]bool, len(snap.Contacts))
	for i := range snap.Contacts {
		d := directory.Domain(snap.Contacts[i].RoutingAddress())
		e.contactInternal[i] = d != "" && e.domains.internal(d)
	}
	return e
}

// InternalContact returns the contact with this ID when it is one whose mail
// routes back into the organization (a target address in an internal
// domain). It is cheap enough to call for every member of every group.
func (e *Env) InternalContact(id string) (*directory.Contact, bool) {
	r, ok := e.objects[id]
	if !ok || r.kind != KindContact || !e.contactInternal[r.idx] {
		return nil, false
	}
	return &e.Snap.Contacts[r.idx], true
}

type objRef struct {
	kind ObjectKind
	idx  int32
}

// Object resolves an object ID.
func (e *Env) Object(id string) (Object, bool) {
	r, ok := e.objects[id]
	if !ok {
		return Object{}, false
	}
	switch r.kind {
	case KindGroup:
		g := &e.Snap.Groups[r.idx]
		return Object{Kind: KindGroup, ID: g.ID, Name: g.Name, Address: g.Mail, Group: g}, true
	case KindUser:
		u := &e.Snap.Users[r.idx]
		return Object{Kind: KindUser, ID: u.ID, Name: u.Name, Address: u.RoutingAddress(), User: u}, true
	}
	c := &e.Snap.Contacts[r.idx]
	return Object{Kind: KindContact, ID: c.ID, Name: c.Name, Address: c.RoutingAddress(), Contact: c}, true
}

// Ref describes a referenced object for evidence; an unresolved reference is
// shown as it was stored.
func (e *Env) Ref(id string) MemberRef {
	o, ok := e.Object(id)
	if !ok {
		return MemberRef{ID: id, Kind: "unresolved"}
	}
	kind := string(o.Kind)
	if o.User != nil {
		kind = string(o.User.Kind)
	}
	return MemberRef{ID: id, Name: o.Name, Address: o.Address, Kind: kind}
}

// GroupForAddress finds the group that owns an SMTP address.
func (e *Env) GroupForAddress(address string) (*directory.Group, bool) {
	g, ok := e.groupByAddress[strings.ToLower(address)]
	return g, ok
}

// IsInternalDomain reports whether mail for the domain stays in this
// organization.
func (e *Env) IsInternalDomain(domain string) bool { return e.domains.internal(domain) }

// AcceptedDomainsKnown reports whether the snapshot carries the organization's
// accepted domains. When it does not, the engine falls back to the domains of
// its mailboxes, and an organization finding says so.
func (e *Env) AcceptedDomainsKnown() bool { return e.domains.acceptedKnown }

// InferredInternalDomains lists domains taken as internal without being
// accepted domains: mailbox domains when accepted domains are unknown, and the
// coexistence (Microsoft 365 tenant) domains hybrid remote mailboxes route
// to. A remote mailbox routing to any other domain is not one of them.
func (e *Env) InferredInternalDomains() []string { return e.domains.inferredList() }

// RemoteDomainsKnown reports whether the snapshot carries remote domains.
func (e *Env) RemoteDomainsKnown() bool {
	return len(e.Snap.Org.RemoteDomains) > 0 || e.Snap.Coverage.Has(directory.CoverRemoteDomains)
}

// domainClassifier decides whether a domain is internal: an authoritative or
// internal-relay accepted domain other than "*" (which covers every domain),
// a coexistence domain (accepted, or a tenant
// domain a remote mailbox routes to), a domain the user
// declared internal, or (only when accepted domains are unknown) a domain one
// of the organization's mailboxes uses.
type domainClassifier struct {
	accepted      []directory.AcceptedDomain
	extra         []string
	inferred      map[string]bool
	acceptedKnown bool
}

func newDomainClassifier(snap *directory.Snapshot, extra []string) domainClassifier {
	c := domainClassifier{inferred: map[string]bool{}}
	for _, d := range snap.Org.AcceptedDomains {
		// A "*" domain would make every address internal: no member
		// external, no loop risk, every partner contact "inside". It relays
		// mail for domains that are not ours, so it decides nothing here.
		if d.CoversAll() {
			continue
		}
		if d.Type != directory.ExternalRelay || d.Coexistence {
			c.accepted = append(c.accepted, d)
		}
	}
	c.acceptedKnown = len(snap.Org.AcceptedDomains) > 0
	for _, d := range extra {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			c.extra = append(c.extra, d)
		}
	}
	for i := range snap.Users {
		u := &snap.Users[i]
		switch {
		case u.Kind == directory.RemoteMailbox && u.ExternalAddress != "":
			// A remote mailbox routes to the tenant's coexistence domain, so
			// that domain is ours even when it is not listed as accepted.
			// Only a Microsoft 365 tenant domain qualifies: a remote mailbox
			// pointed anywhere else routes outside, and taking its domain
			// as internal would hide every contact there.
			if d := directory.Domain(u.ExternalAddress); d != "" && isTenantDomain(d) && !c.matchesAccepted(d) {
				c.inferred[d] = true
			}
		case u.Kind == directory.Mailbox && !c.acceptedKnown:
			if d := directory.Domain(u.Mail); d != "" {
				c.inferred[d] = true
			}
		}
	}
	return c
}

// isTenantDomain reports whether d is a Microsoft 365 tenant domain, the only
// kind a remote mailbox's target makes internal by inference. The parents are
// the worldwide service, US Government (GCC High, DoD) and the service
// operated by 21Vianet; hybrid coexistence domains
// (tenant.mail.onmicrosoft.com and the national-cloud equivalents) and
// initial domains lie under them.
func isTenantDomain(d string) bool {
	d = strings.ToLower(d)
	for _, ns := range [...]string{".onmicrosoft.com", ".onmicrosoft.us", ".partner.onmschina.cn"} {
		if strings.HasSuffix(d, ns) {
			return true
		}
	}
	return false
}

func (c domainClassifier) matchesAccepted(d string) bool {
	for _, a := range c.accepted {
		if a.Matches(d) {
			return true
		}
	}
	return false
}

func (c domainClassifier) internal(d string) bool {
	d = strings.ToLower(d)
	if d == "" {
		// Not an SMTP address (an X.500 or other target): it does not leave
		// over SMTP, so it is not treated as external.
		return true
	}
	if c.matchesAccepted(d) || c.inferred[d] {
		return true
	}
	for _, x := range c.extra {
		if directory.DomainMatches(x, d, true) {
			return true
		}
	}
	return false
}

func (c domainClassifier) inferredList() []string {
	out := make([]string, 0, len(c.inferred))
	for d := range c.inferred {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}
