package adattr

import (
	"fmt"
	"time"

	"dgaudit/directory"
)

// CoverAttributes is the Gap.What for a value that could not be read.
const CoverAttributes = "attributes"

// Builder accumulates mapped entries and resolves DN references into object
// IDs when Finish is called. It is not safe for concurrent use.
type Builder struct {
	source string

	groups   []pendingGroup
	groupIdx map[string]int // normalized DN -> index in groups
	users    []directory.User
	contacts []directory.Contact
	org      directory.Organization

	// ids maps the normalized DN of every recipient read to its ID.
	ids map[string]string
	// seen holds the normalized DN of every entry added, recipient or not.
	seen map[string]Kind
	// missing holds the reason a DN is known not to be readable.
	missing map[string]string
	// claims holds, by normalized group DN, the objects that name the
	// group in their memberOf (see MemberOfClaim).
	claims map[string]claim

	gaps []directory.Gap

	// Receive connectors wait for the relay right's GUID until Finish.
	connectors       []pendingConnector
	relayRight       *GUID
	relayRightReason string

	// Whether the bind account may read each group's delivery settings
	// is judged as each group is added, and recorded in Finish
	// (settingsread.go).
	readCheck       *ReadCheck
	readCheckReason string
}

type pendingGroup struct {
	g    directory.Group
	refs GroupRefs
	// sd is the group's nTSecurityDescriptor (nil when not returned) until
	// the settings read check judges it, and classes its objectClass.
	sd      []byte
	classes []string
	read    readVerdict
}

// claim is the evidence that a group has members: the first object found
// naming it in memberOf, and how many did.
type claim struct {
	first string
	n     int
}

// NewBuilder returns a builder for a snapshot whose Source is source.
func NewBuilder(source string) *Builder {
	return &Builder{
		source:   source,
		groupIdx: map[string]int{},
		ids:      map[string]string{},
		seen:     map[string]Kind{},
		missing:  map[string]string{},
		claims:   map[string]claim{},
	}
}

// Add maps one entry and returns its kind, and whether it was new. An entry
// whose DN was already added is ignored (added is false), so a search that
// is retried from its first page neither duplicates objects nor, for a
// caller that counts only what was added, inflates the counts. A data
// problem in one entry (an unreadable GUID, a Boolean that is neither TRUE
// nor FALSE) becomes a coverage gap; Add never fails the whole read.
func (b *Builder) Add(e *Entry) (kind Kind, added bool) {
	key := NormalizeDN(e.DN)
	if k, dup := b.seen[key]; dup {
		return k, false
	}
	kind = Classify(e)
	b.seen[key] = kind
	// An export of every attribute (ldifde's default) carries memberOf:
	// the back-links tell a group whose member list was withheld from
	// one that is empty. The LDAP adapter asks for them per group instead.
	for _, g := range e.Strings("memberOf") {
		b.MemberOfClaim(g, e.DN)
	}
	var probs []string
	var err error
	switch kind {
	case KindGroup:
		var g directory.Group
		var refs GroupRefs
		g, refs, probs, err = MapGroup(e)
		if err == nil {
			b.ids[key] = g.ID
			b.groupIdx[key] = len(b.groups)
			b.groups = append(b.groups, pendingGroup{g: g, refs: refs, sd: firstValue(e, "nTSecurityDescriptor"), classes: e.Strings("objectClass")})
			b.judge(&b.groups[len(b.groups)-1])
		}
	case KindUser:
		var u directory.User
		u, probs, err = MapUser(e)
		if err == nil {
			b.ids[key] = u.ID
			b.users = append(b.users, u)
		}
	case KindContact:
		var c directory.Contact
		c, probs, err = MapContact(e)
		if err == nil {
			b.ids[key] = c.ID
			b.contacts = append(b.contacts, c)
		}
	case KindAcceptedDomain:
		var d directory.AcceptedDomain
		if d, err = MapAcceptedDomain(e); err == nil {
			b.org.AcceptedDomains = append(b.org.AcceptedDomains, d)
		}
	case KindRemoteDomain:
		var r directory.RemoteDomain
		if r, err = MapRemoteDomain(e); err == nil {
			b.org.RemoteDomains = append(b.org.RemoteDomains, r)
		}
	case KindOrganization:
		b.org.Name = firstNonEmpty(e.First("cn"), e.First("name"), rdnValue(e.DN))
	case KindReceiveConnector:
		b.connectors = append(b.connectors, pendingConnector{c: MapReceiveConnector(e), sd: firstValue(e, "nTSecurityDescriptor")})
	case KindRelayRight:
		// The first readable object wins. An unreadable one only matters
		// when no other names the right and connectors need it: then
		// finishConnectors records one gap with its reason.
		if g, rerr := MapRelayRight(e); rerr != nil {
			b.relayRightReason = rerr.Error()
		} else if b.relayRight == nil {
			b.relayRight = &g
		}
	case KindRecipientFilter:
		// An unreadable value leaves the setting unread (nil), never
		// "off": the gap below says why.
		var f directory.RecipientFilter
		if f, err = MapRecipientFilter(e); err == nil {
			b.org.RecipientFilter = &f
		}
	}
	if err != nil {
		b.AddGap(kind.String(), e.DN, err.Error())
		// The object exists but could not be mapped: a member reference to
		// it must not read as "not found".
		b.missing[key] = err.Error()
	}
	for _, p := range probs {
		b.AddGap(CoverAttributes, e.DN, p)
	}
	return kind, true
}

