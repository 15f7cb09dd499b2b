package rules

import (
	"fmt"
	"strings"

	"dgaudit/audit"
	"dgaudit/directory"
)

// Hygiene: problems admins expect to see in the same pass, although they are
// not loop preconditions.

func noDeliveryReports() audit.Rule {
	return audit.Rule{
		ID:            "no-delivery-reports",
		NeedsSettings: true,
		Title:         "Delivery reports are suppressed (both report flags off)",
		Severity:      audit.Low,
		Tags:          []string{tagHygiene},
		Why: "With ReportToManagerEnabled and ReportToOriginatorEnabled both off, Exchange adds NOTIFY=NEVER to every expanded copy, so no " +
			"one hears about failed deliveries, and Microsoft documents that such messages have no usable return path, which some receiving " +
			"servers reject. This is a deliverability problem, not a loop risk.",
		Fix: "Set-DistributionGroup -Identity <group> -ReportToManagerEnabled $true with a mailbox as the first ManagedBy entry (AD: " +
			"reportToOwner=TRUE); for groups that require sender authentication -ReportToOriginatorEnabled $true (AD: reportToOriginator=TRUE) " +
			"is also safe." + fixDynamicSame + fixNoFlagsOnM365 + ", so for them this finding has no fix in Exchange." + fixSynced,
		Check: func(v *audit.GroupView) []audit.Issue {
			if v.Group.DeliveryReports() != directory.ReportToNobody {
				return nil
			}
			return []audit.Issue{{
				Message:  fmt.Sprintf("no delivery reports are sent (%s; %s)", mention(v.ReportToOriginatorSetting()), mention(v.ReportToManagerSetting())),
				Evidence: audit.Evidence{Settings: []audit.Setting{v.ReportToOriginatorSetting(), v.ReportToManagerSetting()}},
			}}
		},
	}
}

func membershipCycle() audit.Rule {
	return audit.Rule{
		ID:       "membership-cycle",
		Title:    "Group is part of a membership cycle",
		Severity: audit.Low,
		Tags:     []string{tagHygiene},
		Why: "Groups that contain each other are delivered once inside Exchange thanks to its expansion history, but the history does not " +
			"survive a trip through another system, the cycle confuses owners and tools that expand membership, and a contact or forwarder " +
			"anywhere in it can turn it into a real loop.",
		Fix: "Remove one nesting link: Remove-DistributionGroupMember -Identity <outer group> -Member <inner group> (AD: member). When " +
			"the outer group is a dynamic group, its filter matches the inner one: narrow it (Set-DynamicDistributionGroup -Identity " +
			"<outer group> -RecipientFilter <filter>).",
		Check: func(v *audit.GroupView) []audit.Issue {
			if len(v.Cycle) == 0 {
				return nil
			}
			msg := fmt.Sprintf("is in a membership cycle of %s: %s", plural(len(v.Cycle), "group", "groups"), strings.Join(v.Cycle, ", "))
			if len(v.Cycle) == 1 {
				msg = "contains itself as a member"
			}
			return []audit.Issue{{Message: msg, Evidence: audit.Evidence{Groups: v.Cycle, Count: len(v.Cycle)}}}
		},
	}
}

func emptyGroup() audit.Rule {
	return audit.Rule{
		ID:       "empty-group",
		Title:    "Group reaches no recipients",
		Severity: audit.Low,
		Tags:     []string{tagHygiene},
		Why: "A mail-enabled group that expands to nobody still accepts mail: messages vanish without anyone noticing, and an open empty " +
			"group is an address spammers can use that no one watches. Usually it is left over from a reorganisation.",
		Fix: "Remove it (Remove-DistributionGroup -Identity <group>; a dynamic group with Remove-DynamicDistributionGroup, a " +
			"Microsoft 365 group with Remove-UnifiedGroup, which also deletes its files, calendar and any team) or give it members (a " +
			"dynamic group that matches nobody needs its filter or recipient container corrected: Set-DynamicDistributionGroup " +
			"-RecipientFilter, -RecipientContainer); hide it first if unsure (-HiddenFromAddressListsEnabled $true with " +
			"Set-DistributionGroup, Set-DynamicDistributionGroup or Set-UnifiedGroup; AD: msExchHideFromAddressLists=TRUE).",
		Check: func(v *audit.GroupView) []audit.Issue {
			r := v.Result
			if r.ExpandedRecipients > 0 || len(v.IncompleteGroups) > 0 || v.Group.MembersUnknown {
				return nil
			}
			msg := "has no members"
			if r.NestedGroups > 0 {
				msg = fmt.Sprintf("reaches no recipients: its %s are empty", plural(r.NestedGroups, "nested group", "nested groups"))
			}
			return []audit.Issue{{Message: msg}}
		},
	}
}

