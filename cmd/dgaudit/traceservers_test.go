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

// A spoofed message is logged by the edge that took it from the Internet
// and by the hub the edge relayed it to. Given the hub's folder first, the
// hub's copy comes first: trace and scan name the servers from the logs
// before reading them, so the edge is an internal hop and the attacker's
// server the client, not the other way round.
func TestTrackingKnowsTheServersBeforeReading(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	edgeDir, hubDir := filepath.Join(dir, "edge"), filepath.Join(dir, "hub")
	var edge, hub []tracking.Event
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		at := start.Add(time.Duration(i) * time.Minute)
		m := tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", Sender: "ceo@corp.example", Recipients: []string{"ann@corp.example"},
			Subject: "Wire transfer", MessageID: fmt.Sprintf("<s%d@attacker.example>", i), Directionality: "Incoming"}
		in, send, relayed := m, m, m
		in.ClientHostname, in.ClientIP, in.ServerHostname, in.ServerIP = "mail.attacker.example", "198.51.100.66", "EDGE01", "203.0.113.25"
		send.EventID, send.ClientHostname, send.ClientIP, send.ServerHostname, send.ServerIP = "SEND", "edge01.corp.example", "10.1.0.25", "hub01.corp.example", "10.1.0.10"
		relayed.ClientHostname, relayed.ClientIP, relayed.ServerHostname, relayed.ServerIP = "edge01.corp.example", "10.1.0.25", "HUB01", "10.1.0.10"
		edge, hub = append(edge, in, send), append(hub, relayed)
	}
	for d, evs := range map[string][]tracking.Event{edgeDir: edge, hubDir: hub} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeLog(t, d, "MSGTRK2026030509-1.LOG", evs)
	}
	for _, args := range [][]string{
		{"trace", hubDir, edgeDir, "--internal-domain", "corp.example"},
		{"scan", "--demo", "--tracking", hubDir, "--tracking", edgeDir, "--internal-domain", "corp.example", "--fail-on", "none"},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, _, stderr := dgaudit(t, args...)
			if want := "spoofed internal sender: HIGH ceo@corp.example, 3 messages from outside via mail.attacker.example (3)\n"; !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		})
	}
}
