package rules

import (
	"fmt"

	"dgaudit/audit"
	"dgaudit/directory"
)

// Organization-level rules about where non-delivery reports and automatic
// replies go (seeds 003 and 004: NDR attacks and backscatter), from the
// accepted and remote domains the sources read. Recipient filtering and
// receive-connector permissions have rules of their own
// (recipientfilter.go, receiveconnector.go).

func internalRelayDomain() audit.Rule {
	return audit.Rule{
		ID:       "internal-relay-domain",
		Title:    "Accepted domain relays mail for unknown recipients onward",
		Severity: audit.Medium,
		Tags:     []string{tagOrganization},
		Why: "An internal relay accepted domain is one whose recipients may live elsewhere, so Exchange accepts mail for any address in it " +
			"and relays what it cannot resolve to the next hop instead of rejecting it during the SMTP session. Mail for made-up addresses " +
			"is therefore accepted and bounced later, to a sender address that is usually forged: the non-delivery reports go to innocent " +
			"third parties (backscatter, the NDR attack of the reference cases), and the organization's servers end up on block lists. If " +
			"the next hop routes the domain back, the message circles until the hop count runs out (5.4.14 / 5.4.6). In Exchange Online an " +
			"internal relay domain also turns off Directory-Based Edge Blocking, which otherwise rejects unknown recipients at the perimeter.",
		Fix: "Make the domain authoritative once every recipient of it exists in the directory (as mailbox, mail user or contact): " +
			"Set-AcceptedDomain -Identity <domain> -DomainType Authoritative (AD: msExchAcceptedDomainFlags type bits 0). If it must stay " +
			"internal relay during a migration, enable recipient validation where the mail enters (Set-RecipientFilterConfig " +
			"-RecipientValidationEnabled $true on the Edge or the gateway) and make sure the next hop does not route the domain back. An " +
			"accepted domain * cannot be authoritative: remove it (Remove-AcceptedDomain -Identity <domain>) and route mail for outside " +
			"domains through a send connector.",
		Reads: []string{directory.CoverAcceptedDomains},
		OrgCheck: func(e *audit.Env) []audit.Issue {
			var out []audit.Issue
			ndr := defaultNDRSetting(e)
			for _, d := range e.Snap.Org.AcceptedDomains {
				// An external relay "*" relays every domain out just the
				// same; one for a named domain is a partner's, by design.
				if d.Coexistence || !(d.Type == directory.InternalRelay || d.Type == directory.ExternalRelay && d.CoversAll()) {
					continue
				}
				msg := fmt.Sprintf("accepted domain %s is internal relay: mail for addresses in it that do not exist here is accepted and relayed onward, not rejected", d.Domain)
				if d.CoversAll() {
					// Said outright: "addresses in it" reads as one
					// domain, and * is every domain there is.
					msg = "accepted domain * is " + string(d.Type) + ", and * covers every domain: mail for any address in any domain that does not " +
						"exist here is accepted and relayed onward, not rejected, which can make the organization an open relay for whoever may " +
						"send to it; dgaudit does not count addresses as internal because of it"
				}
				if ndr.Value == "true" {
					msg += ", and the Default remote domain lets the resulting non-delivery reports out"
				}
				out = append(out, audit.Issue{
					Message: msg,
					Evidence: audit.Evidence{Settings: []audit.Setting{
						{Name: "DomainType", Attribute: "msExchAcceptedDomainFlags", Value: string(d.Type), Source: audit.SourceSet},
						ndr,
					}},
				})
			}
			return out
		},
	}
}

// defaultNDRSetting is NDREnabled of the Default remote domain (true when
// there is none or it is not set: Exchange's default).
func defaultNDRSetting(e *audit.Env) audit.Setting {
	rd, _ := e.Snap.Org.DefaultRemoteDomain()
	return audit.TriSetting("NDREnabled (Default remote domain)", "msExchRoutingAcceptMessageType", rd.NDREnabled, rd.NDREnabled.Or(true))
}

