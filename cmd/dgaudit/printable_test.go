package main

import (
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

const hostileName = "Reseller\x1b[2K\r\x1b[1Aexit 0\x1b]0;pwned\x07"

// terminalControls are bytes and runes that a terminal acts on.
const terminalControls = "\x1b\r\x07\x7f\u0085\u009b\u2028\u2029\u202e"

func TestPrintable(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Sales <sales@corp.example>", "Sales <sales@corp.example>"},
		{"Jürgen’s list", "Jürgen’s list"},
		{hostileName, `Reseller\x1b[2K\x0d\x1b[1Aexit 0\x1b]0;pwned\x07`},
		{"a\nb\tc\x7f", `a\x0ab\x09c\x7f`},
		{"c1\u009b31m nel\u0085", `c1\u009b31m nel\u0085`},
		{"ls\u2028ps\u2029rlo\u202eiso\u2066", `ls\u2028ps\u2029rlo\u202eiso\u2066`},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSummaryHostileNames: a group whose name carries terminal escapes (an
// attempt to erase the summary and print a fake "exit 0") is shown escaped.
func TestSummaryHostileNames(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("o").Contact("x", "x@partner.example").
		Group("Reseller", []string{"x", "o"}, dt.ReportsToOriginator, dt.Owner("o"),
			func(g *directory.Group) { g.Name, g.Mail = hostileName, "res\x1b[31m@corp.example" }).
		Edit(func(s *directory.Snapshot) {
			s.Coverage.AddGap("group-members\x1b[2J", s.Groups[0].ID, "server said \x1b]0;pwned\x07")
		}).
		Snapshot()
	code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, snap))
	if code != exitGaps {
		t.Errorf("exit %d, want %d\n%s", code, exitGaps, stderr)
	}
	if i := strings.IndexAny(stderr, terminalControls); i >= 0 {
		t.Errorf("summary holds a control character at byte %d: %q", i, stderr)
	}
	for _, want := range []string{`Reseller\x1b[2K\x0d\x1b[1Aexit 0\x1b]0;pwned\x07 <res\x1b[31m@corp.example>`, `group-members\x1b[2J`, `server said \x1b]0;pwned\x07`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
}

// TestTrafficSummaryHostileLog: addresses and names from a tracking log are
// escaped on the loop and evidence lines too.
func TestTrafficSummaryHostileLog(t *testing.T) {
	t.Parallel()
	evil := "a\x1b[1A\r@x.example\u2028"
	tr := &audit.Traffic{
		Loops: []audit.Loop{{Group: evil, GroupName: hostileName, Severity: audit.Critical, Signals: []string{"s\x07"},
			External: []audit.AddressCount{{Address: evil, N: 2}}, InboundServers: []audit.AddressCount{{Address: evil, N: 1}}}},
		Spoofing:  []audit.SpoofedSender{{Sender: evil}},
		OOFStorms: []audit.OOFStorm{{Internal: evil, External: evil}},
		Truncated: []string{"k\x1b"},
	}
	var b strings.Builder
	writeTrafficSummary(&b, tr)
	out := b.String()
	if i := strings.IndexAny(out, terminalControls); i >= 0 {
		t.Errorf("traffic summary holds a control character at byte %d: %q", i, out)
	}
	if !strings.Contains(out, `CRITICAL Reseller\x1b[2K\x0d`) || !strings.Contains(out, `a\x1b[1A\x0d@x.example\u2028 (2)`) {
		t.Errorf("traffic summary:\n%s", out)
	}
}
