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

// addressCounts is n addresses a0.example, a1.example ... counted n, n-1 ...
func addressCounts(n int) []audit.AddressCount {
	out := make([]audit.AddressCount, n)
	for i := range out {
		out[i] = audit.AddressCount{Address: fmt.Sprintf("a%d.example", i), N: int64(n - i)}
	}
	return out
}

// TestTrafficSummaryCountsWhatListsLeaveOut: the summary's "and N more"
// counts from the list's true total, not from the 20 entries the result
// keeps, and says "at least" when the total stopped at the aggregate's cap.
func TestTrafficSummaryCountsWhatListsLeaveOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tr         audit.Traffic
		want, lack []string
	}{
		{"backscatter domains", audit.Traffic{Backscatter: []audit.BackscatterSource{{Source: "bot.example", Reports: 738, Domains: addressCounts(20), DomainsTotal: 280}}},
			[]string{"738 delivery reports", "source bot.example, to 280 domains: a0.example (20), a1.example (19), a2.example (18), and 277 more\n"},
			[]string{"and 17 more"}},
		{"backscatter domains at the cap", audit.Traffic{Backscatter: []audit.BackscatterSource{{Source: "bot.example", Reports: 9000, Domains: addressCounts(20), DomainsTotal: 2000, DomainsCapped: true}}},
			[]string{"to at least 2000 domains: ", "a2.example (18), and at least 1997 more\n"}, nil},
		{"all domains shown", audit.Traffic{Backscatter: []audit.BackscatterSource{{Source: "bot.example", Reports: 3, Domains: addressCounts(2), DomainsTotal: 2}}},
			[]string{"to 2 domains: a0.example (2), a1.example (1)\n"}, []string{"more"}},
		{"loop recipients and servers", audit.Traffic{Interval: time.Hour, Loops: []audit.Loop{{Group: "l@corp.example", Severity: audit.High,
			External: addressCounts(20), ExternalTotal: 300, InboundServers: addressCounts(20), InboundServersTotal: 45,
			OutboundServers: addressCounts(20), OutboundServersTotal: 2000, OutboundServersCapped: true}}},
			[]string{"external recipients (300): a0.example (20), a1.example (19), a2.example (18), a3.example (17), a4.example (16), and 295 more\n",
				"remote servers sending into the group (45): ", "a4.example (16), and 40 more\n",
				"remote servers receiving from it (at least 2000): ", "a4.example (16), and at least 1995 more\n"},
			[]string{"and 15 more"}},
		{"spoofing clients", audit.Traffic{Spoofing: []audit.SpoofedSender{{Sender: "ceo@corp.example", Messages: 400, Clients: addressCounts(20), ClientsTotal: 50, ClientsCapped: true}}},
			[]string{"400 messages from outside via a0.example (20), a1.example (19), a2.example (18), and at least 47 more\n"}, nil},
		// The report lists the busiest spoofed senders only: the summary
		// counts the others from the total, with every spoofed message.
		{"spoofed senders", audit.Traffic{Spoofing: spoofers(20), SpoofingTotal: 80000, SpoofedMessages: 640000},
			[]string{"spoofed internal sender: HIGH s2@corp.example, 18 messages", "  ... and 79997 more spoofed senders, 640000 spoofed messages in all\n"},
			[]string{"s3@corp.example", "and 17 more"}},
		{"spoofed senders at the cap", audit.Traffic{Spoofing: spoofers(20), SpoofingTotal: 100000, SpoofingCapped: true, SpoofedMessages: 900000},
			[]string{"  ... and at least 99997 more spoofed senders, 900000 spoofed messages in all\n"}, nil},
		{"all spoofed senders shown", audit.Traffic{Spoofing: spoofers(2), SpoofingTotal: 2, SpoofedMessages: 3},
			[]string{"spoofed internal sender: HIGH s1@corp.example, 1 messages"}, []string{"more spoofed senders"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			writeTrafficSummary(&b, &tc.tr)
			out := b.String()
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("summary lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.lack {
				if strings.Contains(out, s) {
					t.Errorf("summary has %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestTraceBackscatterDomainsTotal: from the log to the report and the
// summary, backscatter to 25 domains is counted as 25, though the report
// lists 20 of them.
func TestTraceBackscatterDomainsTotal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	evs := []tracking.Event{{Time: start, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"real@corp.example"}, MessageID: "<ok@x>"}}
	for i := range 25 {
		id, victim := fmt.Sprintf("<spam%d@bot.example>", i), fmt.Sprintf("v@victim%02d.example", i)
		at := start.Add(time.Duration(i) * time.Minute)
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "203.0.113.66", ClientHostname: "bot.example", Sender: victim,
				Recipients: []string{fmt.Sprintf("nobody%d@corp.example", i)}, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "FAIL", Source: "ROUTING", Recipients: []string{fmt.Sprintf("nobody%d@corp.example", i)},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound"}, MessageID: id},
			tracking.Event{Time: at, EventID: "DSN", Source: "DSN", Sender: "postmaster@corp.example", ReturnPath: "<>", Recipients: []string{victim},
				Subject: "Undeliverable: hi", MessageID: fmt.Sprintf("<dsn%d@corp.example>", i), Reference: id},
		)
	}
	writeLog(t, dir, "MSGTRK20260305-1.LOG", evs)
	out := filepath.Join(t.TempDir(), "t.json")
	code, _, stderr := dgaudit(t, "trace", dir, "--internal-domain", "corp.example", "-o", out, "--log-level", "error")
	if code != exitFindings {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "to 25 domains: ") || !strings.Contains(stderr, ", and 22 more\n") {
		t.Errorf("summary does not count 25 domains:\n%s", stderr)
	}
	var doc struct {
		Traffic struct {
			Backscatter []struct {
				Domains       []json.RawMessage
				DomainsTotal  *int
				DomainsCapped *bool
			}
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if bs := doc.Traffic.Backscatter; len(bs) != 1 || len(bs[0].Domains) != 20 || bs[0].DomainsTotal == nil || *bs[0].DomainsTotal != 25 ||
		bs[0].DomainsCapped == nil || *bs[0].DomainsCapped {
		t.Errorf("backscatter in the report: %s", data)
	}
}
