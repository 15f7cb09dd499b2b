package audit

import (
	"time"

	"dgaudit/directory"
)

// ReportSchemaVersion is the version of the report's JSON shape
// (docs/report-schema.md).
const ReportSchemaVersion = 1

// Report is the result of an audit: every audited group with its score, band
// and findings, organization-level findings, and what the snapshot did not
// cover.
type Report struct {
	SchemaVersion int
	Source        string
	CollectedAt   time.Time
	AuditedAt     time.Time
	// Coverage is copied from the snapshot; Complete is false when it has gaps
	// or when any group's membership could not be fully resolved.
	Coverage directory.Coverage
	Complete bool
	Summary  Summary
	// OrgFindings are findings about organization-wide settings.
	OrgFindings []Finding
	// Groups are sorted by score (highest first), then name, then ID.
	Groups []GroupResult
	// Rules is the catalogue that ran, in ID order.
	Rules []RuleInfo
	// Suppressions are the suppressions the run was given, in their order,
	// each with what it did; nil when none were given.
	Suppressions []SuppressionResult
	// Changes compares the run with a baseline; nil without one.
	Changes *Changes
	// Traffic is the evidence from message tracking, when logs were given
	// (AttachTraffic); nil otherwise.
	Traffic *Traffic
}

// Finding is one rule's verdict on one group or on the organization.
type Finding struct {
	Rule     string
	Severity Severity
	Title    string
	Message  string
	Evidence Evidence
	// Adjust is the rule's score modifier (see Score).
	Adjust int
}

// GroupResult is everything the report says about one group.
type GroupResult struct {
	ID   string
	DN   string
	Name string
	Mail string
	Kind directory.GroupKind

	Score int
	Risk  Band

	// DirectMembers counts the group's own member references.
	DirectMembers int
	// ExpandedRecipients is the number of distinct non-group recipients a
	// message to the group reaches after every nested group is expanded.
	ExpandedRecipients int
	// ExternalMembers is how many of those are external.
	ExternalMembers int
	// ExternalDirect is how many external recipients are direct members.
	ExternalDirect int
	// ExternalReachable is how many external recipients a sender from outside
	// reaches: nested groups that require authentication, are moderated or
	// have an accept-only-from list stop expansion for such a sender. A group
	// whose settings are unknown (the root or a nested one) is not assumed
	// to stop them: what lies behind it counts as reachable, since taking it
	// for a stop would make the groups above it look safe on no evidence
	// (NestedSettingsUnknown names such nested groups).
	ExternalReachable int
	// NestedGroups is the number of distinct groups below this one.
	NestedGroups int
	// External lists every external recipient with its path.
	External []ExternalRecipient
	// Incomplete is set when part of the group could not be read: its
	// membership (MembersIncomplete), its delivery settings
	// (SettingsUnknown), the settings of a nested group its reachable
	// count depends on (NestedSettingsUnknown), or in manager mode the first
	// owner its delivery reports go to (OwnerUnknown). It is what says "do
	// not read this group as all clear"; a consumer that depends on one part
	// asks for that part, since each leaves different things unknown.
	Incomplete bool
	// MembersIncomplete is set when part of the membership, the group's own
	// or a nested group's, could not be read or resolved: the counts and
	// External are lower bounds.
	MembersIncomplete bool
	// SettingsUnknown is set when the source could not read the group's
	// delivery settings: rules that judge them (Rule.NeedsSettings) did not
	// run, and Settings shows them as unknown.
	SettingsUnknown bool
	// NestedSettingsUnknown names, sorted, the nested groups whose delivery
	// settings were not read and through which ExternalReachable counts
	// external recipients (no path through read groups alone reaches them).
	// Exchange checks each nested group's sender restrictions, so a read
	// could show them shielded: the count is an upper bound. Empty when the
	// group itself stops outside senders, and when its own settings were
	// not read (SettingsUnknown): the rules that would rest on the count do
	// not run then, and an upper bound would only confuse a reader told the
	// rest are lower bounds.
	NestedSettingsUnknown []string
	// OwnerUnknown is set when the group is in manager mode (its delivery
	// reports go to its first owner) and that owner, ManagedBy[0],
	// resolved to no object the collection read (Settings.FirstOwner is
	// FirstOwnerUnresolved): whether the reports go to a group
	// (manager-is-group) could not be judged.
	OwnerUnknown bool
	// DirSynced is set when the group is synchronized from an on-premises
	// Active Directory: a fix has to be made there, not in Exchange Online.
	DirSynced bool

	Settings GroupSettings
	Findings []Finding
	// Suppressed are findings a suppression took out of the score.
	Suppressed []SuppressedFinding
	// Change is the group's change against the baseline; empty without one.
	Change Change
	// Observed is what message tracking showed about the group, when logs
	// were given and it showed something; nil otherwise.
	Observed *ObservedTraffic
}

