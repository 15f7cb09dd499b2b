package audit

import "dgaudit/directory"

// GroupView is what a group check sees: the group, the facts the engine
// computed about it, and the environment for lookups.
type GroupView struct {
	Group *directory.Group
	Env   *Env
	// Result holds the expansion counts and the external recipients. Checks
	// read it; only the engine writes it.
	Result *GroupResult
	// Cycle names the groups in a membership cycle with this group (itself
	// included), or is nil.
	Cycle []string
	// IncompleteGroups names groups in the expansion (this one included)
	// whose membership is unknown or holds unresolved references.
	IncompleteGroups []string
	// Unresolved are this group's own member references that resolve to no
	// object in the snapshot.
	Unresolved []string
}

// OpenToOutsiders reports whether an unauthenticated sender from the Internet
// can have a message expanded by this group: authentication is not required,
// the group is not moderated, and no accept-only-from list restricts senders.
func (v *GroupView) OpenToOutsiders() bool {
	g := v.Group
	return !g.EffectiveRequireSenderAuth() && !g.EffectiveModeration() && !g.HasSenderAllowList()
}

// Setting evidence for the group's delivery settings, named as in
// Set-DistributionGroup and Active Directory.

// AuthSetting describes RequireSenderAuthenticationEnabled.
func (v *GroupView) AuthSetting() Setting {
	return TriSetting("RequireSenderAuthenticationEnabled", "msExchRequireAuthToSendTo", v.Group.RequireSenderAuth, v.Group.EffectiveRequireSenderAuth())
}

// ReportToOriginatorSetting describes ReportToOriginatorEnabled.
func (v *GroupView) ReportToOriginatorSetting() Setting {
	return TriSetting("ReportToOriginatorEnabled", "reportToOriginator", v.Group.ReportToOriginator, v.Group.EffectiveReportToOriginator())
}

// ReportToManagerSetting describes ReportToManagerEnabled.
func (v *GroupView) ReportToManagerSetting() Setting {
	return TriSetting("ReportToManagerEnabled", "reportToOwner", v.Group.ReportToManager, v.Group.EffectiveReportToManager())
}

// OOFSetting describes SendOofMessageToOriginatorEnabled.
func (v *GroupView) OOFSetting() Setting {
	return TriSetting("SendOofMessageToOriginatorEnabled", "oOFReplyToOriginator", v.Group.OOFToOriginator, v.Group.EffectiveOOFToOriginator())
}

// ModerationSetting describes ModerationEnabled.
func (v *GroupView) ModerationSetting() Setting {
	return TriSetting("ModerationEnabled", "msExchEnableModeration", v.Group.Moderation, v.Group.EffectiveModeration())
}

func settingsOf(v *GroupView) GroupSettings {
	g := v.Group
	return GroupSettings{
		RequireSenderAuth:  v.AuthSetting(),
		ReportToOriginator: v.ReportToOriginatorSetting(),
		ReportToManager:    v.ReportToManagerSetting(),
		OOFToOriginator:    v.OOFSetting(),
		Moderation:         v.ModerationSetting(),
		DeliveryReportsTo:  g.DeliveryReports(),
		AcceptOnlyFrom:     len(g.AcceptOnlyFrom) + len(g.AcceptOnlyFromMembersOf),
		RejectFrom:         len(g.RejectFrom) + len(g.RejectFromMembersOf),
		Owners:             len(g.ManagedBy),
	}
}
