package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// bounceLog writes an Exchange 2016 log of n messages from outside for
// recipients that do not exist, each bounced to its sender, the i-th from
// host(i), one every gap.
func bounceLog(t *testing.T, dir string, n int, gap time.Duration, host func(int) string) {
	t.Helper()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	evs := []tracking.Event{{Time: start, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"real@corp.example"}, MessageID: "<ok@x>"}}
	for i := range n {
		id, sender, nobody := fmt.Sprintf("<m%d@partner.example>", i), fmt.Sprintf("p%d@partner%d.example", i, i%4), fmt.Sprintf("jhon%d@corp.example", i)
		at := start.Add(time.Duration(i) * gap)
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.7", ClientHostname: host(i), Sender: sender,
				Recipients: []string{nobody}, Subject: "Contract", MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "FAIL", Source: "ROUTING", Recipients: []string{nobody},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, MessageID: id},
			tracking.Event{Time: at.Add(time.Second), EventID: "DSN", Source: "DSN", Sender: "postmaster@corp.example", ReturnPath: "<>", Recipients: []string{sender},
				Subject: "Undeliverable: Contract", MessageID: fmt.Sprintf("<dsn%d@corp.example>", i), Reference: id},
		)
	}
	writeLog(t, dir, "MSGTRK20260305-1.LOG", evs)
}

