package rules

import (
	"fmt"
	"strconv"
	"strings"

	"dgaudit/audit"
	"dgaudit/directory"
)

// recipientValidationOff is the organization-level backscatter check of seeds
// 003 and 004: with the Recipient Filter agent not validating recipients,
// mail for made-up addresses in the authoritative domains is accepted and
// then bounced to its (usually forged) sender.
//
// Severity is medium, not high, and does not rise with an internal relay
// domain: AD says nothing about the Edge servers or third-party gateways that
// may reject unknown recipients before mail reaches Exchange, and recipient
// validation never covers internal relay domains anyway (their unknown
// recipients are relayed on by design), which internal-relay-domain reports
// on its own.
func recipientValidationOff() audit.Rule {
	return audit.Rule{
		ID:       "recipient-validation-off",
		Title:    "Mail to non-existent recipients is accepted, then bounced (recipient validation off)",
		Severity: audit.Medium,
		Tags:     []string{tagOrganization, tagHygiene},
		Why: "Without recipient validation, Exchange accepts mail for any address in its authoritative domains during the SMTP session " +
			"and only later finds that the recipient does not exist; it then sends a non-delivery report to the sender. Spam and NDR attacks " +
			"forge that sender, so the reports go to innocent third parties (backscatter, the NDR attack of the reference cases 003 and 004), " +
			"the queues fill with bounces nobody sent, and the organization's servers end up on block lists. The Recipient Filter agent " +
			"rejects such recipients during the SMTP session instead (550 5.1.10), so the sending server, not Exchange, reports the failure. " +
			"Its configuration is the RecipientFilterConfig object in Active Directory: recipient validation is off by default, and the " +
			"object does not exist at all when the anti-spam agents were never installed on the Mailbox servers. Edge Transport servers keep " +
			"their own anti-spam configuration in AD LDS, which dgaudit does not read, and a third-party gateway in front of Exchange may " +
			"validate recipients too: check those before acting. Only a configuration that was read is judged: Microsoft 365 and Exchange Online " +
			"cmdlet exports carry none (Exchange Online rejects unknown recipients with Directory-Based Edge Blocking instead).",
		Fix: "On a Mailbox server: & $env:ExchangeInstallPath\\Scripts\\Install-AntiSpamAgents.ps1, then Restart-Service MSExchangeTransport " +
			"(only when Get-TransportAgent does not list the Recipient Filter Agent), then Set-RecipientFilterConfig -Enabled $true -ExternalMailEnabled $true " +
			"-RecipientValidationEnabled $true (AD: bits 1, 2 and 2048 of msExchAgentsFlags on " +
			"CN=RecipientFilterConfig,CN=Message Hygiene,CN=Transport Settings in the Exchange organization). With Edge servers, run " +
			"Set-RecipientFilterConfig there. Keep the authoritative domains' recipients complete in the directory: validation rejects " +
			"every address it does not find.",
		Reads: []string{directory.CoverRecipientFilter, directory.CoverAcceptedDomains},
		OrgCheck: func(e *audit.Env) []audit.Issue {
			f := e.Snap.Org.RecipientFilter
			if f == nil || f.RejectsUnknownRecipients() {
				return nil // not read (never judged) or validating
			}
			domains := authoritativeDomains(e.Snap.Org)
			if e.AcceptedDomainsKnown() && len(domains) == 0 {
				return nil // no authoritative domain: nothing to validate
			}
			in := "in the authoritative domains"
			if len(domains) > 0 {
				in = "in " + strings.Join(domains, ", ")
			}
			var msg string
			var settings []audit.Setting
			if !f.Present {
				msg = "no recipient filter configuration in Active Directory (the anti-spam agents were never installed on the Mailbox servers): " +
					"mail for addresses " + in + " that do not exist is accepted and bounced to its sender"
				settings = []audit.Setting{{Name: "RecipientFilterConfig", Attribute: "msExchMessageHygieneRecipientFilterConfig (object)",
					Value: "object absent (anti-spam agents not installed)", Source: audit.SourceSet}}
			} else {
				msg = fmt.Sprintf("the Recipient Filter agent %s: mail for addresses %s that do not exist is accepted and bounced to its sender",
					filterState(*f), in)
				flags, src := "3", audit.SourceDefault
				if f.AgentsFlags != nil {
					flags, src = strconv.FormatInt(*f.AgentsFlags, 10), audit.SourceSet
				}
				settings = []audit.Setting{
					{Name: "AgentsFlags", Attribute: "msExchAgentsFlags", Value: flags, Source: src},
					audit.TriSetting("Enabled", "msExchAgentsFlags (bit 1)", f.Enabled, f.Enabled.Or(directory.DefaultRecipientFilterEnabled)),
					audit.TriSetting("ExternalMailEnabled", "msExchAgentsFlags (bit 2)", f.ExternalMailEnabled, f.ExternalMailEnabled.Or(directory.DefaultRecipientFilterExternalMail)),
					audit.TriSetting("RecipientValidationEnabled", "msExchAgentsFlags (bit 2048)", f.RecipientValidationEnabled, f.RecipientValidationEnabled.Or(directory.DefaultRecipientValidation)),
				}
			}
			ndr := defaultNDRSetting(e)
			if ndr.Value == "true" {
				msg += ", and the Default remote domain lets those non-delivery reports out"
			}
			msg += "; Edge Transport servers (AD LDS) are not seen"
			return []audit.Issue{{Message: msg, Evidence: audit.Evidence{Settings: append(settings, ndr)}}}
		},
	}
}

// filterState says in a few words why a present configuration does not
// reject unknown recipients from the Internet.
func filterState(f directory.RecipientFilter) string {
	switch {
	case !f.Enabled.Or(directory.DefaultRecipientFilterEnabled):
		return "is disabled"
	case !f.ExternalMailEnabled.Or(directory.DefaultRecipientFilterExternalMail):
		return "does not filter mail from outside the organization"
	case f.RecipientValidationEnabled.IsSet():
		return "does not validate recipients"
	}
	return "does not validate recipients (the default: msExchAgentsFlags is not set)"
}

// authoritativeDomains lists the organization's authoritative accepted
// domains, without the hybrid coexistence domain, which no outside sender
// addresses.
func authoritativeDomains(o directory.Organization) []string {
	var out []string
	for _, d := range o.AcceptedDomains {
		if d.Type == directory.Authoritative && !d.Coexistence {
			out = append(out, d.Domain)
		}
	}
	return out
}
