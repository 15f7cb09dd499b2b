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

// TestDirSyncedGroup: Exchange Online refuses to change a group synchronized
// from on premises, and the error would stop the script before the groups
// after it. Its cmdlet is written commented out, named by its address (the
// on-premises shell does not know the Entra object ID), with a note saying
// where to make the change; the next group's cmdlet still runs. The LDIF
// file, which has no on-premises DN for it, names the attributes to set.
func TestDirSyncedGroup(t *testing.T) {
	t.Parallel()
	const (
		note = "# NOT RUN: the group is synchronized from on-premises Active Directory; Exchange Online cannot change it.\n" +
			"# Change it there and let it synchronize: run the line below in the on-premises Exchange Management Shell,\n" +
			"# or set the attributes the LDIF file names on its object with an on-premises domain controller.\n"
		ldifNote = "# synchronized from on-premises Active Directory, whose DN for it this report does not have:\n"
		hosted   = "CN=Sales,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=NAMPR01A001,DC=PROD,DC=OUTLOOK,DC=COM"
		other    = "Set-DistributionGroup -Identity '0b6f2a51-0000-4000-8000-000000000002' -RequireSenderAuthenticationEnabled $true -WhatIf\n"
	)
	tests := []struct {
		name      string
		dirSynced bool
		kind      directory.GroupKind
		mail      string
		line      string // the group's cmdlet line, with its leading "# " when commented out
	}{
		{"cloud group", false, directory.Distribution, "sales@corp.example",
			"Set-DistributionGroup -Identity '0b6f2a51-0000-4000-8000-000000000001' -RequireSenderAuthenticationEnabled $true -WhatIf"},
		{"synchronized list", true, directory.Distribution, "sales@corp.example",
			"# Set-DistributionGroup -Identity 'sales@corp.example' -RequireSenderAuthenticationEnabled $true -WhatIf"},
		{"synchronized security group", true, directory.MailSecurity, "sales@corp.example",
			"# Set-DistributionGroup -Identity 'sales@corp.example' -RequireSenderAuthenticationEnabled $true -BypassSecurityGroupManagerCheck -WhatIf"},
		{"synchronized, address not ASCII", true, directory.Distribution, "verkäufe@corp.example",
			"# Set-DistributionGroup -Identity <on-premises identity> -RequireSenderAuthenticationEnabled $true -WhatIf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			group := func(id, mail string, synced bool) reports.ReadGroup {
				return reports.ReadGroup{ID: id, DN: hosted, Name: "Sales", Mail: mail,
					Kind: tt.kind, Score: 50, Risk: audit.BandHigh, DirSynced: synced,
					Settings: reports.ReadSettings{RequireSenderAuth: audit.Setting{Value: "false"}},
					Findings: []reports.ReadFinding{{Rule: "open-to-external-senders", Severity: audit.Medium, Message: "open"}}}
			}
			next := group("0b6f2a51-0000-4000-8000-000000000002", "next@corp.example", false)
			next.Kind = directory.Distribution
			rep := &reports.ReadReport{SchemaVersion: 1, Tool: "dgaudit", Source: "exchange-online:contoso.onmicrosoft.com",
				AuditedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Groups:    []reports.ReadGroup{group("0b6f2a51-0000-4000-8000-000000000001", tt.mail, tt.dirSynced), next}}
			var ps, ldf bytes.Buffer
			if err := PowerShell(&ps, rep, Selection{}, PowerShellOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := LDIF(&ldf, rep, Selection{}); err != nil {
				t.Fatal(err)
			}
			out := ps.String()
			if !strings.Contains(out, "\n"+tt.line+"\n") {
				t.Errorf("want the line %q:\n%s", tt.line, out)
			}
			if got := strings.Contains(out, note+tt.line+"\n"); got != tt.dirSynced {
				t.Errorf("note before the line: %v, want %v\n%s", got, tt.dirSynced, out)
			}
			if !strings.Contains(out, "\n"+other) {
				t.Errorf("the next group's cmdlet is not run:\n%s", out)
			}
			if got := strings.Contains(ldf.String(), ldifNote); got != tt.dirSynced {
				t.Errorf("LDIF note: %v, want %v\n%s", got, tt.dirSynced, ldf.String())
			}
			if tt.dirSynced && !strings.Contains(ldf.String(), ldifNote+"# set these attributes on its on-premises object (or run the PowerShell script's line on premises)\n# msExchRequireAuthToSendTo TRUE answers:\n") {
				t.Errorf("LDIF does not name the attribute to set on premises:\n%s", ldf.String())
			}
			if strings.Contains(ldf.String(), "\nchangetype: modify\n") {
				t.Errorf("LDIF record for a group with a datacenter DN:\n%s", ldf.String())
			}
		})
	}
}
