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

// TestTraceSpoofedSenderOwnMessagesBack: alice posts once to an outside
// list that has her colleague bob on it, and the list's server delivers
// bob's copy back. Her address is listed, and the summary and the report
// say it was her own message coming back, but at info: every scheduled run
// of an organization whose users post to outside lists would otherwise
// fail. Seed 000's remote server sending her one message back a hundred
// times is the incident, and fails the run; so does a forged message among
// her own.
func TestTraceSpoofedSenderOwnMessagesBack(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	const id = "<post.1@contoso.com>"
	arrival := func(at time.Time, host, ip, id string) tracking.Event {
		return tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: ip, ClientHostname: host,
			Sender: "alice@contoso.com", Recipients: []string{"bob@contoso.com"}, Subject: "Agenda", MessageID: id, Directionality: "Incoming"}
	}
	for _, tc := range []struct {
		name     string
		back     int
		forged   bool
		code     int
		summary  string
		severity string
		high     int
	}{
		{"a post back once", 1, false, exitOK,
			"spoofed internal sender: INFO alice@contoso.com, 1 messages from outside (all of them its own messages coming back from an outside list or forwarder, each at most once: normal for outside lists with internal members) via mx.fabrikam.com (1)\n",
			"info", 0},
		{"a post back three times", 3, false, exitOK,
			"spoofed internal sender: INFO alice@contoso.com, 3 messages from outside (all of them its own messages coming back from an outside list or forwarder, each at most 3 times: normal for outside lists with internal members) via mx.fabrikam.com (3)\n",
			"info", 0},
		{"seed 000: one message back a hundred times", 100, false, exitFindings,
			"spoofed internal sender: HIGH alice@contoso.com, 100 messages from outside (100 of them its own messages coming back, one of them 100 times) via mx.fabrikam.com (100)\n",
			"high", 1},
		{"a post back once and a forged message", 1, true, exitFindings,
			"spoofed internal sender: HIGH alice@contoso.com, 2 messages from outside (1 of them its own messages coming back) via ",
			"high", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			evs := []tracking.Event{
				{Time: start, EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "alice@contoso.com", MessageID: id},
				{Time: start.Add(time.Second), EventID: "SEND", Source: "SMTP", ServerIP: "198.51.100.20", ServerHostname: "mx.fabrikam.com",
					Sender: "alice@contoso.com", Recipients: []string{"partner-list@fabrikam.com"}, MessageID: id},
			}
			for i := range tc.back {
				evs = append(evs, arrival(start.Add(time.Duration(5+i)*time.Second), "mx.fabrikam.com", "198.51.100.20", id))
			}
			if tc.forged {
				evs = append(evs, arrival(start.Add(time.Hour), "mail.attacker.example", "203.0.113.66", "<forged.1@attacker.example>"))
			}
			writeLog(t, dir, "MSGTRK20260305-1.LOG", evs)
			out := filepath.Join(t.TempDir(), "t.json")
			code, _, stderr := dgaudit(t, "trace", dir, "--internal-domain", "contoso.com", "-o", out, "--log-level", "error")
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.summary) {
				t.Errorf("summary lacks %q:\n%s", tc.summary, stderr)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Summary struct {
					Evidence struct {
						BySeverity map[string]int
					}
				}
				Traffic struct {
					Spoofing []struct {
						Sender, Severity           string
						Returned, MostReturnsOfOne int64
					}
				}
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			sp := doc.Traffic.Spoofing
			if len(sp) != 1 || sp[0].Sender != "alice@contoso.com" || sp[0].Severity != tc.severity || sp[0].Returned != int64(tc.back) ||
				sp[0].MostReturnsOfOne != int64(tc.back) {
				t.Errorf("spoofing in the report: %+v, want alice, %s, %d returned, most %d", sp, tc.severity, tc.back, tc.back)
			}
			if by := doc.Summary.Evidence.BySeverity; by["high"] != tc.high || by["info"] != 1-tc.high {
				t.Errorf("evidence by severity %v, want %d high", by, tc.high)
			}
		})
	}
}
