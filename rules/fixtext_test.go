package rules_test

import (
	"regexp"
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/rules"
)

// Parameters Microsoft documents for the cmdlets that change a Microsoft 365
// group and a dynamic distribution group, as far as the fixes use them.
// Set-UnifiedGroup has no report, out-of-office or ManagedBy parameter.
var (
	unifiedGroupParams = map[string]bool{
		"Identity": true, "RequireSenderAuthenticationEnabled": true, "AcceptMessagesOnlyFromSendersOrMembers": true,
		"RejectMessagesFromSendersOrMembers": true, "ModerationEnabled": true, "ModeratedBy": true, "HiddenFromAddressListsEnabled": true,
	}
	dynamicGroupParams = map[string]bool{
		"Identity": true, "RequireSenderAuthenticationEnabled": true, "AcceptMessagesOnlyFromSendersOrMembers": true,
		"ModerationEnabled": true, "ModeratedBy": true, "HiddenFromAddressListsEnabled": true, "ManagedBy": true,
		"ReportToManagerEnabled": true, "ReportToOriginatorEnabled": true, "SendOofMessageToOriginatorEnabled": true,
		"RecipientFilter": true, "RecipientContainer": true, "IncludedRecipients": true,
	}
	// The parameters Set-DistributionGroup and Set-DynamicDistributionGroup
	// have and Set-UnifiedGroup has not.
	notOnUnifiedGroups = []string{"-ReportToManagerEnabled", "-ReportToOriginatorEnabled", "-SendOofMessageToOriginatorEnabled", "-ManagedBy"}
	paramRE            = regexp.MustCompile(`(?:^|\s)-([A-Za-z]+)`)
)

// paramsAfter returns the parameters written after each mention of cmdlet
// in fix, up to the end of the clause.
func paramsAfter(fix, cmdlet string) [][]string {
	var out [][]string
	for rest := fix; ; {
		i := strings.Index(rest, cmdlet)
		if i < 0 {
			return out
		}
		rest = rest[i+len(cmdlet):]
		clause := rest
		if j := strings.IndexAny(clause, ";.)"); j >= 0 {
			clause = clause[:j]
		}
		var ps []string
		for _, m := range paramRE.FindAllStringSubmatch(clause, -1) {
			ps = append(ps, m[1])
		}
		out = append(out, ps)
	}
}

// TestFixesFitEveryGroupKind checks that a fix names, for each kind of group
// its rule reports, a cmdlet and parameters that exist for that kind: the
// catalogue has one Fix per rule, shown for findings on distribution,
// mail-enabled security, dynamic and Microsoft 365 groups alike.
func TestFixesFitEveryGroupKind(t *testing.T) {
	t.Parallel()
	// Per rule, what the fix must also say for the kinds Set-DistributionGroup
	// and its member cmdlets do not change.
	want := map[string][]string{
		// A dynamic group's members are what its filter matches; a
		// Microsoft 365 group's are links.
		"external-members":        {"Remove-DistributionGroupMember", "Remove-UnifiedGroupLinks -Identity <group> -LinkType Members", "-RecipientFilter"},
		"contact-routes-internal": {"Remove-DistributionGroupMember", "-RecipientFilter"},
		"membership-cycle":        {"Remove-DistributionGroupMember", "-RecipientFilter"},
		"empty-group":             {"Remove-DistributionGroup -Identity", "Remove-DynamicDistributionGroup", "Remove-UnifiedGroup"},
		"no-owner":                {"Set-DistributionGroup", "Set-DynamicDistributionGroup", "Add-UnifiedGroupLinks -Identity <group> -LinkType Owners"},
		"unresolved-members":      {"Get-DistributionGroupMember", "-RecipientPreviewFilter", "Get-UnifiedGroupLinks"},
		"manager-is-group":        {"Set-DynamicDistributionGroup", "Set-UnifiedGroup has no"},
	}
	for _, r := range rules.All(rules.DefaultConfig()) {
		for _, s := range want[r.ID] {
			if !strings.Contains(r.Fix, s) {
				t.Errorf("%s: fix does not say %q: %s", r.ID, s, r.Fix)
			}
		}
		for _, ps := range paramsAfter(r.Fix, "Set-UnifiedGroup") {
			for _, p := range ps {
				if !unifiedGroupParams[p] {
					t.Errorf("%s: Set-UnifiedGroup has no -%s: %s", r.ID, p, r.Fix)
				}
			}
		}
		for _, ps := range paramsAfter(r.Fix, "Set-DynamicDistributionGroup") {
			for _, p := range ps {
				if !dynamicGroupParams[p] {
					t.Errorf("%s: Set-DynamicDistributionGroup has no -%s: %s", r.ID, p, r.Fix)
				}
			}
		}
		// A fix that sets what a Microsoft 365 group cannot have set says
		// so, rather than sending the admin to Set-UnifiedGroup; owners are
		// the exception, set with Add-UnifiedGroupLinks.
		for _, p := range notOnUnifiedGroups {
			says := strings.Contains(r.Fix, "Set-UnifiedGroup has no") || p == "-ManagedBy" && strings.Contains(r.Fix, "-UnifiedGroupLinks")
			if strings.Contains(r.Fix, p+" ") && r.Scope() == audit.ScopeGroup && !says {
				t.Errorf("%s: fix sets %s without saying that Microsoft 365 groups have no such setting: %s", r.ID, p, r.Fix)
			}
		}
	}
}