func remoteDomainNDRDisabled() audit.Rule {
	return audit.Rule{
		ID:       "remote-domain-ndr-disabled",
		Title:    "Non-delivery reports to a remote domain are suppressed",
		Severity: audit.Info,
		Tags:     []string{tagOrganization, tagHygiene},
		Why: "With NDREnabled off on a remote domain, Exchange drops the non-delivery reports it would send there (RESOLVER.MSGTYPE.NDR, " +
			"accepted and discarded). That is sometimes done to stop backscatter, but it hides every real failure too: senders in that " +
			"domain never learn their mail to a stale address was lost, so stale members and contacts are never cleaned up, and the " +
			"backscatter itself is better stopped by rejecting unknown recipients during the SMTP session.",
		Fix: "Set-RemoteDomain -Identity <name> -NDREnabled $true (AD: bit 16 of msExchRoutingAcceptMessageType on the " +
			"msExchDomainContentConfig object); against NDR attacks, make accepted domains authoritative and enable recipient validation " +
			"(Set-RecipientFilterConfig -RecipientValidationEnabled $true, or Directory-Based Edge Blocking in Exchange Online).",
		Reads: []string{directory.CoverRemoteDomains},
		OrgCheck: func(e *audit.Env) []audit.Issue {
			var out []audit.Issue
			for _, rd := range e.Snap.Org.RemoteDomains {
				if !rd.NDREnabled.IsSet() || rd.NDREnabled.Or(true) {
					continue
				}
				out = append(out, audit.Issue{
					Message: fmt.Sprintf("remote domain %s (%s) does not receive non-delivery reports: failures of its senders' mail are dropped silently", rd.Name, rd.DomainPattern),
					Evidence: audit.Evidence{Settings: []audit.Setting{
						audit.TriSetting("NDREnabled", "msExchRoutingAcceptMessageType", rd.NDREnabled, false),
					}},
				})
			}
			return out
		},
	}
}

func remoteDomainLegacyOOF() audit.Rule {
	return audit.Rule{
		ID:       "remote-domain-legacy-oof",
		Title:    "A remote domain receives legacy or internal out-of-office replies",
		Severity: audit.Low,
		Tags:     []string{tagOrganization},
		Why: "AllowedOOFType ExternalLegacy or InternalLegacy on a remote domain sends it out-of-office replies that were not written for " +
			"outside readers: legacy replies (from old clients and rules that do not mark a reply internal or external) go to every sender, " +
			"and InternalLegacy sends the internal reply as well. Legacy replies are the ones that answer mailing lists and other " +
			"autoresponders, which is how out-of-office storms start, and internal replies leak names and phone numbers.",
		Fix: "Set-RemoteDomain -Identity <name> -AllowedOOFType External (or None) (AD: msExchRoutingAcceptMessageType on the " +
			"msExchDomainContentConfig object); keep ExternalLegacy only for a partner that needs replies from clients older than Outlook 2007.",
		Reads: []string{directory.CoverRemoteDomains},
		OrgCheck: func(e *audit.Env) []audit.Issue {
			var out []audit.Issue
			for _, rd := range e.Snap.Org.RemoteDomains {
				t := rd.EffectiveOOFType()
				if t != directory.OOFExternalLegacy && t != directory.OOFInternalLegacy {
					continue
				}
				// AutoReplyEnabled does not matter: it governs the replies
				// of client rules, not out-of-office replies.
				out = append(out, audit.Issue{
					Message: fmt.Sprintf("remote domain %s (%s) receives %s out-of-office replies", rd.Name, rd.DomainPattern, t),
					Evidence: audit.Evidence{Settings: []audit.Setting{
						{Name: "AllowedOOFType", Attribute: "msExchRoutingAcceptMessageType", Value: string(t), Source: audit.SourceSet},
					}},
				})
			}
			return out
		},
	}
}
