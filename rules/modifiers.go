package rules

import (
	"fmt"
	"slices"
	"strings"

	"dgaudit/audit"
	"dgaudit/directory"
)

// Modifiers raise or lower the risk the preconditions describe.

// listWords are local-part tokens that usually name a mailing list rather
// than a person. Directory data cannot prove an address is a list; this is a
// heuristic, and the finding says so.
var listWords = map[string]bool{
	"all": true, "allstaff": true, "announce": true, "announcements": true, "discuss": true, "dl": true,
	"everyone": true, "group": true, "groups": true, "l": true, "list": true, "lists": true, "listserv": true,
	"members": true, "staff": true, "team": true, "majordomo": true, "mailman": true, "distribution": true,
}

// looksLikeList reports why an address looks like a list, or "".
func looksLikeList(address string) string {
	local, domain, ok := strings.Cut(strings.ToLower(address), "@")
	if !ok {
		return ""
	}
	for _, tok := range strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' }) {
		if listWords[tok] {
			return fmt.Sprintf("local part %q", local)
		}
	}
	for _, p := range []string{"lists.", "list.", "groups.", "listserv."} {
		if strings.HasPrefix(domain, p) {
			return fmt.Sprintf("domain %q", domain)
		}
	}
	return ""
}

func externalMemberIsList(cfg Config) audit.Rule {
	return audit.Rule{
		ID:       "external-member-is-list",
		Title:    "An external member looks like a mailing list",
		Severity: audit.Medium,
		Adjust:   5,
		Tags:     []string{tagModifier},
		Why: "Exchange does not expand reports (NDRs, out-of-office replies) sent to a group, but a member that is itself a list in another " +
			"organization re-posts every message as new, ordinary mail; if the two lists reach each other, or the remote list bounces to the " +
			"originator, mail circulates between them (a list-to-list loop). Directory data cannot prove an address is a list, so this rule " +
			"matches common list names (all-, -l, list, team, announce, lists.* domains) and says which part matched.",
		Fix: "Ask the group's owner whether the address is a list. If it is, replace it with the people who need the mail, or make sure " +
			"the group requires sender authentication (Set-DistributionGroup -RequireSenderAuthenticationEnabled $true; AD: " +
			"msExchRequireAuthToSendTo=TRUE) so that the remote list cannot post back." + fixSameParams,
		Check: func(v *audit.GroupView) []audit.Issue {
			var hits []audit.ExternalRecipient
			var why []string
			for _, e := range v.Result.External {
				if reason := looksLikeList(e.Address); reason != "" {
					hits = append(hits, e)
					why = append(why, reason)
				}
			}
			if len(hits) == 0 {
				return nil
			}
			sample, n := sampleExternal(hits, cfg.MaxSamples, nil)
			return []audit.Issue{{
				Message:  fmt.Sprintf("%s look like mailing lists (%s, heuristic)", plural(n, "external recipient", "external recipients"), why[0]),
				Evidence: audit.Evidence{Count: n, Members: sample},
			}}
		},
	}
}

