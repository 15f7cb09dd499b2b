package rules

// A rule's Fix is one text for every group the rule reports, whatever its
// kind, so it names the cmdlet for each: Set-DistributionGroup and the
// *-DistributionGroupMember cmdlets change distribution and mail-enabled
// security groups only. Set-DynamicDistributionGroup takes the same delivery
// parameters, but a dynamic group's members are whoever its filter matches.
// Set-UnifiedGroup takes sender authentication, the accept and reject lists
// and moderation, but no report flag, out-of-office flag or ManagedBy; a
// Microsoft 365 group's members and owners are links
// (Add-/Remove-UnifiedGroupLinks).

// fixSynced ends every note: Exchange Online refuses to change a group
// synchronised from on-premises.
const fixSynced = " For groups synchronised from on-premises, change the attribute in Active Directory."

// fixSameParams follows fixes whose parameters (sender authentication, the
// accept list, moderation) every kind of group takes.
const fixSameParams = " Dynamic groups take the same parameters with Set-DynamicDistributionGroup, Microsoft 365 groups with " +
	"Set-UnifiedGroup." + fixSynced

// fixDynamicSame follows fixes that set the report or out-of-office flags
// or ManagedBy, which Set-DynamicDistributionGroup takes too.
const fixDynamicSame = " Dynamic groups take the same parameters with Set-DynamicDistributionGroup. "

// fixNoFlagsOnM365 says what cannot be changed on a Microsoft 365 group,
// rather than sending the admin to look for a parameter that does not exist.
const fixNoFlagsOnM365 = "Set-UnifiedGroup has no ReportToManagerEnabled, ReportToOriginatorEnabled, SendOofMessageToOriginatorEnabled " +
	"or ManagedBy parameter: a Microsoft 365 group's delivery-report and out-of-office settings cannot be changed"

// fixFlagsByKind follows fixes that set the report or out-of-office flags
// of a group open to outside senders: on a Microsoft 365 group, closing it
// is the remedy left.
const fixFlagsByKind = fixDynamicSame + fixNoFlagsOnM365 +
	", so close an open one instead: Set-UnifiedGroup -Identity <group> -RequireSenderAuthenticationEnabled $true." + fixSynced
