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

// TestTraceSpoofedSenderOwnMessagesBack: alice posts to an outside list
// that has colleagues on it, and the list's server delivers their copies
// back, to each apart. Her address is listed, and the summary and the
// report say it was her own message coming back, but at info: every
// scheduled run of an organization whose users post to outside lists would
// otherwise fail. A remote server sending her messages back to the same
// recipient again and again (seed 000's a hundred times, or each of twenty
// nine times) is the incident, and fails the run; so does a forged message
// among her own.
func TestTraceSpoofedSenderOwnMessagesBack(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	arrival := func(at time.Time, host, ip, id, to string) tracking.Event {
		return tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: ip, ClientHostname: host,
			Sender: "alice@contoso.com", Recipients: []string{to}, Subject: "Agenda", MessageID: id, Directionality: "Incoming"}
	}
	for _, tc := range []struct {
		name        string
		posts, back int
		toOne       bool
		forged      bool
		code        int
		summary     string
		severity    string
		returned    int64
		most        int64
		high        int
	}{
		{"a post back once", 1, 1, false, false, exitOK,
			"spoofed internal sender: INFO alice@contoso.com, 1 messages from outside (all of them its own messages coming back from an outside list or forwarder, each at most once to any one recipient: normal for outside lists with internal members) via mx.fabrikam.com (1)\n",
			"info", 1, 1, 0},
		{"a post back to twelve members apart", 1, 12, false, false, exitOK,
			"spoofed internal sender: INFO alice@contoso.com, 12 messages from outside (all of them its own messages coming back from an outside list or forwarder, each at most once to any one recipient: normal for outside lists with internal members) via mx.fabrikam.com (12)\n",
			"info", 12, 1, 0},
		{"a post back twice to one member", 1, 2, true, false, exitOK,
			"spoofed internal sender: INFO alice@contoso.com, 2 messages from outside (all of them its own messages coming back from an outside list or forwarder, each at most 2 times to any one recipient: normal for outside lists with internal members) via mx.fabrikam.com (2)\n",
			"info", 2, 2, 0},
		{"seed 000: one message back a hundred times", 1, 100, true, false, exitFindings,
			"spoofed internal sender: HIGH alice@contoso.com, 100 messages from outside (100 of them its own messages coming back, one of them 100 times to one recipient) via mx.fabrikam.com (100)\n",
			"high", 100, 100, 1},
		{"twenty posts back nine times each", 20, 9, true, false, exitFindings,
			"spoofed internal sender: HIGH alice@contoso.com, 180 messages from outside (180 of them its own messages coming back, one of them 9 times to one recipient) via mx.fabrikam.com (180)\n",
			"high", 180, 9, 1},
		{"a post back once and a forged message", 1, 1, false, true, exitFindings,
			"spoofed internal sender: HIGH alice@contoso.com, 2 messages from outside (1 of them its own messages coming back) via ",
			"high", 1, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var evs []tracking.Event
			for p := range tc.posts {
				id := fmt.Sprintf("<post.%d@contoso.com>", p)
				sent := start.Add(time.Duration(p) * time.Minute)
				evs = append(evs, tracking.Event{Time: sent, EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "alice@contoso.com", MessageID: id, Subject: "Agenda"},
					tracking.Event{Time: sent.Add(time.Second), EventID: "SEND", Source: "SMTP", ServerIP: "198.51.100.20", ServerHostname: "mx.fabrikam.com",
						Sender: "alice@contoso.com", Recipients: []string{"partner-list@fabrikam.com"}, MessageID: id})
				for i := range tc.back {
					to := fmt.Sprintf("colleague%d@contoso.com", i)
					if tc.toOne {
						to = "bob@contoso.com"
					}
					evs = append(evs, arrival(sent.Add(time.Duration(5+i)*time.Second), "mx.fabrikam.com", "198.51.100.20", id, to))
				}
			}
			if tc.forged {
				evs = append(evs, arrival(start.Add(time.Hour), "mail.attacker.example", "203.0.113.66", "<forged.1@attacker.example>", "bob@contoso.com"))
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
			if len(sp) != 1 || sp[0].Sender != "alice@contoso.com" || sp[0].Severity != tc.severity || sp[0].Returned != tc.returned ||
				sp[0].MostReturnsOfOne != tc.most {
				t.Errorf("spoofing in the report: %+v, want alice, %s, %d returned, most %d", sp, tc.severity, tc.returned, tc.most)
			}
			if by := doc.Summary.Evidence.BySeverity; by["high"] != tc.high || by["info"] != 1-tc.high {
				t.Errorf("evidence by severity %v, want %d high", by, tc.high)
			}
		})
	}
}
