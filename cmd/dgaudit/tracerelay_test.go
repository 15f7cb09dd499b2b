package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/tracking"
)

// A scan-to-email printer relaying through an anonymous relay connector
// sends as internal users from a private address, which Exchange marks
// Incoming as it does a filtering gateway's Internet mail: it was a high
// spoofing finding (exit 1) on every run, with nothing to say otherwise.
// --relay-client (or relay-clients in the config file) names it.
func TestRelayClientIsNotSpoofing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	var evs []tracking.Event
	for i := range 6 {
		evs = append(evs, tracking.Event{Time: start.Add(time.Duration(i) * time.Minute), EventID: "RECEIVE", Source: "SMTP",
			ClientIP: "10.0.5.20", ClientHostname: "mfp3f.contoso.local", ServerIP: "10.0.0.10", ServerHostname: "EX1",
			Sender: "scanner@contoso.com", ReturnPath: "scanner@contoso.com", Recipients: []string{"ann@contoso.com"},
			Subject: fmt.Sprintf("Scanned document %d", i), MessageID: fmt.Sprintf("<scan%d@mfp3f>", i), Directionality: "Incoming"})
	}
	writeLog(t, dir, "MSGTRK20260305-1.LOG", evs)
	cfg := filepath.Join(t.TempDir(), "dgaudit.yaml")
	if err := os.WriteFile(cfg, []byte("relay-clients: [10.0.5.20]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		want   int
		stderr string
	}{
		{"without", nil, exitFindings, "spoofed internal sender: HIGH scanner@contoso.com, 6 messages"},
		{"by address", []string{"--relay-client", "10.0.5.20"}, exitOK, "exit 0"},
		{"by name", []string{"--relay-client", "MFP3F.contoso.local"}, exitOK, "exit 0"},
		{"another device", []string{"--relay-client", "10.0.5.21"}, exitFindings, "spoofed internal sender: HIGH scanner@contoso.com"},
		{"config file", []string{"-c", cfg}, exitOK, "exit 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"trace", dir, "--internal-domain", "contoso.com"}, tc.args...)
			code, _, stderr := dgaudit(t, args...)
			if code != tc.want || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, tc.want, tc.stderr, stderr)
			}
		})
	}
	// In a scan it goes with --tracking.
	code, _, stderr := dgaudit(t, "scan", "--demo", "--relay-client", "10.0.5.20")
	if code != exitUsage || !strings.Contains(stderr, "--relay-client") {
		t.Errorf("scan --relay-client without --tracking: exit %d\n%s", code, stderr)
	}
	code, _, stderr = dgaudit(t, "scan", "--demo", "--tracking", dir, "--relay-client", "10.0.5.20", "--fail-on", "none")
	if code == exitUsage || strings.Contains(stderr, "spoofed internal sender") {
		t.Errorf("scan --tracking --relay-client: exit %d\n%s", code, stderr)
	}
}
