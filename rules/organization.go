package rules

import (
	"fmt"
	"strings"

	"dgaudit/audit"
)

// Organization-level rules: settings that change what every group's findings
// mean.

func acceptedDomainsUnknown() audit.Rule {
	return audit.Rule{
		ID:       "accepted-domains-unknown",
		Title:    "Accepted domains were not collected; external was inferred",
		Severity: audit.Medium,
		Tags:     []string{tagOrganization},
		Why: "Whether a member is external is decided by comparing the domain its mail is routed to with the organization's accepted " +
			"domains. The snapshot holds none, so dgaudit took the domains of the organization's own mailboxes as internal. A contact in an " +
			"accepted domain with no mailbox would be counted as external, and the reverse.",
		Fix: "Collect with rights to read the configuration partition (accepted domains live under CN=Accepted Domains,CN=Transport " +
			"Settings in the Exchange organization), or declare internal domains in the configuration (internalDomains).",
		OrgCheck: func(e *audit.Env) []audit.Issue {
			if e.AcceptedDomainsKnown() {
				return nil
			}
			inferred := e.InferredInternalDomains()
			msg := "no accepted domains in the snapshot; no mailbox domains to infer from, so every addressed recipient counts as external"
			if len(inferred) > 0 {
				msg = fmt.Sprintf("no accepted domains in the snapshot; took %s from mailbox addresses as internal: %s", plural(len(inferred), "domain", "domains"), strings.Join(inferred, ", "))
			}
			return []audit.Issue{{Message: msg, Evidence: audit.Evidence{Count: len(inferred)}}}
		},
	}
}

func remoteDomainsUnknown() audit.Rule {
	return audit.Rule{
		ID:       "remote-domains-unknown",
		Title:    "Remote domains were not collected; Exchange defaults assumed",
		Severity: audit.Info,
		Tags:     []string{tagOrganization},
		Why: "Remote domain settings decide whether out-of-office replies, auto-replies and NDRs leave the organization. The snapshot " +
			"holds none, so dgaudit assumed Exchange's defaults (AllowedOOFType External): oof-storm-risk may fire where the organization " +
			"actually blocks external replies.",
		Fix: "Collect with rights to read the configuration partition (CN=Internet Message Formats,CN=Global Settings in the Exchange " +
			"organization), or run Get-RemoteDomain and compare.",
		OrgCheck: func(e *audit.Env) []audit.Issue {
			if e.RemoteDomainsKnown() {
				return nil
			}
			return []audit.Issue{{Message: "no remote domains in the snapshot; assumed the Default remote domain sends out-of-office replies externally"}}
		},
	}
}
