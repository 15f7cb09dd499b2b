package remediate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/reports"
	"dgaudit/rules"
)

// TestOrgFindings: organization findings are not dropped. They are listed
// for review with the commands of docs/rules.md, every line commented out
// (an org-wide change is for a human to run), and only when the selection
// takes them.
func TestOrgFindings(t *testing.T) {
	t.Parallel()
	org := []reports.ReadFinding{
		{Rule: "receive-connector-open-relay", Severity: audit.High, Message: "receive connector Relay on server EX1 lets anonymous senders relay"},
		{Rule: "remote-domain-legacy-oof", Severity: audit.Low, Message: "remote domain Partner (partner.example) receives legacy replies"},
		{Rule: "remote-domain-ndr-disabled", Severity: audit.Info, Message: "remote domain Quiet (quiet.example) does not receive NDRs"},
		{Rule: "internal-relay-domain", Severity: audit.Medium, Message: "accepted domain old.example is internal relay"},
		{Rule: "recipient-validation-off", Severity: audit.Medium, Message: "recipient validation is off"},
		{Rule: "remote-domains-unknown", Severity: audit.Info, Message: "no remote domains in the snapshot"},
	}
	rep := &reports.ReadReport{SchemaVersion: 1, Tool: "dgaudit", Source: "src",
		AuditedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), OrgFindings: org}
	tests := []struct {
		name string
		sel  Selection
		// want are lines the script must hold; absent, lines it must not.
		want, absent []string
	}{
		{"open relay", Selection{Rules: []string{"receive-connector-open-relay"}}, []string{
			"# review by hand: [high] receive-connector-open-relay: receive connector Relay on server EX1 lets anonymous senders relay",
			`#   Remove-ADPermission -Identity "<server>\<connector>" -User "NT AUTHORITY\ANONYMOUS LOGON" -ExtendedRights ms-Exch-SMTP-Accept-Any-Recipient`,
		}, []string{"remote-domain-legacy-oof", "# Nothing selected to fix."}},
		{"every rule", Selection{}, []string{
			"#   Set-RemoteDomain -Identity <name> -AllowedOOFType External",
			"#   Set-RemoteDomain -Identity <name> -NDREnabled $true",
			"#   Set-AcceptedDomain -Identity <domain> -DomainType Authoritative",
			"#   Remove-AcceptedDomain -Identity <domain>, and route mail for outside domains through a send connector)",
			"#   Set-RecipientFilterConfig -Enabled $true -ExternalMailEnabled $true -RecipientValidationEnabled $true",
			"# review by hand: [info] remote-domains-unknown: no remote domains in the snapshot",
		}, nil},
		{"severity", Selection{MinSeverity: audit.Medium}, []string{"# review by hand: [medium] internal-relay-domain: accepted domain old.example is internal relay"},
			[]string{"remote-domain-legacy-oof", "remote-domain-ndr-disabled"}},
		// --group names groups; the organization is not one.
		{"group", Selection{Groups: []string{"sales@corp.example"}}, []string{"# Nothing selected to fix."}, []string{"review by hand"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ps, ldf bytes.Buffer
			if err := PowerShell(&ps, rep, tt.sel, PowerShellOptions{Apply: true}); err != nil {
				t.Fatal(err)
			}
			if err := LDIF(&ldf, rep, tt.sel); err != nil {
				t.Fatal(err)
			}
			out := strings.TrimPrefix(ps.String(), utf8BOM)
			lines := strings.Split(out, "\n")
			for _, w := range tt.want {
				if !strings.Contains(out, w+"\n") {
					t.Errorf("script lacks %q:\n%s", w, out)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(out, a) {
					t.Errorf("script holds %q:\n%s", a, out)
				}
			}
			for _, l := range lines {
				if l != "" && !strings.HasPrefix(l, "#") && l != "$ErrorActionPreference = 'Stop'" {
					t.Errorf("an organization change is not commented out: %q", l)
				}
			}
			// The LDIF lists the findings for review and points to the
			// script.
			for _, f := range orgFindings(rep, tt.sel) {
				if !strings.Contains(ldf.String(), "# review by hand: ["+f.Severity.String()+"] "+f.Rule+": "+f.Message+"\n") {
					t.Errorf("LDIF lacks %s:\n%s", f.Rule, ldf.String())
				}
			}
		})
	}
}

// TestOrgFixesCoverTheCatalogue: every organization rule has its commands,
// or is a collection gap that no command fixes, so a new organization rule
// is not listed without them unnoticed.
func TestOrgFixesCoverTheCatalogue(t *testing.T) {
	t.Parallel()
	gaps := map[string]bool{"accepted-domains-unknown": true, "remote-domains-unknown": true}
	for _, r := range rules.All(rules.DefaultConfig()) {
		if r.Scope() != audit.ScopeOrganization {
			continue
		}
		if _, ok := orgFixes[r.ID]; !ok && !gaps[r.ID] {
			t.Errorf("organization rule %s has no commands in orgFixes", r.ID)
		}
	}
}