// AddGap records a gap.
func (b *Builder) AddGap(what, object, reason string) {
	b.gaps = append(b.gaps, directory.Gap{What: what, Object: object, Reason: reason})
}

// Seen reports whether an entry with this DN was added.
func (b *Builder) Seen(dn string) bool {
	_, ok := b.seen[NormalizeDN(dn)]
	return ok
}

// Groups calls fn for every group read so far, in the order added. The LDAP
// adapter uses it to find the dynamic groups whose filters it must run.
func (b *Builder) Groups(fn func(g directory.Group)) {
	for _, pg := range b.groups {
		fn(pg.g)
	}
}

// SetMembers sets the member DNs of a group already added (the result of a
// dynamic group's filter).
func (b *Builder) SetMembers(groupDN string, memberDNs []string) {
	if i, ok := b.groupIdx[NormalizeDN(groupDN)]; ok {
		b.groups[i].refs.Members = memberDNs
		b.groups[i].g.MembersUnknown = false
	}
}

// MembersUnknown marks a group whose membership could not be read and
// records why as a gap.
func (b *Builder) MembersUnknown(groupDN, reason string) {
	i, ok := b.groupIdx[NormalizeDN(groupDN)]
	if !ok {
		return
	}
	b.groups[i].g.MembersUnknown = true
	b.AddGap(directory.CoverGroupMembers, b.groups[i].g.ID, reason)
}

// MemberOfClaim records that the object memberDN names the group groupDN in
// its memberOf. Active Directory computes memberOf from the groups' member
// links, but checks read access on the member object, not on the group: a
// group whose member attribute the bind account may not read (Exchange
// 2000/2003 hid a group's membership with a deny-read ACE for Everyone, KB
// 327849) comes back without member, exactly like an empty group, while
// its members still name it. Finish then reports the group's membership
// as unknown rather than empty. Each member is claimed once per group.
func (b *Builder) MemberOfClaim(groupDN, memberDN string) {
	k := NormalizeDN(groupDN)
	c := b.claims[k]
	if c.n == 0 {
		c.first = memberDN
	}
	c.n++
	b.claims[k] = c
}

