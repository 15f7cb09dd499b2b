package rules

import (
	"fmt"

	"dgaudit/audit"
	"dgaudit/directory"
)

// The four loop preconditions. Each is worth knowing on its own; together
// they are the combinations in combinations.go.

func openToExternalSenders() audit.Rule {
	return audit.Rule{
		ID:            "open-to-external-senders",
		NeedsSettings: true,
		Title:         "Group accepts mail from unauthenticated outside senders",
		Severity:      audit.Medium,
		Tags:          []string{tagPrecondition},
		Why: "RequireSenderAuthenticationEnabled is false and no accept-only-from list or moderation restricts senders, so anyone on the " +
			"Internet, a spoofed sender or a remote server's bounce included, can have a message expanded to every member. This is the first " +
			"precondition of the distribution-list NDR loop and of out-of-office storms. An absent msExchRequireAuthToSendTo reads as false: " +
			"groups mail-enabled by scripts, other tools or older Exchange versions are often open without anyone having chosen it.",
		Fix: "Set-DistributionGroup -Identity <group> -RequireSenderAuthenticationEnabled $true (AD: msExchRequireAuthToSendTo=TRUE). If the " +
			"group must receive from outside, restrict who may send with -AcceptMessagesOnlyFromSendersOrMembers together with moderation " +
			"(-ModerationEnabled $true -ModeratedBy <owner>)." + fixSameParams,
		Check: func(v *audit.GroupView) []audit.Issue {
			if !v.OpenToOutsiders() {
				return nil
			}
			return []audit.Issue{{
				Message:  fmt.Sprintf("accepts mail from unauthenticated senders (%s) with no sender restriction or moderation", mention(v.AuthSetting())),
				Evidence: audit.Evidence{Settings: []audit.Setting{v.AuthSetting(), v.ModerationSetting()}},
			}}
		},
	}
}

func externalMembers(cfg Config) audit.Rule {
	return audit.Rule{
		ID:       "external-members",
		Title:    "Group reaches external recipients",
		Severity: audit.Low,
		Tags:     []string{tagPrecondition},
		Why: "Mail contacts, mail users and guests whose address is outside the organization's accepted domains receive every message sent " +
			"to the group, directly or through nested groups. Their servers answer with bounces and auto-replies that Exchange does not " +
			"control: the second precondition of a loop. External is computed from the domain mail is actually routed to (targetAddress, " +
			"else the primary address), not from the object type.",
		Fix: "Review the external members (External members sheet) with the group's owner and remove stale ones: " +
			"Remove-DistributionGroupMember -Identity <group> -Member <contact> (AD: member), from the nested group that holds them when " +
			"they are reached through one; from a Microsoft 365 group, Remove-UnifiedGroupLinks -Identity <group> -LinkType Members " +
			"-Links <guest>. A dynamic group's members are whoever its filter matches: narrow the filter (Set-DynamicDistributionGroup " +
			"-Identity <group> -RecipientFilter <filter>) or change the attributes it matches on the recipients. If the group exists to " +
			"reach partners, require sender authentication or moderate it so that outside mail cannot fan out to them.",
		Check: func(v *audit.GroupView) []audit.Issue {
			r := v.Result
			if r.ExternalMembers == 0 {
				return nil
			}
			sample, n := sampleExternal(r.External, cfg.MaxSamples, nil)
			return []audit.Issue{{
				Message: fmt.Sprintf("reaches %s (%d direct, %d through nested groups) at %s",
					plural(n, "external recipient", "external recipients"), r.ExternalDirect, n-r.ExternalDirect, domainsOf(r.External, nil, 5)),
				Evidence: audit.Evidence{Count: n, Members: sample},
			}}
		},
	}
}

func reportsToOriginator() audit.Rule {
	return audit.Rule{
		ID:            "reports-to-originator",
		NeedsSettings: true,
		Title:         "Delivery reports go to the message originator",
		Severity:      audit.Info,
		Tags:          []string{tagPrecondition},
		Why: "With ReportToOriginatorEnabled on (and ReportToManagerEnabled off) Exchange keeps the sender's return path and DSN requests, " +
			"so non-delivery reports for every failing member go to whoever sent the message. When that sender is outside, or is the group " +
			"itself, bounces travel back and forth. The Exchange 2010 tracking logs of the reference incident show the return path rewritten to " +
			"the list's own address for external senders; the Exchange 2013 categorizer keeps the original sender. The behaviour is " +
			"version-dependent, so this is a precondition, not a finding on its own. It is reported only for groups that accept " +
			"unauthenticated senders: for a group that requires authentication it is Exchange's recommended setting.",
		Fix: "For groups open to outside senders: Set-DistributionGroup -Identity <group> -ReportToManagerEnabled $true " +
			"-ReportToOriginatorEnabled $false with a mailbox as the first ManagedBy entry (AD: reportToOwner=TRUE, reportToOriginator=FALSE)." + fixFlagsByKind,
		Check: func(v *audit.GroupView) []audit.Issue {
			if v.Group.DeliveryReports() != directory.ReportToOriginatorTarget || v.Group.EffectiveRequireSenderAuth() {
				return nil
			}
			return []audit.Issue{{
				Message:  fmt.Sprintf("delivery reports go to the originator (%s)", mention(v.ReportToOriginatorSetting())),
				Evidence: audit.Evidence{Settings: []audit.Setting{v.ReportToOriginatorSetting(), v.ReportToManagerSetting()}},
			}}
		},
	}
}