func noOwner() audit.Rule {
	return audit.Rule{
		ID:            "no-owner",
		NeedsSettings: true,
		Title:         "Group has no owner",
		Severity:      audit.Low,
		Tags:          []string{tagHygiene},
		Why: "Without ManagedBy there is no one to ask whether external members are still needed, no one to receive delivery reports in " +
			"manager mode (Exchange answers RESOLVER.GRP.NoOwner), and no one to hand this report's findings to.",
		Fix: "Set-DistributionGroup -Identity <group> -ManagedBy <mailbox> (AD: managedBy); for a dynamic group, " +
			"Set-DynamicDistributionGroup -Identity <group> -ManagedBy <mailbox>. A Microsoft 365 group's owners are links: " +
			"Add-UnifiedGroupLinks -Identity <group> -LinkType Owners -Links <user>, after adding the user with -LinkType Members " +
			"(only members can be owners).",
		Check: func(v *audit.GroupView) []audit.Issue {
			if len(v.Group.ManagedBy) > 0 {
				return nil
			}
			return []audit.Issue{{Message: "has no owner (ManagedBy is empty)"}}
		},
	}
}

func unresolvedMembers(cfg Config) audit.Rule {
	return audit.Rule{
		ID:       "unresolved-members",
		Title:    "Membership could not be fully read",
		Severity: audit.Medium,
		Tags:     []string{tagHygiene},
		Why: "Part of this group's membership is unknown: a member reference that matches no object that was collected (a member in " +
			"another domain or forest, a deleted object, a read that failed), or a dynamic group whose filter was not evaluated. Its counts " +
			"are lower bounds and its real risk may be higher; dgaudit says so instead of scoring an incomplete picture as clean.",
		Fix: "Collect again with access to every domain (the global catalog, --ldap-url with port 3268/3269), or check the unresolved " +
			"references listed in the evidence with Get-DistributionGroupMember -Identity <group> (for a dynamic group, Get-Recipient " +
			"-RecipientPreviewFilter (Get-DynamicDistributionGroup <group>).RecipientFilter; for a Microsoft 365 group, " +
			"Get-UnifiedGroupLinks -Identity <group> -LinkType Members).",
		Check: func(v *audit.GroupView) []audit.Issue {
			if len(v.IncompleteGroups) == 0 {
				return nil
			}
			var parts []string
			var refs []audit.MemberRef
			if n := len(v.Unresolved); n > 0 {
				parts = append(parts, plural(n, "member reference resolves", "member references resolve")+" to no collected object")
				for i, id := range v.Unresolved {
					if i == cfg.MaxSamples {
						break
					}
					refs = append(refs, v.Env.Ref(id))
				}
			}
			if v.Group.MembersUnknown {
				part := "its membership was not read"
				if why := membersGap(v); why != "" {
					part += " (" + why + ")"
				}
				parts = append(parts, part)
			}
			var below []string
			for _, name := range v.IncompleteGroups {
				if name != v.Group.Name {
					below = append(below, name)
				}
			}
			if len(below) > 0 {
				verb := "have"
				if len(below) == 1 {
					verb = "has"
				}
				parts = append(parts, fmt.Sprintf("%s below it %s incomplete membership", plural(len(below), "nested group", "nested groups"), verb))
			}
			if len(parts) == 0 {
				return nil
			}
			return []audit.Issue{{
				Message:  strings.Join(parts, "; ") + "; counts are lower bounds",
				Evidence: audit.Evidence{Count: len(v.Unresolved), Members: refs, Groups: below},
			}}
		},
	}
}

// membersGap is why the collector could not read the group's membership,
// as its coverage recorded it ("" when nothing was recorded): the finding
// then says why without the reader having to match the group's ID in the
// report's coverage section.
func membersGap(v *audit.GroupView) string {
	for _, g := range v.Env.Snap.Coverage.Gaps {
		if g.What == directory.CoverGroupMembers && g.Object == v.Group.ID {
			return g.Reason
		}
	}
	return ""
}
