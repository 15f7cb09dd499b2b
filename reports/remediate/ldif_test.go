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

// TestLDIFOnlyForOnPremisesGroups: an LDIF file can change only an
// on-premises Active Directory. A group from Exchange Online (by the
// report's source, or by a DN in Microsoft's datacenter directory, which a
// cmdlet export carries without saying where it came from) gets a comment
// pointing to the PowerShell script, not a record.
func TestLDIFOnlyForOnPremisesGroups(t *testing.T) {
	t.Parallel()
	const hosted = "CN=Sales,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=NAMPR01A001,DC=PROD,DC=OUTLOOK,DC=COM"
	tests := []struct {
		name, source, dn string
		kind             directory.GroupKind
		record           bool
	}{
		{"ldap", "ldap://dc1.corp.example", "CN=Sales,OU=Groups,DC=corp,DC=example", directory.Distribution, true},
		{"on-premises export", "exchange-export:/data/exo", "CN=Sales,OU=Groups,DC=corp,DC=example", directory.Distribution, true},
		{"exchange online source", "exchange-online:contoso.onmicrosoft.com", hosted, directory.Distribution, false},
		{"online export (by DN)", "exchange-export:/data/exo", hosted, directory.Distribution, false},
		{"online DN in lower case", "exchange-export:/data/exo", strings.ToLower(hosted), directory.Distribution, false},
		{"datacenter DN without the OU", "exchange-export:/data/exo", "CN=Sales,DC=EURPR05A002,DC=PROD,DC=OUTLOOK,DC=COM", directory.Distribution, false},
		{"graph", "graph:tenant", "", directory.Microsoft365, false},
		{"graph source with a DN", "graph:tenant", "CN=Sales,OU=Groups,DC=corp,DC=example", directory.Distribution, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := reports.ReadGroup{ID: "0b6f2a51-0000-4000-8000-000000000001", DN: tt.dn, Name: "Sales", Mail: "sales@corp.example",
				Kind: tt.kind, Score: 50, Risk: audit.BandHigh,
				Settings: reports.ReadSettings{RequireSenderAuth: audit.Setting{Value: "false"}},
				Findings: []reports.ReadFinding{{Rule: "open-to-external-senders", Severity: audit.Medium, Message: "open"}}}
			rep := &reports.ReadReport{SchemaVersion: 1, Tool: "dgaudit", Source: tt.source,
				AuditedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Groups: []reports.ReadGroup{g}}
			var ldf bytes.Buffer
			if err := LDIF(&ldf, rep, Selection{}); err != nil {
				t.Fatal(err)
			}
			out := ldf.String()
			if got := strings.Contains(out, "\nchangetype: modify\n"); got != tt.record {
				t.Errorf("LDIF record written: %v, want %v\n%s", got, tt.record, out)
			}
			if !tt.record && !strings.Contains(out, "# no on-premises Active Directory object to modify (a cloud group): change it with the PowerShell script\n") {
				t.Errorf("no comment pointing to the script:\n%s", out)
			}
		})
	}
}
