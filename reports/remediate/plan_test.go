package remediate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"dgaudit/reports"
)

// TestReportFlags: the report flags change only for a group the script
// leaves open, and never so that both end up off (no-delivery-reports).
// A group the script closes keeps reports to the originator, the
// recommended setting once authentication is required. A group left open
// switches to manager mode only when the first owner resolved to a mailbox
// or remote mailbox: a group as first owner would make the fix create a
// manager-is-group finding; a mail user or guest would get every bounce
// outside the organization; an owner that did not resolve, or a report that does not say
// (written before firstOwner existed), would send reports to someone who
// may not exist. Otherwise ReportToOriginator stays on, with a note.
func TestReportFlags(t *testing.T) {
	t.Parallel()
	const (
		origOff   = "-ReportToOriginatorEnabled $false"
		managerOn = "-ReportToManagerEnabled $true"
		authOn    = "-RequireSenderAuthenticationEnabled $true"
	)
	closing := []string(nil) // every rule: ndr-loop-risk closes the group
	open := []string{"reports-to-originator"}
	tests := []struct {
		name       string
		rules      []string
		kind       string
		firstOwner string // "" leaves the key out, as older reports do
		owners     int
		manager    string // ReportToManagerEnabled in the report
		origOff    bool
		managerOn  bool
		note       string
	}{
		{"closed, no owner", closing, "distribution", "none", 0, "false", false, false, ""},
		{"closed, mailbox owner", closing, "distribution", "mailbox", 1, "false", false, false, ""},
		{"closed, dynamic", closing, "dynamic", "mailbox", 1, "false", false, false, ""},
		{"closed, microsoft 365", closing, "microsoft365", "mailbox", 1, "false", false, false, ""},
		{"open, mailbox", open, "distribution", "mailbox", 2, "false", true, true, ""},
		{"open, remote mailbox", open, "distribution", "remote-mailbox", 1, "false", true, true, ""},
		{"open, mail user", open, "distribution", "mail-user", 1, "false", false, false, "mail-user, whose mail leaves the organization"},
		{"open, guest", open, "distribution", "guest", 1, "false", false, false, "guest, whose mail leaves the organization"},
		{"open, manager already on", open, "distribution", "mailbox", 1, "true", true, false, ""},
		{"open, manager already on to a group", open, "distribution", "group", 1, "true", false, false, "ReportToManagerEnabled is on, but the first owner is a group"},
		{"open, manager already on to a guest", open, "distribution", "guest", 1, "true", false, false, "ReportToManagerEnabled is on, but the first owner is a guest"},
		{"open, manager already on, no owner", open, "distribution", "none", 0, "true", false, false, "ReportToManagerEnabled is on, but the group has no owner"},
		{"open, mail-enabled security group", open, "distribution", "group", 1, "false", false, false, "the first owner is a group"},
		{"open, unresolved", open, "distribution", "unresolved", 1, "false", false, false, "did not resolve"},
		{"open, contact", open, "distribution", "contact", 1, "false", false, false, "not a person"},
		{"open, older report", open, "distribution", "", 1, "false", false, false, "does not say what the first owner is"},
		{"open, no owner", open, "distribution", "none", 0, "false", false, false, "has no owner"},
		{"open, microsoft 365", open, "microsoft365", "mailbox", 1, "false", false, false, "Set-UnifiedGroup cannot set"},
		{"open, microsoft 365, manager on", open, "microsoft365", "mailbox", 1, "true", false, false, "Set-UnifiedGroup cannot set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fo := ""
			if tt.firstOwner != "" {
				fo = fmt.Sprintf(`, "firstOwner": %q`, tt.firstOwner)
			}
			doc := fmt.Sprintf(`{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "0b6f2a51-0000-4000-8000-000000000001",
			  "dn": "CN=Open,DC=corp,DC=example", "name": "Open", "mail": "open@corp.example", "kind": %q, "score": 100, "risk": "critical",
			  "settings": {"requireSenderAuth": {"value": "false"}, "reportToOriginator": {"value": "true"}, "reportToManager": {"value": %q},
			    "oofToOriginator": {"value": "false"}, "owners": %d%s},
			  "findings": [{"rule": "ndr-loop-risk", "severity": "critical", "message": "loop"}, {"rule": "reports-to-originator", "severity": "info", "message": "r"}]}]}`,
				tt.kind, tt.manager, tt.owners, fo)
			rep, err := reports.ReadJSON(strings.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			sel := Selection{Rules: tt.rules}
			var ps, ldf bytes.Buffer
			if err := PowerShell(&ps, rep, sel, PowerShellOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := LDIF(&ldf, rep, sel); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(ps.String(), origOff); got != tt.origOff {
				t.Errorf("script sets %s: %v, want %v\n%s", origOff, got, tt.origOff, ps.String())
			}
			if got := strings.Contains(ps.String(), managerOn); got != tt.managerOn {
				t.Errorf("script sets %s: %v, want %v\n%s", managerOn, got, tt.managerOn, ps.String())
			}
			if tt.kind != "microsoft365" {
				if got := strings.Contains(ldf.String(), "reportToOriginator: FALSE"); got != tt.origOff {
					t.Errorf("LDIF sets reportToOriginator FALSE: %v, want %v\n%s", got, tt.origOff, ldf.String())
				}
				if got := strings.Contains(ldf.String(), "replace: reportToOwner\n"); got != tt.managerOn {
					t.Errorf("LDIF sets reportToOwner: %v, want %v\n%s", got, tt.managerOn, ldf.String())
				}
			}
			// The state the script leaves: never both report flags off.
			if tt.origOff && !tt.managerOn && tt.manager != "true" {
				t.Errorf("the test expects both report flags off")
			}
			// A closing script answers reports-to-originator with the
			// authentication change; nothing is left to review.
			if tt.rules == nil {
				if !strings.Contains(ps.String(), authOn) {
					t.Errorf("the group is not closed:\n%s", ps.String())
				}
				if strings.Contains(ps.String(), "review by hand") {
					t.Errorf("a finding is left for review:\n%s", ps.String())
				}
			}
			for name, out := range map[string]string{"ps1": ps.String(), "ldf": ldf.String()} {
				if tt.note != "" && !strings.Contains(out, tt.note) {
					t.Errorf("%s lacks a note with %q:\n%s", name, tt.note, out)
				}
				if tt.note == "" && strings.Contains(out, "# NOTE:") {
					t.Errorf("%s has a note:\n%s", name, out)
				}
				if tt.note != "" && !strings.Contains(out, "review by hand: [info] reports-to-originator") {
					t.Errorf("%s does not leave reports-to-originator for review:\n%s", name, out)
				}
			}
		})
	}
}

// TestSelectGroupAnyCase: --group matches IDs and addresses without case,
// as the command's own check that the group exists does; an address or
// GUID typed in another case selected nothing before.
func TestSelectGroupAnyCase(t *testing.T) {
	t.Parallel()
	g := &reports.ReadGroup{ID: "0b6f2a51-0000-4000-8000-00000000000a", Mail: "Sales@corp.example"}
	noMail := &reports.ReadGroup{ID: "0b6f2a51-0000-4000-8000-00000000000b"}
	tests := []struct {
		name string
		g    *reports.ReadGroup
		want string
		ok   bool
	}{
		{"address as stored", g, "Sales@corp.example", true},
		{"address upper case", g, "SALES@CORP.EXAMPLE", true},
		{"address lower case", g, "sales@corp.example", true},
		{"guid upper case", g, "0B6F2A51-0000-4000-8000-00000000000A", true},
		{"other group", g, "sales2@corp.example", false},
		{"no mail, empty name", noMail, "", false},
	}
	for _, tt := range tests {
		if got := (Selection{Groups: []string{tt.want}}).group(tt.g); got != tt.ok {
			t.Errorf("%s: group(%q) = %v, want %v", tt.name, tt.want, got, tt.ok)
		}
	}
}