func contactRoutesInternal(cfg Config) audit.Rule {
	return audit.Rule{
		ID:       "contact-routes-internal",
		Title:    "A member contact routes back into the organization",
		Severity: audit.Medium,
		Tags:     []string{tagModifier},
		Why: "A mail contact exists for an outside address. One whose target address is in an accepted domain sends the group's mail back " +
			"into the organization as a new message, out of reach of the expansion history Exchange uses to stop a group from expanding " +
			"twice. When the target is another group this is hidden nesting; when it is this group, or a group that contains it, the message " +
			"loops.",
		Fix: "Replace the contact with the recipient it points to (Add-DistributionGroupMember -Identity <group> -Member <internal " +
			"recipient>; Remove-DistributionGroupMember -Identity <group> -Member <contact>), or correct its ExternalEmailAddress " +
			"(Set-MailContact; AD: targetAddress). A dynamic group reaches the contact through its filter: exclude it there " +
			"(Set-DynamicDistributionGroup -Identity <group> -RecipientFilter <filter>) or correct the contact.",
		Check: func(v *audit.GroupView) []audit.Issue {
			// Each contact with the group its address belongs to, if any,
			// looked up once.
			type routed struct {
				id     string
				c      *directory.Contact
				target *directory.Group
			}
			var found []routed
			for _, id := range v.Group.Members {
				if c, ok := v.Env.InternalContact(id); ok {
					target, _ := v.Env.GroupForAddress(c.RoutingAddress())
					found = append(found, routed{id, c, target})
				}
			}
			// A contact that loops back to this group comes first, then
			// those that nest another group, so that a cut to MaxSamples
			// keeps the ones that matter most.
			rank := func(r routed) int {
				switch {
				case r.target == nil:
					return 2
				case r.target.ID == v.Group.ID:
					return 0
				}
				return 1
			}
			slices.SortStableFunc(found, func(a, b routed) int { return rank(a) - rank(b) })
			// One finding per contact, for the first MaxSamples; when some
			// are left out, each finding says how many there are in all.
			total, suffix := len(found), ""
			if total > cfg.MaxSamples {
				found = found[:cfg.MaxSamples]
				suffix = fmt.Sprintf(" (%d of %d such contacts reported)", len(found), total)
			}
			var issues []audit.Issue
			for _, r := range found {
				c, addr := r.c, r.c.RoutingAddress()
				msg := fmt.Sprintf("contact %s routes to %s, inside the organization", c.Name, addr)
				ev := audit.Evidence{Members: []audit.MemberRef{v.Env.Ref(r.id)}}
				if t := r.target; t != nil {
					ev.Groups = []string{t.Name}
					if t.ID == v.Group.ID {
						msg = fmt.Sprintf("contact %s routes to %s, this group's own address: a loop", c.Name, addr)
					} else {
						msg = fmt.Sprintf("contact %s routes to %s, the address of group %s (hidden nesting)", c.Name, addr, t.Name)
					}
				}
				if suffix != "" {
					msg += suffix
					ev.Count = total
				}
				issues = append(issues, audit.Issue{Message: msg, Evidence: ev})
			}
			return issues
		},
	}
}

func managerIsGroup() audit.Rule {
	return audit.Rule{
		ID:            "manager-is-group",
		NeedsSettings: true,
		Title:         "Delivery reports go to a group (manager mode with a group as first owner)",
		Severity:      audit.Medium,
		Tags:          []string{tagModifier},
		Why: "With ReportToManagerEnabled on, Exchange rewrites the return path of every expanded copy to the primary address of the " +
			"first ManagedBy entry. When that entry is a mail-enabled group, every bounce is addressed to a group, which forwards it to " +
			"its own members; NDRs sent to a group in manager mode are also redirected to that owner.",
		Fix: "Make a mailbox the first owner: Set-DistributionGroup -Identity <group> -ManagedBy <mailbox>,<other owners> " +
			"(AD: managedBy holds the first owner, msExchCoManagedByLink the others); a dynamic group has a single owner: " +
			"Set-DynamicDistributionGroup -Identity <group> -ManagedBy <mailbox>. " + fixNoFlagsOnM365 + "." + fixSynced,
		Check: func(v *audit.GroupView) []audit.Issue {
			g := v.Group
			if g.DeliveryReports() != directory.ReportToManagerTarget || len(g.ManagedBy) == 0 {
				return nil
			}
			o, ok := v.Env.Object(g.ManagedBy[0])
			if !ok || o.Group == nil {
				return nil
			}
			return []audit.Issue{{
				Message: fmt.Sprintf("delivery reports go to the first owner, group %s (%s)", o.Name, o.Address),
				Evidence: audit.Evidence{
					Settings: []audit.Setting{v.ReportToManagerSetting()},
					Members:  []audit.MemberRef{v.Env.Ref(g.ManagedBy[0])},
				},
			}}
		},
	}
}

