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

// TestHostileReportValues writes scripts from a report whose values carry
// line breaks and control characters. The reader refuses most of them; the
// writers must not depend on that, so the report is built here directly.
// Whatever a field holds, the payload may only ever appear inside a comment.
func TestHostileReportValues(t *testing.T) {
	t.Parallel()
	const payload = "\nRemove-Mailbox ceo -Confirm:$false\r\ndn: CN=ceo\nchangetype: delete\u2028\u0085\x1b[2K\n#"
	base := func() reports.ReadGroup {
		return reports.ReadGroup{
			// A GUID ID is the identity, so the mail appears only in comments
			// (psQuote, tested on its own, keeps it one literal anyway).
			ID: "0b6f2a51-0000-4000-8000-000000000001", DN: "CN=Loop,DC=corp,DC=example", Name: "Loop", Mail: "loop@corp.example",
			Kind: directory.Distribution, Score: 90, Risk: audit.BandCritical,
			Settings: reports.ReadSettings{OOFToOriginator: audit.Setting{Value: "true"}},
			Findings: []reports.ReadFinding{{Rule: "oof-to-originator", Severity: audit.High, Message: "OOF goes back"}},
		}
	}
	tests := []struct {
		field string
		edit  func(g *reports.ReadGroup)
	}{
		{"kind", func(g *reports.ReadGroup) { g.Kind = directory.GroupKind("distribution" + payload) }},
		{"risk", func(g *reports.ReadGroup) { g.Risk = audit.Band("critical" + payload) }},
		{"rule (manual)", func(g *reports.ReadGroup) {
			g.Findings = append(g.Findings, reports.ReadFinding{Rule: "x" + payload, Severity: audit.Critical, Message: "m"})
		}},
		{"severity", func(g *reports.ReadGroup) {
			g.Findings = append(g.Findings, reports.ReadFinding{Rule: "no-owner", Severity: audit.Severity(99), Message: "m"})
		}},
		{"name", func(g *reports.ReadGroup) { g.Name = "Loop" + payload }},
		{"mail", func(g *reports.ReadGroup) { g.Mail = "loop@corp.example" + payload }},
		{"message", func(g *reports.ReadGroup) { g.Findings[0].Message = "m" + payload }},
		// The header's values, each on its own: with a payload in them in
		// every case, the check that the payload was written would pass
		// whatever the field under test did.
		{"tool", func(*reports.ReadGroup) {}},
		{"source", func(*reports.ReadGroup) {}},
		{"first owner (note)", func(g *reports.ReadGroup) {
			g.Settings.ReportToOriginator, g.Settings.Owners, g.Settings.FirstOwner = audit.Setting{Value: "true"}, 1, "contact"+payload
			g.Findings = append(g.Findings, reports.ReadFinding{Rule: "reports-to-originator", Severity: audit.Info, Message: "r"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			g := base()
			tt.edit(&g)
			tool, source := "dgaudit", "src"
			switch tt.field {
			case "tool":
				tool += payload
			case "source":
				source += payload
			}
			rep := &reports.ReadReport{SchemaVersion: 1, Tool: tool, Source: source,
				AuditedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Groups: []reports.ReadGroup{g}}
			var ps, ldf bytes.Buffer
			if err := PowerShell(&ps, rep, Selection{}, PowerShellOptions{Apply: true}); err != nil {
				t.Fatal(err)
			}
			if err := LDIF(&ldf, rep, Selection{}); err != nil {
				t.Fatal(err)
			}
			// The script's one BOM is tested on its own (TestNonASCIIIdentity).
			for name, out := range map[string]string{"ps1": strings.TrimPrefix(ps.String(), utf8BOM), "ldf": ldf.String()} {
				if strings.ContainsAny(out, "\r\x1b\u0085\u2028") {
					t.Errorf("%s holds a control character or line separator:\n%q", name, out)
				}
				for line := range strings.SplitSeq(out, "\n") {
					if !strings.HasPrefix(line, "#") && (strings.Contains(line, "Remove-Mailbox") || strings.Contains(line, "CN=ceo") || strings.Contains(line, "delete")) {
						t.Errorf("%s: payload outside a comment: %q\nwhole file:\n%s", name, line, out)
					}
				}
				if !strings.Contains(out, "Remove-Mailbox") && tt.field != "severity" {
					t.Errorf("%s: the %s value is missing, so the test proves nothing:\n%s", name, tt.field, out)
				}
			}
		})
	}
}

// TestNonASCIIIdentity: Windows PowerShell 5.1 reads a script without a BOM
// in the ANSI code page, where the second byte of "ё" (UTF-8 D1 91) is
// U+2018, a quote to PowerShell, so a quoted address holding it would end
// early and run what follows, -WhatIf or not. The script starts with a BOM,
// and no non-ASCII value is ever used as an identity: the GUID first, else
// an ASCII address or DN, else the line is commented out.
func TestNonASCIIIdentity(t *testing.T) {
	t.Parallel()
	const (
		guid    = "0B6F2A51-0000-4000-8000-0000000000AA" // upper case, as some exports write it
		hostile = "pa\u0451 $(Remove-Mailbox ceo -Confirm:$false) \u0451@corp.example"
		evilDN  = "CN=pa\u0451 $(Remove-Mailbox ceo),DC=corp,DC=example"
	)
	tests := []struct {
		name     string
		id, dn   string
		identity string // "" when the cmdlet line must be commented out
	}{
		{"guid", guid, evilDN, "'" + guid + "'"},
		{"ascii dn", "g1", "CN=Pa,DC=corp,DC=example", "'CN=Pa,DC=corp,DC=example'"},
		{"nothing ascii", "g1", evilDN, ""},
		{"no dn", "g1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := reports.ReadGroup{ID: tt.id, DN: tt.dn, Name: "Pa", Mail: hostile, Kind: directory.Distribution, Score: 50, Risk: audit.BandHigh,
				Settings: reports.ReadSettings{OOFToOriginator: audit.Setting{Value: "true"}},
				Findings: []reports.ReadFinding{{Rule: "oof-to-originator", Severity: audit.High, Message: "OOF goes back"}}}
			rep := &reports.ReadReport{SchemaVersion: 1, Tool: "dgaudit", Source: "src",
				AuditedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Groups: []reports.ReadGroup{g}}
			var ps bytes.Buffer
			if err := PowerShell(&ps, rep, Selection{}, PowerShellOptions{Apply: true}); err != nil {
				t.Fatal(err)
			}
			out, ok := strings.CutPrefix(ps.String(), "\xef\xbb\xbf")
			if !ok {
				t.Errorf("the script does not start with a UTF-8 BOM: %q", ps.String()[:min(ps.Len(), 8)])
			}
			cmdlets := 0
			for line := range strings.SplitSeq(out, "\n") {
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				if !printableASCII(line) || strings.Contains(line, "Remove-Mailbox") {
					t.Errorf("a line outside a comment holds non-ASCII or the payload: %q", line)
				}
				if strings.HasPrefix(line, "Set-") {
					cmdlets++
					if tt.identity != "" && !strings.Contains(line, "-Identity "+tt.identity+" ") {
						t.Errorf("cmdlet does not name the group by %s: %q", tt.identity, line)
					}
				}
			}
			want := 1
			if tt.identity == "" {
				want = 0
				if !strings.Contains(out, "# NOT RUN: ") || !strings.Contains(out, "# Set-DistributionGroup -Identity <GUID> -SendOofMessageToOriginatorEnabled $false\n") {
					t.Errorf("no commented-out cmdlet saying why:\n%s", out)
				}
			}
			if cmdlets != want {
				t.Errorf("%d cmdlet lines, want %d:\n%s", cmdlets, want, out)
			}
		})
	}
}