func oofToOriginator() audit.Rule {
	return audit.Rule{
		ID:            "oof-to-originator",
		NeedsSettings: true,
		Title:         "Members' out-of-office replies go to the originator",
		Severity:      audit.Low,
		Tags:          []string{tagPrecondition},
		Why: "With SendOofMessageToOriginatorEnabled on, Exchange stops stamping X-Auto-Response-Suppress: OOF, AutoReply on the copies it " +
			"expands, so every member on holiday answers every sender, spam included, and auto-replies can ping-pong with other " +
			"responders. It is off by default for distribution groups but documented as on by default for dynamic distribution groups. " +
			"It is reported only for groups that accept unauthenticated senders; otherwise only internal senders get the replies.",
		Fix: "Set-DistributionGroup -Identity <group> -SendOofMessageToOriginatorEnabled $false (AD: oOFReplyToOriginator=FALSE)." + fixFlagsByKind,
		Check: func(v *audit.GroupView) []audit.Issue {
			if !v.Group.EffectiveOOFToOriginator() || v.Group.EffectiveRequireSenderAuth() {
				return nil
			}
			return []audit.Issue{{
				Message:  fmt.Sprintf("members' out-of-office replies go to the originator (%s)", mention(v.OOFSetting())),
				Evidence: audit.Evidence{Settings: []audit.Setting{v.OOFSetting()}},
			}}
		},
	}
}

// orgAllowsExternalOOF reports whether the Default remote domain lets
// out-of-office replies out, and the setting that says so. When remote
// domains were not collected, Exchange's default (External) is assumed.
func orgAllowsExternalOOF(e *audit.Env) (bool, audit.Setting) {
	s := audit.Setting{Name: "AllowedOOFType", Attribute: "msExchRoutingAcceptMessageType", Value: string(directory.OOFExternal), Source: audit.SourceDefault}
	rd, ok := e.Snap.Org.DefaultRemoteDomain()
	if !ok {
		return true, s
	}
	s.Value = string(rd.EffectiveOOFType())
	if rd.AllowedOOFType != "" {
		s.Source = audit.SourceSet
	}
	return rd.EffectiveOOFType() != directory.OOFNone, s
}

func externalOOFAllowed() audit.Rule {
	return audit.Rule{
		ID:       "external-oof-allowed",
		Title:    "Out-of-office replies may leave the organization",
		Severity: audit.Low,
		Tags:     []string{tagPrecondition, tagOrganization},
		Why: "The Default remote domain (*) decides which out-of-office replies Exchange sends to other organizations. With AllowedOOFType " +
			"External (the default) or ExternalLegacy, members answer outside senders, spammers and other autoresponders included: the " +
			"organization-wide half of the out-of-office precondition and the mechanism of the reference out-of-office storm.",
		Fix: "Set-RemoteDomain -Identity Default -AllowedOOFType None, then add remote domains for partners that should get replies: " +
			"New-RemoteDomain -Name <partner> -DomainName <partner domain>; Set-RemoteDomain <partner> -AllowedOOFType External (AD: " +
			"msExchRoutingAcceptMessageType on the msExchDomainContentConfig object). -AutoReplyEnabled $false is no substitute: it stops " +
			"the automatic replies of client rules (an Outlook rule that replies with a template), not out-of-office replies.",
		Reads: []string{directory.CoverRemoteDomains},
		OrgCheck: func(e *audit.Env) []audit.Issue {
			if !e.RemoteDomainsKnown() {
				return nil // remote-domains-unknown says so
			}
			rd, ok := e.Snap.Org.DefaultRemoteDomain()
			if !ok {
				return nil
			}
			allowed, s := orgAllowsExternalOOF(e)
			if !allowed {
				return nil
			}
			// AllowedOOFType alone decides: AutoReplyEnabled governs the
			// replies of client rules, not out-of-office replies.
			return []audit.Issue{{
				Message:  fmt.Sprintf("the %s remote domain (%s) sends out-of-office replies to every other domain (%s)", rd.Name, rd.DomainPattern, mention(s)),
				Evidence: audit.Evidence{Settings: []audit.Setting{s}},
			}}
		},
	}
}