// Memberless returns the DNs of the groups added so far, dynamic ones
// aside, that have no member value, membership not already unknown, and no
// object naming them in memberOf: the groups a source that can search
// should ask about (is there an object whose memberOf names it?), because
// an unreadable member attribute looks the same as an empty one.
func (b *Builder) Memberless() []string {
	var out []string
	for _, pg := range b.groups {
		if pg.g.Kind == directory.Dynamic || pg.g.MembersUnknown || len(pg.refs.Members) > 0 {
			continue
		}
		if b.claims[NormalizeDN(pg.g.DN)].n > 0 {
			continue
		}
		out = append(out, pg.g.DN)
	}
	return out
}

// unreadMembers says why a group whose member attribute came back empty
// may not be empty, or "" when nothing suggests it. The member attribute
// comes back whole or not at all (Active Directory checks read access per
// attribute, not per value), so a group with members read is never in
// doubt, hidden membership or not.
func (b *Builder) unreadMembers(pg pendingGroup) string {
	if pg.g.Kind == directory.Dynamic || pg.g.MembersUnknown || len(pg.refs.Members) > 0 {
		return ""
	}
	const denied = "the account that read the directory may not read the group's member attribute (Exchange 2000/2003 hid membership with a " +
		"deny-read ACE for Everyone, KB 327849): grant it read access to member, or list the members with Get-DistributionGroupMember"
	if c := b.claims[NormalizeDN(pg.g.DN)]; c.n > 0 {
		who := c.first + " names"
		if c.n > 1 {
			who = fmt.Sprintf("%s and %d other objects name", c.first, c.n-1)
		}
		return fmt.Sprintf("no member value could be read, yet %s the group in memberOf: %s", who, denied)
	}
	// Without a claim, only the group's permissions may tell: its members
	// live in another domain, or their memberOf is hidden too.
	if d := pg.read.denial; d.MemberBy != "" {
		return fmt.Sprintf("no member value could be read, and the group's permissions deny the bind account read of member (an entry for %s): "+
			"Active Directory leaves the attribute out as if the group were empty; grant the account read access to member, "+
			"or list the members with Get-DistributionGroupMember", d.WhoHidesMembers())
	}
	if pg.refs.MembershipHidden {
		return "the group hides its membership (hideDLMembership TRUE) and no member value could be read: it is empty, or " + denied
	}
	return ""
}

// unreadFirstOwner says why the first owner of a group in manager mode
// could not be read, or "" when it was read or does not matter. Manager
// mode (reportToOwner TRUE) sends the group's delivery reports to that
// owner, and whether it is a group decides manager-is-group: an owner that
// stays a bare DN would silently read as "not a group". One read and found
// not to be a recipient (a user without a mailbox) is known, not a gap;
// without manager mode the first owner receives nothing, and owner checks
// that remain see it as unresolved.
func (b *Builder) unreadFirstOwner(g directory.Group, owners []string) string {
	if len(owners) == 0 || !g.EffectiveReportToManager() {
		return ""
	}
	dn := owners[0]
	k := NormalizeDN(dn)
	if _, ok := b.ids[k]; ok {
		return ""
	}
	reason, missing := b.missing[k]
	if _, seen := b.seen[k]; seen && !missing {
		return ""
	}
	if !missing {
		reason = "not found in what was read"
	}
	return fmt.Sprintf("first owner (managedBy) of group %s, to whom manager mode (reportToOwner TRUE) sends its delivery reports, "+
		"could not be read, so whether they go to a group is unknown: %s: %s", g.Name, dn, reason)
}

// Unresolved returns the referenced DNs that no added entry has, each once,
// in first-reference order. A source that can look objects up reads them and
// adds them (recipients or not) before Finish; the rest are reported.
func (b *Builder) Unresolved() []string {
	var out []string
	done := map[string]bool{}
	for _, pg := range b.groups {
		r := pg.refs
		for _, list := range [][]string{r.Members, r.AcceptOnlyFrom, r.AcceptOnlyFromMembersOf, r.RejectFrom, r.RejectFromMembersOf, r.ModeratedBy, r.ManagedBy} {
			for _, dn := range list {
				k := NormalizeDN(dn)
				if _, ok := b.seen[k]; ok || done[k] {
					continue
				}
				if _, ok := b.missing[k]; ok {
					continue
				}
				done[k] = true
				out = append(out, dn)
			}
		}
	}
	return out
}

