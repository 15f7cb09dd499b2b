package remediate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"dgaudit/reports"
)

// TestManagerModeNeedsAPersonAsFirstOwner: turning ReportToOriginator off
// switches delivery reports to the first owner only when that owner resolved
// to a user. A group as first owner would make the fix create a
// manager-is-group finding; an owner that did not resolve, or a report that
// does not say (written before firstOwner existed), would send reports to
// someone who may not exist.
func TestManagerModeNeedsAPersonAsFirstOwner(t *testing.T) {
	t.Parallel()
	const manager = "-ReportToManagerEnabled $true"
	tests := []struct {
		name       string
		firstOwner string // "" leaves the key out, as older reports do
		owners     int
		manager    bool
		note       string
	}{
		{"mailbox", "mailbox", 2, true, ""},
		{"remote mailbox", "remote-mailbox", 1, true, ""},
		{"mail user", "mail-user", 1, true, ""},
		{"mail-enabled security group", "group", 1, false, "the first owner is a group"},
		{"unresolved", "unresolved", 1, false, "did not resolve"},
		{"contact", "contact", 1, false, "not a person"},
		{"older report", "", 1, false, "does not say what the first owner is"},
		{"no owner", "none", 0, false, "has no owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fo := ""
			if tt.firstOwner != "" {
				fo = fmt.Sprintf(`, "firstOwner": %q`, tt.firstOwner)
			}
			doc := fmt.Sprintf(`{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "0b6f2a51-0000-4000-8000-000000000001",
			  "dn": "CN=Open,DC=corp,DC=example", "name": "Open", "mail": "open@corp.example", "kind": "distribution", "score": 100, "risk": "critical",
			  "settings": {"requireSenderAuth": {"value": "false"}, "reportToOriginator": {"value": "true"}, "reportToManager": {"value": "false"},
			    "oofToOriginator": {"value": "false"}, "owners": %d%s},
			  "findings": [{"rule": "ndr-loop-risk", "severity": "critical", "message": "loop"}, {"rule": "reports-to-originator", "severity": "info", "message": "r"}]}]}`,
				tt.owners, fo)
			rep, err := reports.ReadJSON(strings.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			var ps, ldf bytes.Buffer
			if err := PowerShell(&ps, rep, Selection{}, PowerShellOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := LDIF(&ldf, rep, Selection{}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(ps.String(), manager); got != tt.manager {
				t.Errorf("script sets %s: %v, want %v\n%s", manager, got, tt.manager, ps.String())
			}
			if got := strings.Contains(ldf.String(), "replace: reportToOwner\n"); got != tt.manager {
				t.Errorf("LDIF sets reportToOwner: %v, want %v\n%s", got, tt.manager, ldf.String())
			}
			// Either way, reports to the originator go off.
			if !strings.Contains(ps.String(), "-ReportToOriginatorEnabled $false") || !strings.Contains(ldf.String(), "reportToOriginator: FALSE") {
				t.Errorf("ReportToOriginator is not turned off:\n%s\n%s", ps.String(), ldf.String())
			}
			for name, out := range map[string]string{"ps1": ps.String(), "ldf": ldf.String()} {
				if tt.note != "" && !strings.Contains(out, tt.note) {
					t.Errorf("%s lacks a note with %q:\n%s", name, tt.note, out)
				}
				if tt.note == "" && strings.Contains(out, "# NOTE:") {
					t.Errorf("%s has a note:\n%s", name, out)
				}
			}
		})
	}
}
