package directory

// GroupKind says what kind of mail-enabled group a Group is.
type GroupKind string

// Group kinds.
const (
	Distribution GroupKind = "distribution"
	MailSecurity GroupKind = "mail-security"
	Dynamic      GroupKind = "dynamic"
	Microsoft365 GroupKind = "microsoft365"
)

// Valid reports whether k is one of the known kinds.
func (k GroupKind) Valid() bool {
	switch k {
	case Distribution, MailSecurity, Dynamic, Microsoft365:
		return true
	}
	return false
}

// Group is a mail-enabled group with the settings that decide how Exchange
// expands it and where reports and replies go. References to other objects
// (members, owners, sender lists) are object IDs; a reference the source could
// not resolve keeps whatever identifier the source had (a DN, say) and is then
// reported as unresolved rather than dropped.
type Group struct {
	Recipient
	Kind GroupKind `json:"kind"`

	// Members are the direct members. For a dynamic group they are the result
	// of running its filter, when the source could do that.
	Members []string `json:"members"`
	// MembersUnknown is set when the source could not read the membership (a
	// dynamic group whose filter was not run, a read that failed). The group is
	// then audited without members and the report says so.
	MembersUnknown bool `json:"membersUnknown,omitempty"`
	// SettingsUnknown is set when the source could not read the delivery
	// settings below (RequireSenderAuth through ManagedBy): Microsoft Graph
	// alone, without Exchange Online, say. They are then not "absent" but
	// unread, so no default applies: the engine does not judge them and the
	// report shows them as unknown.
	SettingsUnknown bool `json:"settingsUnknown,omitempty"`
	// DirSynced is set for a group Entra Connect synchronizes from an
	// on-premises Active Directory (IsDirSynced, onPremisesSyncEnabled).
	// Exchange Online refuses to change such a group, so a fix has to be
	// made on the on-premises object; false when the source does not say.
	DirSynced bool `json:"dirSynced,omitempty"`

	// RequireSenderAuth is msExchRequireAuthToSendTo /
	// RequireSenderAuthenticationEnabled (for Microsoft 365 groups the inverse
	// of allowExternalSenders).
	RequireSenderAuth Tri `json:"requireSenderAuth,omitzero"`
	// ReportToOriginator is reportToOriginator / ReportToOriginatorEnabled.
	ReportToOriginator Tri `json:"reportToOriginator,omitzero"`
	// ReportToManager is reportToOwner / ReportToManagerEnabled.
	ReportToManager Tri `json:"reportToManager,omitzero"`
	// OOFToOriginator is oOFReplyToOriginator / SendOofMessageToOriginatorEnabled.
	OOFToOriginator Tri `json:"oofToOriginator,omitzero"`

	// AcceptOnlyFrom is authOrig / AcceptMessagesOnlyFrom (individual senders).
	AcceptOnlyFrom []string `json:"acceptOnlyFrom,omitempty"`
	// AcceptOnlyFromMembersOf is dLMemSubmitPerms / AcceptMessagesOnlyFromDLMembers.
	AcceptOnlyFromMembersOf []string `json:"acceptOnlyFromMembersOf,omitempty"`
	// RejectFrom is unauthOrig / RejectMessagesFrom.
	RejectFrom []string `json:"rejectFrom,omitempty"`
	// RejectFromMembersOf is dLMemRejectPerms / RejectMessagesFromDLMembers.
	RejectFromMembersOf []string `json:"rejectFromMembersOf,omitempty"`

	// Moderation is msExchEnableModeration / ModerationEnabled.
	Moderation  Tri      `json:"moderation,omitzero"`
	ModeratedBy []string `json:"moderatedBy,omitempty"`

	// ManagedBy is managedBy followed by msExchCoManagedByLink, in that order:
	// ManagedBy[0] is the "first owner" that ReportToManager sends reports to.
	ManagedBy []string `json:"managedBy,omitempty"`

	// DynamicFilter and DynamicBaseDN are msExchDynamicDLFilter and
	// msExchDynamicDLBaseDN (LdapRecipientFilter, RecipientContainer).
	DynamicFilter string `json:"dynamicFilter,omitempty"`
	DynamicBaseDN string `json:"dynamicBaseDN,omitempty"`
}

// Exchange's defaults for settings that are not set. They are the values the
// transport acts on when the attribute is absent from Active Directory, not the
// values New-DistributionGroup writes when it creates a group (which stores them
// explicitly). See docs/snapshot.md for the sources.

// EffectiveRequireSenderAuth is the value Exchange acts on: an absent
// msExchRequireAuthToSendTo reads as false (open to the Internet). Microsoft 365
// groups do not accept external senders unless allowed.
func (g Group) EffectiveRequireSenderAuth() bool {
	return g.RequireSenderAuth.Or(g.Kind == Microsoft365)
}

// EffectiveReportToOriginator is reportToOriginator with absent read as false.
func (g Group) EffectiveReportToOriginator() bool { return g.ReportToOriginator.Or(false) }

// EffectiveReportToManager is reportToOwner with absent read as false.
func (g Group) EffectiveReportToManager() bool { return g.ReportToManager.Or(false) }

// EffectiveOOFToOriginator is oOFReplyToOriginator with absent read as false,
// except for dynamic distribution groups, whose documented default is true.
func (g Group) EffectiveOOFToOriginator() bool { return g.OOFToOriginator.Or(g.Kind == Dynamic) }

// EffectiveModeration is msExchEnableModeration with absent read as false.
func (g Group) EffectiveModeration() bool { return g.Moderation.Or(false) }

// DeliveryReports is where delivery reports for mail sent through the group go,
// as Exchange derives it (SendDeliveryReportsTo): the manager when
// ReportToManager is on (it wins when both flags are on), else the originator
// when ReportToOriginator is on, else nobody.
func (g Group) DeliveryReports() ReportTarget {
	switch {
	case g.EffectiveReportToManager():
		return ReportToManagerTarget
	case g.EffectiveReportToOriginator():
		return ReportToOriginatorTarget
	}
	return ReportToNobody
}

// ReportTarget is the SendDeliveryReportsTo value derived from the two flags.
type ReportTarget string

// Delivery report targets.
const (
	ReportToNobody           ReportTarget = "none"
	ReportToOriginatorTarget ReportTarget = "originator"
	ReportToManagerTarget    ReportTarget = "manager"
)

// HasSenderAllowList reports whether either accept-only-from list is set.
func (g Group) HasSenderAllowList() bool {
	return len(g.AcceptOnlyFrom) > 0 || len(g.AcceptOnlyFromMembersOf) > 0
}