// bounceTrace writes Exchange Online message trace of the same, newest
// first: each failed original (Detail saying why, when reason is given)
// and the tenant's report to its sender.
func bounceTrace(t *testing.T, dir string, n int, reason string) {
	t.Helper()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	hdr := append(append([]string{}, trackingtest.TraceColumns...), "Detail")
	rows := [][]string{}
	ts := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.0000000Z") }
	for i := range n {
		at := start.Add(time.Duration(i) * time.Minute)
		sender, id := fmt.Sprintf("p%d@partner%d.example", i, i%4), fmt.Sprintf("<m%d@partner.example>", i)
		rows = append(rows,
			[]string{ts(at), sender, fmt.Sprintf("jhon%d@corp.example", i), "Contract", "Failed", "", "203.0.113.66", "2048", id, fmt.Sprintf("t%d", i), reason},
			[]string{ts(at.Add(2 * time.Second)), "postmaster@corp.example", sender, "Undeliverable: Contract", "Delivered", "198.51.100.1", "", "9000",
				fmt.Sprintf("<ndr%d@corp.example>", i), fmt.Sprintf("n%d", i), ""})
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	f, err := os.Create(filepath.Join(dir, "trace.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(append([][]string{hdr}, rows...))
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
}

// TestTraceBackscatterThreshold: a partner's mistyped address bounced once
// is not backscatter and leaves the exit code alone, on premises and in
// Exchange Online; volume is, and a burst of it fails the run.
func TestTraceBackscatterThreshold(t *testing.T) {
	t.Parallel()
	const (
		notFound = "Reason: [{LED=550 5.1.1 RESOLVER.ADR.RecipNotFound; not found};{MSG=};{FQDN=};{IP=};{LRT=}];"
		fullBox  = "Reason: [{LED=554 5.2.2 mailbox full};{MSG=};{FQDN=};{IP=};{LRT=}];"
	)
	one := func(int) string { return "mx.partner.example" }
	tests := []struct {
		name        string
		write       func(t *testing.T, dir string)
		want        int
		stderr      []string
		lack        []string
		backscatter int
	}{
		{"one bounce on premises", func(t *testing.T, dir string) { bounceLog(t, dir, 1, time.Minute, one) }, exitOK,
			[]string{"exit 0: nothing at or above high"}, []string{"backscatter", "delivery reports"}, 0},
		{"one bounce in Exchange Online", func(t *testing.T, dir string) { bounceTrace(t, dir, 1, notFound) }, exitOK,
			[]string{"exit 0: nothing at or above high"}, []string{"backscatter", "delivery reports"}, 0},
		{"one bounce in Exchange Online, no reason exported", func(t *testing.T, dir string) { bounceTrace(t, dir, 1, "") }, exitOK,
			[]string{"exit 0: nothing at or above high"}, []string{"backscatter", "delivery reports"}, 0},
		{"a full mailbox bouncing in Exchange Online", func(t *testing.T, dir string) { bounceTrace(t, dir, 40, fullBox) }, exitOK,
			[]string{"exit 0: nothing at or above high"}, []string{"backscatter", "delivery reports"}, 0},
		{"a burst on premises", func(t *testing.T, dir string) { bounceLog(t, dir, 12, time.Minute, one) }, exitFindings,
			[]string{"backscatter: HIGH 12 delivery reports to external addresses for unknown recipients (at most 12 in one hour), source mx.partner.example", "exit 1"}, nil, 1},
		{"a trickle on premises", func(t *testing.T, dir string) { bounceLog(t, dir, 12, time.Hour, one) }, exitOK,
			[]string{"backscatter: MEDIUM 12 delivery reports", "exit 0"}, nil, 1},
		{"an attack in Exchange Online", func(t *testing.T, dir string) { bounceTrace(t, dir, 40, notFound) }, exitFindings,
			[]string{"backscatter: HIGH 40 delivery reports to external addresses for unknown recipients (at most 40 in one hour), source exchange online (generated in the tenant)", "exit 1"}, nil, 1},
		{"an attack in Exchange Online, no reason exported", func(t *testing.T, dir string) { bounceTrace(t, dir, 40, "") }, exitOK,
			[]string{"backscatter: MEDIUM 40 delivery reports to external addresses for failures the export gives no reason for", "exit 0"}, nil, 1},
		{"many hosts each under the threshold", func(t *testing.T, dir string) {
			bounceLog(t, dir, 12, time.Minute, func(i int) string { return fmt.Sprintf("bot%d.example", i) })
		}, exitOK, []string{"delivery reports to external addresses under the backscatter threshold: 12 from 12 sources, each fewer than 10 (not judged)", "exit 0"}, []string{"backscatter:"}, 0},
		// An NDR attack through a botnet: no host reaches the threshold, the
		// organization's servers send 240 reports in 40 minutes.
		{"a botnet, each host under the threshold", func(t *testing.T, dir string) {
			bounceLog(t, dir, 240, 10*time.Second, func(i int) string { return fmt.Sprintf("bot%d.example", i/2) })
		}, exitFindings, []string{"backscatter: HIGH 240 delivery reports to external addresses for unknown recipients (at most 240 in one hour, 240 within 24 hours) from 120 sources, each fewer than 10, together (a distributed NDR attack): bot0.example (2), bot1.example (2), bot10.example (2), and 117 more; to 4 domains:", "exit 1"},
			[]string{"not judged"}, 1},
		// A morning wave of newsletters bouncing on leavers' addresses: the
		// organization's own bounces to outside senders, medium, no attack.
		{"a wave of bounces from many hosts", func(t *testing.T, dir string) {
			bounceLog(t, dir, 60, time.Minute, func(i int) string { return fmt.Sprintf("esp%d.example", i) })
		}, exitOK, []string{"backscatter: MEDIUM 60 delivery reports to external addresses for unknown recipients (at most 60 in one hour, 60 within 24 hours) from 60 sources, each fewer than 10, together (spread over many hosts: an NDR attack, or the organization's own bounces, which recipient filtering would turn into rejections)", "exit 0"},
			[]string{"not judged", "distributed NDR attack"}, 1},
		// A day of a large organization's bounces, each to a different
		// correspondent: under the threshold of the sources together too.
		{"a day of scattered bounces", func(t *testing.T, dir string) {
			bounceLog(t, dir, 45, 30*time.Minute, func(i int) string { return fmt.Sprintf("mx%d.example", i) })
		}, exitOK, []string{"delivery reports to external addresses under the backscatter threshold: 45 from 45 sources, each fewer than 10 (not judged)", "exit 0"}, []string{"backscatter:"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tc.write(t, dir)
			out := filepath.Join(t.TempDir(), "t.json")
			code, _, stderr := dgaudit(t, "trace", dir, "--internal-domain", "corp.example", "-o", out, "--log-level", "error")
			if code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, stderr)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			for _, s := range tc.lack {
				if strings.Contains(stderr, s) {
					t.Errorf("stderr has %q:\n%s", s, stderr)
				}
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Traffic struct{ Backscatter []json.RawMessage }
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if n := len(doc.Traffic.Backscatter); n != tc.backscatter {
				t.Errorf("%d backscatter sources in the report, want %d", n, tc.backscatter)
			}
		})
	}
}
