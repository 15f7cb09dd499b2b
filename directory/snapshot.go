package directory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// SchemaVersion is the snapshot file format version this build reads and
// writes. It changes only when a change would make an older reader misread a
// newer file; docs/snapshot.md describes each version.
const SchemaVersion = 1

// Names used in Coverage.Read and Gap.What, shared by every source so that the
// engine can ask whether something was collected at all.
const (
	CoverGroups       = "groups"
	CoverUsers        = "users"
	CoverContacts     = "contacts"
	CoverGroupMembers = "group-members"
	// CoverGroupOwner is a group's first owner (ManagedBy[0]) that could
	// not be read where it matters, in manager mode; a gap's Object is the
	// group's ID.
	CoverGroupOwner = "group-owner"
	// CoverGroupSettings is a group's delivery settings (RequireSenderAuth
	// through ManagedBy) that could not be read, or not be vouched for: a
	// gap's Object is the group's ID, or empty for several groups.
	CoverGroupSettings   = "group-delivery-settings"
	CoverAcceptedDomains = "accepted-domains"
	CoverRemoteDomains   = "remote-domains"
	// CoverRecipientFilter is the on-premises Recipient Filter agent
	// configuration (Organization.RecipientFilter).
	CoverRecipientFilter = "recipient-filter"
	// CoverReceiveConnectors is the on-premises SMTP receive connectors and
	// their permissions (Organization.ReceiveConnectors).
	CoverReceiveConnectors = "receive-connectors"
	// CoverNonRecipientMembers counts group members that are not
	// recipients (users without mail, computers, plain security groups).
	// Exchange skips them when it expands a group, and so does the
	// snapshot; the count says they were seen, not lost.
	CoverNonRecipientMembers = "non-recipient-members"
	// CoverDynamicGroups and CoverMicrosoft365Groups are those kinds of
	// group, for a source that reads them apart from the others.
	CoverDynamicGroups      = "dynamic-groups"
	CoverMicrosoft365Groups = "microsoft365-groups"
)

// Snapshot is a point-in-time copy of a directory: everything the audit needs
// and a record of what could not be read.
type Snapshot struct {
	SchemaVersion int `json:"schemaVersion"`
	// Source names where the data came from ("ldaps://dc1.corp.example",
	// "graph:<tenant>", "demo", "ldif:export.ldf").
	Source      string       `json:"source"`
	CollectedAt time.Time    `json:"collectedAt"`
	Collector   string       `json:"collector,omitempty"`
	Org         Organization `json:"organization"`
	Groups      []Group      `json:"groups"`
	Users       []User       `json:"users"`
	Contacts    []Contact    `json:"contacts"`
	Coverage    Coverage     `json:"coverage"`
}

// Source produces a snapshot. Adapters for live directories, offline importers
// and snapshot files all satisfy it.
type Source interface {
	Snapshot(ctx context.Context) (*Snapshot, error)
}

