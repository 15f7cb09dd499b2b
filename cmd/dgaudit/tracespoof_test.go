package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/directory/tracking"
)

// spoofers is n spoofed senders s0@corp.example, s1@corp.example ... with
// n, n-1 ... messages.
func spoofers(n int) []audit.SpoofedSender {
	out := make([]audit.SpoofedSender, n)
	for i := range out {
		out[i] = audit.SpoofedSender{Sender: fmt.Sprintf("s%d@corp.example", i), Messages: int64(n - i)}
	}
	return out
}

// TestTraceSpoofedSendersTotal: from the log to the report and the summary,
// 25 forged senders are counted as 25, with all their messages, though the
// report lists 20 of them.
func TestTraceSpoofedSendersTotal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	var evs []tracking.Event
	for i := range 25 {
		for k := range 1 + i%2 {
			evs = append(evs, tracking.Event{Time: start.Add(time.Duration(i) * time.Minute), EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.66",
				ClientHostname: "mail.attacker.example", Sender: fmt.Sprintf("user%02d@corp.example", i), Recipients: []string{"ann@corp.example"},
				Subject: "Invoice", MessageID: fmt.Sprintf("<s%d.%d@attacker.example>", i, k), Directionality: "Incoming"})
		}
	}
	writeLog(t, dir, "MSGTRK20260305-1.LOG", evs)
	out := filepath.Join(t.TempDir(), "t.json")
	code, _, stderr := dgaudit(t, "trace", dir, "--internal-domain", "corp.example", "-o", out, "--log-level", "error")
	if code != exitFindings {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if want := "  ... and 22 more spoofed senders, 37 spoofed messages in all\n"; !strings.Contains(stderr, want) {
		t.Errorf("summary lacks %q:\n%s", want, stderr)
	}
	var doc struct {
		Traffic struct {
			Spoofing        []struct{ Sender string }
			SpoofingTotal   *int
			SpoofingCapped  *bool
			SpoofedMessages *int64
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	tr := doc.Traffic
	// Twelve senders sent two messages each and come first, by address.
	if len(tr.Spoofing) != 20 || tr.Spoofing[0].Sender != "user01@corp.example" || tr.Spoofing[19].Sender != "user14@corp.example" ||
		tr.SpoofingTotal == nil || *tr.SpoofingTotal != 25 || tr.SpoofingCapped == nil || *tr.SpoofingCapped ||
		tr.SpoofedMessages == nil || *tr.SpoofedMessages != 37 {
		t.Errorf("spoofing in the report: %+v", tr)
	}
}

// TestTraceSpoofedSenderOwnMessagesBack: a user's post to a partner's list
// coming back to her colleagues is listed under her address, and the
// summary and the report say it was her own message coming back, not a
// forgery.
func TestTraceSpoofedSenderOwnMessagesBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	const id = "<post.1@corp.example>"
	evs := []tracking.Event{
		{Time: start, EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ann@corp.example", MessageID: id},
		{Time: start.Add(time.Second), EventID: "SEND", Source: "SMTP", ServerIP: "198.51.100.20", ServerHostname: "mx.partner.example",
			Sender: "ann@corp.example", Recipients: []string{"list@partner.example"}, MessageID: id},
		{Time: start.Add(5 * time.Second), EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.20", ClientHostname: "mx.partner.example",
			Sender: "ann@corp.example", Recipients: []string{"bob@corp.example"}, Subject: "Lunch", MessageID: id, Directionality: "Incoming"},
	}
	writeLog(t, dir, "MSGTRK20260305-1.LOG", evs)
	out := filepath.Join(t.TempDir(), "t.json")
	code, _, stderr := dgaudit(t, "trace", dir, "--internal-domain", "corp.example", "-o", out, "--log-level", "error")
	if code != exitFindings {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if want := "spoofed internal sender: ann@corp.example, 1 messages from outside (1 of them its own messages coming back) via "; !strings.Contains(stderr, want) {
		t.Errorf("summary lacks %q:\n%s", want, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"returned": 1,`; !strings.Contains(string(data), want) {
		t.Errorf("report lacks %s", want)
	}
}
