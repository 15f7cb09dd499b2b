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
// A group whose settings were not read is not known to be open.
func (v *GroupView) OpenToOutsiders() bool {
	g := v.Group
	return !g.SettingsUnknown && !g.EffectiveRequireSenderAuth() && !g.EffectiveModeration() && !g.HasSenderAllowList()
}

// The five delivery settings every group result carries, named as in
// Set-DistributionGroup and Active Directory.
type settingKey uint8

const (
	keyRequireSenderAuth settingKey = iota
	keyReportToOriginator
	keyReportToManager
	keyOOFToOriginator
	keyModeration
)

var settingNames = [...]struct{ name, attribute string }{
	keyRequireSenderAuth:  {"RequireSenderAuthenticationEnabled", "msExchRequireAuthToSendTo"},
	keyReportToOriginator: {"ReportToOriginatorEnabled", "reportToOriginator"},
	keyReportToManager:    {"ReportToManagerEnabled", "reportToOwner"},
	keyOOFToOriginator:    {"SendOofMessageToOriginatorEnabled", "oOFReplyToOriginator"},
	keyModeration:         {"ModerationEnabled", "msExchEnableModeration"},
}

// SettingValue is one of a group's delivery settings in compact form (a
// large directory has hundreds of thousands of groups): the effective value
// and whether the directory stored it. Setting expands it for display.
type SettingValue struct {
	key   settingKey
	Value bool
	// Set is true when the directory stored the value, false when Exchange's
	// default applies.
	Set bool
	// Unknown is true when the source could not read the value; Value and
	// Set then mean nothing.
	Unknown bool
}

// Setting returns the value with its cmdlet parameter and AD attribute.
func (v SettingValue) Setting() Setting {
	n := settingNames[v.key]
	if v.Unknown {
		return Setting{Name: n.name, Attribute: n.attribute, Value: SourceUnknown, Source: SourceUnknown}
	}
	s := Setting{Name: n.name, Attribute: n.attribute, Value: "false", Source: SourceDefault}
	if v.Value {
		s.Value = "true"
	}
	if v.Set {
		s.Source = SourceSet
	}
	return s
}

func settingValue(k settingKey, t directory.Tri, effective bool) SettingValue {
	return SettingValue{key: k, Value: effective, Set: t.IsSet()}
}

// ReportsToUnknown is GroupSettings.DeliveryReportsTo for a group whose
// settings were not read: the target Exchange would derive from defaults is
// not stated.
const ReportsToUnknown directory.ReportTarget = SourceUnknown

// unknownSettings returns s with every switch and the report target marked
// unknown. The counts stay 0: nothing was read.
func unknownSettings(s GroupSettings) GroupSettings {
	for _, v := range []*SettingValue{&s.RequireSenderAuth, &s.ReportToOriginator, &s.ReportToManager, &s.OOFToOriginator, &s.Moderation} {
		v.Unknown = true
	}
	s.DeliveryReportsTo = ReportsToUnknown
	return s
}

// AuthSetting describes RequireSenderAuthenticationEnabled.
func (v *GroupView) AuthSetting() Setting {
	return settingValue(keyRequireSenderAuth, v.Group.RequireSenderAuth, v.Group.EffectiveRequireSenderAuth()).Setting()
}

// ReportToOriginatorSetting describes ReportToOriginatorEnabled.
func (v *GroupView) ReportToOriginatorSetting() Setting {
	return settingValue(keyReportToOriginator, v.Group.ReportToOriginator, v.Group.EffectiveReportToOriginator()).Setting()
}

// ReportToManagerSetting describes ReportToManagerEnabled.
func (v *GroupView) ReportToManagerSetting() Setting {
	return settingValue(keyReportToManager, v.Group.ReportToManager, v.Group.EffectiveReportToManager()).Setting()
}

// OOFSetting describes SendOofMessageToOriginatorEnabled.
func (v *GroupView) OOFSetting() Setting {
	return settingValue(keyOOFToOriginator, v.Group.OOFToOriginator, v.Group.EffectiveOOFToOriginator()).Setting()
}

// ModerationSetting describes ModerationEnabled.
func (v *GroupView) ModerationSetting() Setting {
	return settingValue(keyModeration, v.Group.Moderation, v.Group.EffectiveModeration()).Setting()
}

// SettingsOf computes the effective delivery settings of a group. When the
// source could not read them every switch is marked unknown.
func SettingsOf(g *directory.Group) GroupSettings {
	s := GroupSettings{
		RequireSenderAuth:  settingValue(keyRequireSenderAuth, g.RequireSenderAuth, g.EffectiveRequireSenderAuth()),
		ReportToOriginator: settingValue(keyReportToOriginator, g.ReportToOriginator, g.EffectiveReportToOriginator()),
		ReportToManager:    settingValue(keyReportToManager, g.ReportToManager, g.EffectiveReportToManager()),
		OOFToOriginator:    settingValue(keyOOFToOriginator, g.OOFToOriginator, g.EffectiveOOFToOriginator()),
		Moderation:         settingValue(keyModeration, g.Moderation, g.EffectiveModeration()),
		DeliveryReportsTo:  g.DeliveryReports(),
		AcceptOnlyFrom:     len(g.AcceptOnlyFrom) + len(g.AcceptOnlyFromMembersOf),
		RejectFrom:         len(g.RejectFrom) + len(g.RejectFromMembersOf),
		Owners:             len(g.ManagedBy),
	}
	if g.SettingsUnknown {
		s = unknownSettings(s)
	}
	return s
}

// Fields returns the five switches as settings, in report order.
func (s GroupSettings) Fields() []Setting {
	return []Setting{
		s.RequireSenderAuth.Setting(), s.ReportToOriginator.Setting(), s.ReportToManager.Setting(),
		s.OOFToOriginator.Setting(), s.Moderation.Setting(),
	}
}