// Validate checks what the engine relies on: every object has a unique ID and
// a known kind, and enumerations hold known values. It lists every problem
// found (up to a limit) rather than the first.
func (s *Snapshot) Validate() error {
	const maxProblems = 20
	var errs []error
	add := func(format string, args ...any) {
		if len(errs) < maxProblems {
			errs = append(errs, fmt.Errorf(format, args...))
		} else if len(errs) == maxProblems {
			errs = append(errs, errors.New("further problems not listed"))
		}
	}
	seen := make(map[string]string, len(s.Groups)+len(s.Users)+len(s.Contacts))
	checkID := func(what string, i int, id string) {
		if id == "" {
			add("%s[%d]: empty id", what, i)
			return
		}
		if prev, dup := seen[id]; dup {
			add("%s[%d]: id %q is also used by %s", what, i, id, prev)
			return
		}
		seen[id] = fmt.Sprintf("%s[%d]", what, i)
	}
	for i, g := range s.Groups {
		checkID("groups", i, g.ID)
		if !g.Kind.Valid() {
			add("groups[%d] (%q): unknown kind %q (want distribution, mail-security, dynamic or microsoft365)", i, g.ID, g.Kind)
		}
	}
	for i, u := range s.Users {
		checkID("users", i, u.ID)
		switch u.Kind {
		case Mailbox, MailUser, RemoteMailbox, Guest:
		default:
			add("users[%d] (%q): unknown kind %q (want mailbox, mail-user, remote-mailbox or guest)", i, u.ID, u.Kind)
		}
	}
	for i, c := range s.Contacts {
		checkID("contacts", i, c.ID)
	}
	for i, d := range s.Org.AcceptedDomains {
		if d.Domain == "" {
			add("organization.acceptedDomains[%d]: empty domain", i)
		}
		if !d.Type.Valid() {
			add("organization.acceptedDomains[%d] (%q): unknown type %q (want authoritative, internal-relay or external-relay)", i, d.Domain, d.Type)
		}
	}
	for i, r := range s.Org.RemoteDomains {
		if r.DomainPattern == "" {
			add("organization.remoteDomains[%d] (%q): empty domainPattern", i, r.Name)
		}
		if !r.AllowedOOFType.Valid() {
			add("organization.remoteDomains[%d] (%q): unknown allowedOOFType %q (want external, external-legacy, internal-legacy or none)", i, r.Name, r.AllowedOOFType)
		}
	}
	if f := s.Org.RecipientFilter; f != nil && !f.Present &&
		(f.AgentsFlags != nil || f.Enabled.IsSet() || f.ExternalMailEnabled.IsSet() || f.RecipientValidationEnabled.IsSet()) {
		add("organization.recipientFilter: present is false but settings are given (an absent object has none)")
	}
	for i, c := range s.Org.ReceiveConnectors {
		if c.Name == "" {
			add("organization.receiveConnectors[%d]: empty name", i)
		}
		if (c.RelayGrantedTo != "") != (c.AnonymousRelay == True) {
			add("organization.receiveConnectors[%d] (%q): relayGrantedTo is given exactly when anonymousRelay is true", i, c.Name)
		}
	}
	return errors.Join(errs...)
}

// Normalize puts the snapshot in its canonical order (objects by ID, members
// sorted, nil slices as empty) so files diff cleanly and audits are
// deterministic. ManagedBy keeps its order: its first entry has a meaning.
func (s *Snapshot) Normalize() {
	s.SchemaVersion = SchemaVersion
	slices.SortFunc(s.Groups, func(a, b Group) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(s.Users, func(a, b User) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(s.Contacts, func(a, b Contact) int { return cmp.Compare(a.ID, b.ID) })
	for i := range s.Groups {
		g := &s.Groups[i]
		if g.Members == nil {
			g.Members = []string{}
		}
		// Lists written with omitempty read back as nil: an empty one read
		// from a file is made nil too, so that a snapshot survives a write
		// and a read unchanged (FuzzDecode).
		for _, l := range []*[]string{&g.AcceptOnlyFrom, &g.AcceptOnlyFromMembersOf, &g.RejectFrom, &g.RejectFromMembersOf,
			&g.ModeratedBy, &g.ManagedBy, &g.ProxyAddresses} {
			nilIfEmpty(l)
		}
		slices.Sort(g.Members)
		g.Members = slices.Compact(g.Members)
	}
	if s.Groups == nil {
		s.Groups = []Group{}
	}
	if s.Users == nil {
		s.Users = []User{}
	}
	if s.Contacts == nil {
		s.Contacts = []Contact{}
	}
	if s.Org.AcceptedDomains == nil {
		s.Org.AcceptedDomains = []AcceptedDomain{}
	}
	if s.Org.RemoteDomains == nil {
		s.Org.RemoteDomains = []RemoteDomain{}
	}
	for i := range s.Users {
		nilIfEmpty(&s.Users[i].ProxyAddresses)
	}
	for i := range s.Contacts {
		nilIfEmpty(&s.Contacts[i].ProxyAddresses)
	}
	for i := range s.Org.ReceiveConnectors {
		c := &s.Org.ReceiveConnectors[i]
		nilIfEmpty(&c.Bindings)
		nilIfEmpty(&c.RemoteIPRanges)
	}
	// Receive connectors keep nil (not read) apart from empty (none).
	slices.SortFunc(s.Org.ReceiveConnectors, func(a, b ReceiveConnector) int {
		return cmp.Or(cmp.Compare(a.Server, b.Server), cmp.Compare(a.Name, b.Name), cmp.Compare(a.DN, b.DN))
	})
	if s.Coverage.Read == nil {
		s.Coverage.Read = []ReadCount{}
	}
	if s.Coverage.Gaps == nil {
		s.Coverage.Gaps = []Gap{}
	}
}

func nilIfEmpty(l *[]string) {
	if len(*l) == 0 {
		*l = nil
	}
}
