package audit

import "dgaudit/directory"

// What a group's first owner (ManagedBy[0]) is, as GroupSettings.FirstOwner
// states it. Besides these, the value is an object kind (group, contact) or
// a user kind (mailbox, mail-user, remote-mailbox, guest). Remediation needs
// it: turning manager mode on sends every delivery report to the first
// owner, which is only right when that owner is a person who exists.
const (
	// FirstOwnerNone: ManagedBy is empty.
	FirstOwnerNone = "none"
	// FirstOwnerUnresolved: ManagedBy[0] matches no object the collection
	// read (a deleted account, an owner in another domain).
	FirstOwnerUnresolved = "unresolved"
	// FirstOwnerUnknown: the group's settings, ManagedBy among them, were
	// not read.
	FirstOwnerUnknown = "unknown"
)

// ValidFirstOwner reports whether s is a value GroupSettings.FirstOwner can
// hold, so that a report reader can refuse anything else.
func ValidFirstOwner(s string) bool {
	switch s {
	case FirstOwnerNone, FirstOwnerUnresolved, FirstOwnerUnknown, string(KindGroup), string(KindContact):
		return true
	}
	return FirstOwnerIsUser(s)
}

// FirstOwnerIsUser reports whether a FirstOwner value is a user (a mailbox,
// mail user, remote mailbox or guest). Not every user is a fit target for
// delivery reports: a mail user's or guest's mail leaves the organization,
// so remediation proposes manager mode only for the mailbox kinds.
func FirstOwnerIsUser(s string) bool {
	switch directory.UserKind(s) {
	case directory.Mailbox, directory.MailUser, directory.RemoteMailbox, directory.Guest:
		return true
	}
	return false
}

// firstOwner says what g's first owner is.
func (e *Env) firstOwner(g *directory.Group) string {
	switch {
	case g.SettingsUnknown:
		return FirstOwnerUnknown
	case len(g.ManagedBy) == 0:
		return FirstOwnerNone
	}
	o, ok := e.Object(g.ManagedBy[0])
	switch {
	case !ok:
		return FirstOwnerUnresolved
	case o.User != nil:
		return string(o.User.Kind)
	}
	return string(o.Kind)
}

// ownerUnknown reports whether g sends its delivery reports to a first owner
// the source could not read: manager mode, a first owner that resolved to
// nothing (firstOwner is what Env.firstOwner said), and the source's
// CoverGroupOwner gap for the group. Only manager mode counts: there
// Exchange sends every delivery report of the group to that owner, and
// manager-is-group judges whether it is a group, which an owner nobody read
// cannot tell. Outside manager mode the first owner receives nothing and no
// rule depends on its kind. The gap is what tells an owner nobody could read
// (another domain, denied) from one that was read and is simply no
// recipient (an administrator without a mailbox, a security group without
// mail), which the snapshot keeps the same way, as a bare reference: such an
// owner receives no report either, and counting it would mark a healthy
// group incomplete every night.
func (e *Env) ownerUnknown(g *directory.Group, firstOwner string) bool {
	return firstOwner == FirstOwnerUnresolved && g.DeliveryReports() == directory.ReportToManagerTarget && e.ownerGaps[g.ID]
}
