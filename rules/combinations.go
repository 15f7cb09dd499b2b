package rules

import (
	"fmt"
	"strings"

	"dgaudit/audit"
	"dgaudit/directory"
)

// The combinations of preconditions that have caused real incidents. Both use
// the external recipients an outside sender actually reaches: Exchange checks
// sender restrictions on every nested group it expands, so a nested group that
// requires authentication shields its members.

func ndrLoopRisk(cfg Config) audit.Rule {
	return audit.Rule{
		ID:            "ndr-loop-risk",
		NeedsSettings: true,
		Title:         "Open group with external members sends delivery reports to the originator (NDR loop)",
		Severity:      audit.Critical,
		Tags:          []string{tagCombination},
		Why: "All three loop preconditions at once: anyone outside can send to the group, the message fans out to external recipients, " +
			"and their bounces go to the originator. In the reference incident an external sender's message to such a list, with a few stale " +
			"contacts among the members, produced non-delivery reports addressed to the list, which expanded them to every member again: over " +
			"a million messages a day, partners flooded. Exchange 2010 was seen rewriting the return path to the list's address for external " +
			"senders; later versions keep the sender's, but a spoofed sender equal to the list address, a member that is itself a list, or a " +
			"remote server that answers the From header closes the same loop.",
		Fix: "Require sender authentication: Set-DistributionGroup -Identity <group> -RequireSenderAuthenticationEnabled $true " +
			"(AD: msExchRequireAuthToSendTo=TRUE). If outside senders are needed, send delivery reports to a mailbox owner instead: " +
			"-ReportToManagerEnabled $true -ReportToOriginatorEnabled $false with a mailbox as the first ManagedBy entry (AD: reportToOwner=TRUE, " +
			"reportToOriginator=FALSE), and remove stale external contacts." + fixFlagsByKind,
		Check: func(v *audit.GroupView) []audit.Issue {
			r := v.Result
			if !v.OpenToOutsiders() || r.ExternalReachable == 0 || v.Group.DeliveryReports() != directory.ReportToOriginatorTarget {
				return nil
			}
			sample, n := sampleExternal(r.External, cfg.MaxSamples, reachable)
			return []audit.Issue{{
				Message: fmt.Sprintf("an outside sender's message reaches %s and their delivery reports go back to the originator",
					plural(n, "external recipient", "external recipients")) + throughUnread(r),
				Evidence: audit.Evidence{
					Settings: []audit.Setting{v.AuthSetting(), v.ReportToOriginatorSetting(), v.ReportToManagerSetting()},
					Count:    n,
					Members:  sample,
					Groups:   r.NestedSettingsUnknown,
				},
			}}
		},
	}
}

// throughUnread says when some of the recipients counted are reached only
// through nested groups whose settings were not read: Exchange checks their
// sender restrictions too, so a read may show them shielded, and the reader
// should know which groups to check before calling it a false alarm.
func throughUnread(r *audit.GroupResult) string {
	names := r.NestedSettingsUnknown
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf(" (counting those behind %s whose settings could not be read: %s)",
		plural(len(names), "nested group", "nested groups"), strings.Join(names, ", "))
}

func oofStormRisk(cfg Config) audit.Rule {
	return audit.Rule{
		ID:            "oof-storm-risk",
		NeedsSettings: true,
		Title:         "Open group with external members lets out-of-office replies flow back (OOF storm)",
		Severity:      audit.High,
		Tags:          []string{tagCombination},
		Why: "Anyone outside can send to the group, the message reaches external recipients, members' out-of-office replies are not " +
			"suppressed, and the organization lets them out. Every spam message to the list then draws one reply per absent member; replies " +
			"to other autoresponders and to external lists come back as new mail. The reference incident stalled a server's queues every " +
			"night after four users turned on out-of-office.",
		Fix: "Set-DistributionGroup -Identity <group> -SendOofMessageToOriginatorEnabled $false -RequireSenderAuthenticationEnabled $true " +
			"(AD: oOFReplyToOriginator=FALSE, msExchRequireAuthToSendTo=TRUE)." + fixFlagsByKind + " Organization-wide, " +
			"Set-RemoteDomain Default -AllowedOOFType None with explicit remote domains for partners.",
		Check: func(v *audit.GroupView) []audit.Issue {
			r := v.Result
			if !v.OpenToOutsiders() || r.ExternalReachable == 0 || !v.Group.EffectiveOOFToOriginator() {
				return nil
			}
			allowed, remote := orgAllowsExternalOOF(v.Env)
			if !allowed {
				return nil
			}
			sample, n := sampleExternal(r.External, cfg.MaxSamples, reachable)
			return []audit.Issue{{
				Message: fmt.Sprintf("an outside sender's message reaches %s, members' out-of-office replies go to the originator, and the Default remote domain lets them out",
					plural(n, "external recipient", "external recipients")) + throughUnread(r),
				Evidence: audit.Evidence{
					Settings: []audit.Setting{v.AuthSetting(), v.OOFSetting(), remote},
					Count:    n,
					Members:  sample,
					Groups:   r.NestedSettingsUnknown,
				},
			}}
		},
	}
}