// Missing records why a referenced DN could not be read (not found, in
// another domain, access denied); Finish reports it with that reason.
func (b *Builder) Missing(dn, reason string) {
	b.missing[NormalizeDN(dn)] = reason
}

// Finish resolves references and returns the snapshot. Members that are not
// recipients are skipped and counted; members that could not be read keep
// their DN, so the engine reports them as unresolved, and each is a gap.
// Other references (owners, sender lists) keep their DN when unresolved: a
// sender allow-list whose entries cannot be resolved still restricts senders,
// and dropping them would make the group look open.
func (b *Builder) Finish(collectedAt time.Time) *directory.Snapshot {
	s := &directory.Snapshot{
		SchemaVersion: directory.SchemaVersion,
		Source:        b.source,
		CollectedAt:   collectedAt,
		Org:           b.org,
		Users:         b.users,
		Contacts:      b.contacts,
	}
	resolve := func(dns []string) []string {
		if len(dns) == 0 {
			return nil
		}
		out := make([]string, 0, len(dns))
		for _, dn := range dns {
			if id, ok := b.ids[NormalizeDN(dn)]; ok {
				out = append(out, id)
			} else {
				out = append(out, dn)
			}
		}
		return out
	}
	b.finishSettingsRead()
	memberships, skipped := 0, 0
	s.Groups = make([]directory.Group, 0, len(b.groups))
	for _, pg := range b.groups {
		g := pg.g
		if why := b.unreadMembers(pg); why != "" {
			g.MembersUnknown = true
			b.AddGap(directory.CoverGroupMembers, g.ID, why)
		}
		g.Members = make([]string, 0, len(pg.refs.Members))
		for _, dn := range pg.refs.Members {
			k := NormalizeDN(dn)
			if id, ok := b.ids[k]; ok {
				g.Members = append(g.Members, id)
				memberships++
				continue
			}
			if kind, ok := b.seen[k]; ok && kind == KindOther {
				skipped++
				continue
			}
			reason, ok := b.missing[k]
			if !ok {
				reason = "not found in what was read"
			}
			g.Members = append(g.Members, dn)
			b.AddGap(directory.CoverGroupMembers, g.ID, fmt.Sprintf("member %s: %s", dn, reason))
		}
		g.AcceptOnlyFrom = resolve(pg.refs.AcceptOnlyFrom)
		g.AcceptOnlyFromMembersOf = resolve(pg.refs.AcceptOnlyFromMembersOf)
		g.RejectFrom = resolve(pg.refs.RejectFrom)
		g.RejectFromMembersOf = resolve(pg.refs.RejectFromMembersOf)
		g.ModeratedBy = resolve(pg.refs.ModeratedBy)
		g.ManagedBy = resolve(pg.refs.ManagedBy)
		if why := b.unreadFirstOwner(g, pg.refs.ManagedBy); why != "" {
			b.AddGap(directory.CoverGroupOwner, g.ID, why)
		}
		s.Groups = append(s.Groups, g)
	}
	s.Coverage.AddRead(directory.CoverGroups, len(s.Groups), b.source)
	s.Coverage.AddRead(directory.CoverUsers, len(s.Users), b.source)
	s.Coverage.AddRead(directory.CoverContacts, len(s.Contacts), b.source)
	s.Coverage.AddRead(directory.CoverGroupMembers, memberships, b.source)
	if skipped > 0 {
		s.Coverage.AddRead(directory.CoverNonRecipientMembers, skipped, b.source)
	}
	s.Org.ReceiveConnectors = b.finishConnectors()
	s.Coverage.Gaps = append(s.Coverage.Gaps, b.gaps...)
	return s
}