func acceptListWithoutAuth() audit.Rule {
	return audit.Rule{
		ID:            "accept-list-without-auth",
		NeedsSettings: true,
		Title:         "Sender restriction relies on a From address anyone can forge",
		Severity:      audit.Medium,
		Tags:          []string{tagModifier},
		Why: "The group accepts only listed senders but does not require authentication, so the list is checked against an address an " +
			"outside sender chooses. Spoofed internal senders arriving from the Internet are recorded by Exchange as if the user had sent " +
			"them. The list is a partial mitigation: it stops accidental outside mail, not a deliberate or backscatter-driven loop.",
		Fix: "Set-DistributionGroup -Identity <group> -RequireSenderAuthenticationEnabled $true (AD: msExchRequireAuthToSendTo=TRUE) when " +
			"the allowed senders are internal; for outside allowed senders, add moderation (-ModerationEnabled $true -ModeratedBy <owner>) " +
			"or rely on transport rules that check authentication." + fixSameParams,
		Check: func(v *audit.GroupView) []audit.Issue {
			g := v.Group
			if g.EffectiveRequireSenderAuth() || g.EffectiveModeration() || !g.HasSenderAllowList() {
				return nil
			}
			n := len(g.AcceptOnlyFrom) + len(g.AcceptOnlyFromMembersOf)
			msg := fmt.Sprintf("accepts only %s but does not require authentication, so a forged From address passes", plural(n, "listed sender", "listed senders"))
			if v.Result.ExternalMembers > 0 && g.DeliveryReports() == directory.ReportToOriginatorTarget {
				msg += fmt.Sprintf("; with %s and reports to the originator, a forged sender closes an NDR loop",
					plural(v.Result.ExternalMembers, "external recipient", "external recipients"))
			}
			var refs []audit.MemberRef
			for _, id := range append(append([]string{}, g.AcceptOnlyFrom...), g.AcceptOnlyFromMembersOf...) {
				refs = append(refs, v.Env.Ref(id))
			}
			return []audit.Issue{{Message: msg, Evidence: audit.Evidence{Settings: []audit.Setting{v.AuthSetting()}, Count: n, Members: refs}}}
		},
	}
}

func moderatedWithoutAuth() audit.Rule {
	return audit.Rule{
		ID:            "moderated-without-auth",
		NeedsSettings: true,
		Title:         "Outside senders are held for moderation",
		Severity:      audit.Info,
		Tags:          []string{tagModifier},
		Why: "The group does not require authentication but is moderated, so outside messages wait for a moderator's approval before " +
			"expansion. That stops an unattended loop, which is why the combination rules do not fire here. It is a partial mitigation: " +
			"senders on the bypass list are not moderated (and can be forged), and every bounce or auto-reply to the group becomes a " +
			"moderation request.",
		Fix: "Keep moderation if outside senders are needed, and keep the bypass list (BypassModerationFromSendersOrMembers; AD: " +
			"msExchBypassModerationLink) short; otherwise require authentication: Set-DistributionGroup -Identity <group> " +
			"-RequireSenderAuthenticationEnabled $true." + fixSameParams,
		Check: func(v *audit.GroupView) []audit.Issue {
			g := v.Group
			if g.EffectiveRequireSenderAuth() || !g.EffectiveModeration() {
				return nil
			}
			return []audit.Issue{{
				Message:  fmt.Sprintf("accepts unauthenticated senders but holds them for %s", plural(max(len(g.ModeratedBy), 1), "moderator", "moderators")),
				Evidence: audit.Evidence{Settings: []audit.Setting{v.AuthSetting(), v.ModerationSetting()}},
			}}
		},
	}
}

func largeBlastRadius(cfg Config) audit.Rule {
	return audit.Rule{
		ID:       "large-blast-radius",
		Title:    "One message to the group reaches many recipients",
		Severity: audit.Low,
		Adjust:   5,
		Tags:     []string{tagModifier},
		Why: fmt.Sprintf("Every loop or storm through a group is multiplied by the number of recipients it expands to. A group reaching "+
			"%d or more recipients, or %d or more external ones, turns a single bounce into a flood and raises its score.", cfg.BlastRecipients, cfg.BlastExternal),
		Fix: "Require sender authentication and restrict who may send (Set-DistributionGroup -RequireSenderAuthenticationEnabled $true " +
			"-AcceptMessagesOnlyFromSendersOrMembers <senders>); consider moderation for very large groups." + fixSameParams,
		Check: func(v *audit.GroupView) []audit.Issue {
			r := v.Result
			if r.ExpandedRecipients < cfg.BlastRecipients && r.ExternalMembers < cfg.BlastExternal {
				return nil
			}
			return []audit.Issue{{
				Message:  fmt.Sprintf("one message reaches %d recipients, %d of them external, through %s", r.ExpandedRecipients, r.ExternalMembers, plural(r.NestedGroups, "nested group", "nested groups")),
				Evidence: audit.Evidence{Count: r.ExpandedRecipients},
			}}
		},
	}
}
