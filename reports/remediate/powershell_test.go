package remediate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/reports"
)

// TestSecurityGroupManagerCheck: Exchange lets only a mail-enabled security
// group's managers change it, and the error would stop the script
// ($ErrorActionPreference = 'Stop') before the groups after it, so its
// cmdlet carries -BypassSecurityGroupManagerCheck; no other kind takes it.
func TestSecurityGroupManagerCheck(t *testing.T) {
	t.Parallel()
	const bypass = " -BypassSecurityGroupManagerCheck"
	tests := []struct {
		kind   directory.GroupKind
		cmdlet string
		bypass bool
	}{
		{directory.MailSecurity, "Set-DistributionGroup", true},
		{directory.Distribution, "Set-DistributionGroup", false},
		{directory.Dynamic, "Set-DynamicDistributionGroup", false},
		{directory.Microsoft365, "Set-UnifiedGroup", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			g := reports.ReadGroup{ID: "0b6f2a51-0000-4000-8000-000000000001", DN: "CN=Sec,DC=corp,DC=example", Name: "Sec", Mail: "sec@corp.example",
				Kind: tt.kind, Score: 50, Risk: audit.BandHigh,
				Settings: reports.ReadSettings{RequireSenderAuth: audit.Setting{Value: "false"}},
				Findings: []reports.ReadFinding{{Rule: "open-to-external-senders", Severity: audit.Medium, Message: "open"}}}
			rep := &reports.ReadReport{SchemaVersion: 1, Tool: "dgaudit", Source: "src",
				AuditedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Groups: []reports.ReadGroup{g}}
			for _, apply := range []bool{false, true} {
				var ps bytes.Buffer
				if err := PowerShell(&ps, rep, Selection{}, PowerShellOptions{Apply: apply}); err != nil {
					t.Fatal(err)
				}
				want := tt.cmdlet + " -Identity '0b6f2a51-0000-4000-8000-000000000001' -RequireSenderAuthenticationEnabled $true"
				if tt.bypass {
					want += bypass
				}
				if !apply {
					want += " -WhatIf"
				}
				if !strings.Contains(ps.String(), "\n"+want+"\n") {
					t.Errorf("apply %v: want the line %q:\n%s", apply, want, ps.String())
				}
			}
		})
	}
}

// TestAuthWarning: a change that requires authentication says what outside
// senders will get and what to do instead for a group that must receive
// from outside; other changes do not.
func TestAuthWarning(t *testing.T) {
	t.Parallel()
	const warning = "#   Outside senders then get 550 5.7.1 RESOLVER.RST.AuthRequired. If the group must receive mail from outside,\n" +
		"#   leave this off and moderate it (-ModerationEnabled $true -ModeratedBy <owner>) or restrict who may send\n"
	tests := []struct {
		name     string
		settings reports.ReadSettings
		finding  string
		warn     bool
	}{
		{"requires authentication", reports.ReadSettings{RequireSenderAuth: audit.Setting{Value: "false"}}, "open-to-external-senders", true},
		{"out-of-office only", reports.ReadSettings{OOFToOriginator: audit.Setting{Value: "true"}}, "oof-to-originator", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := reports.ReadGroup{ID: "0b6f2a51-0000-4000-8000-000000000001", DN: "CN=G,DC=corp,DC=example", Name: "G", Mail: "g@corp.example",
				Kind: directory.Distribution, Score: 50, Risk: audit.BandHigh, Settings: tt.settings,
				Findings: []reports.ReadFinding{{Rule: tt.finding, Severity: audit.Medium, Message: "m"}}}
			rep := &reports.ReadReport{SchemaVersion: 1, Tool: "dgaudit", Source: "ldap://dc1",
				AuditedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Groups: []reports.ReadGroup{g}}
			var ps, ldf bytes.Buffer
			if err := PowerShell(&ps, rep, Selection{}, PowerShellOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := LDIF(&ldf, rep, Selection{}); err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string]string{"ps1": ps.String(), "ldf": ldf.String()} {
				if got := strings.Contains(out, "m\n"+warning); got != tt.warn {
					t.Errorf("%s: warning after the answers: %v, want %v\n%s", name, got, tt.warn, out)
				}
			}
		})
	}
}
