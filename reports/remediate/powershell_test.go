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