// Parts of a group that can be left unread, as IncompleteParts names them.
const (
	PartMembership     = "membership"
	PartSettings       = "settings"
	PartNestedSettings = "nested settings"
	PartOwner          = "owner"
)

// IncompleteParts names what of the group could not be read, membership
// before settings before nested groups' settings before the first owner;
// nil when it was read in full. Reports show it so that an
// incomplete group says why, not only that it is.
func (g *GroupResult) IncompleteParts() []string {
	var parts []string
	if g.MembersIncomplete {
		parts = append(parts, PartMembership)
	}
	if g.SettingsUnknown {
		parts = append(parts, PartSettings)
	}
	if len(g.NestedSettingsUnknown) > 0 {
		parts = append(parts, PartNestedSettings)
	}
	if g.OwnerUnknown {
		parts = append(parts, PartOwner)
	}
	return parts
}

// ExternalRecipient is one external recipient reached through a group.
type ExternalRecipient struct {
	ID      string
	Name    string
	Address string
	Domain  string
	Kind    string
	// Via is the chain of nested group names from the audited group down to
	// the group holding the recipient; empty for a direct member.
	Via []string
	// BlockedBy names the first nested group on every path that stops
	// outside senders (empty when an outside sender reaches the recipient,
	// or may: a group whose settings are unknown is not taken for a stop).
	BlockedBy string
}

// GroupSettings are the effective delivery settings of a group, each with
// whether it was set or defaulted.
type GroupSettings struct {
	RequireSenderAuth  SettingValue
	ReportToOriginator SettingValue
	ReportToManager    SettingValue
	OOFToOriginator    SettingValue
	Moderation         SettingValue
	// DeliveryReportsTo is none, originator or manager; ReportsToUnknown
	// when the settings were not read.
	DeliveryReportsTo directory.ReportTarget
	AcceptOnlyFrom    int
	RejectFrom        int
	Owners            int
	// FirstOwner is what ManagedBy[0] is: a user or object kind, or
	// FirstOwnerNone, FirstOwnerUnresolved or FirstOwnerUnknown.
	FirstOwner string
}

// Summary counts what the report holds.
type Summary struct {
	Groups   int
	ByBand   map[Band]int
	Findings int
	// ByRule counts findings per rule ID.
	ByRule map[string]int
	// BySeverity counts findings per severity.
	BySeverity map[Severity]int
	// ExternalRecipients is the number of distinct external recipients
	// reached by any group.
	ExternalRecipients int
	Gaps               int
	// Suppressed counts suppressed findings, which Findings leaves out.
	Suppressed int
}

// RuleInfo is a rule's metadata, without its check.
type RuleInfo struct {
	ID       string
	Title    string
	Severity Severity
	Adjust   int
	Scope    Scope
	Tags     []string
	Why      string
	Fix      string
	// Reads is Rule.Reads.
	Reads []string
}

// Info returns the rule's metadata.
func (r Rule) Info() RuleInfo {
	return RuleInfo{ID: r.ID, Title: r.Title, Severity: r.Severity, Adjust: r.Adjust, Scope: r.Scope(), Tags: r.Tags, Why: r.Why, Fix: r.Fix, Reads: r.Reads}
}

// MaxSeverity returns the highest severity among the findings, and false
// when there are none.
func MaxSeverity(fs []Finding) (Severity, bool) {
	if len(fs) == 0 {
		return Info, false
	}
	m := fs[0].Severity
	for _, f := range fs[1:] {
		m = max(m, f.Severity)
	}
	return m, true
}
