package mailflow_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// traceLoop is a list loop as Exchange Online message trace shows it: each
// message's Expanded row for the list, then one row per member; the copy to
// the stale external member bounces back to the list, rounds times.
func traceLoop(rounds int) []trackingtest.TraceRow {
	const list = "closures@corp.example"
	var rows []trackingtest.TraceRow
	subj := "Closure notice"
	for i := range rounds + 1 {
		at := start.Add(time.Duration(i) * 7 * time.Minute)
		from := "news@external.example"
		if i > 0 {
			subj = "Undeliverable: " + subj
			from = "postmaster@gone.example"
		}
		id := fmt.Sprintf("<m%d@x>", i)
		rows = append(rows,
			trackingtest.TraceRow{Received: at, Sender: from, Recipient: list, Subject: subj, Status: "Expanded", FromIP: "198.51.100.20", MessageID: id},
			trackingtest.TraceRow{Received: at, Sender: from, Recipient: "ann@corp.example", Subject: subj, Status: "Delivered", FromIP: "198.51.100.20", MessageID: id},
			trackingtest.TraceRow{Received: at, Sender: from, Recipient: "stale@gone.example", Subject: subj, Status: "Failed", FromIP: "198.51.100.20", MessageID: id},
		)
	}
	// Ordinary mail around it, which must not change the loop.
	for i := range 50 {
		at := start.Add(time.Duration(i) * time.Minute)
		rows = append(rows, trackingtest.TraceRow{Received: at, Sender: fmt.Sprintf("p%d@partner.example", i), Recipient: "bob@corp.example",
			Subject: "Invoice", Status: "Delivered", MessageID: fmt.Sprintf("<n%d@partner.example>", i)})
	}
	slices.SortStableFunc(rows, func(a, b trackingtest.TraceRow) int { return a.Received.Compare(b.Received) })
	return rows
}

// Get-MessageTraceV2 lists the newest messages first (its paging walks
// EndDate backwards), and a message's rows come in no promised order. An
// export used as it comes must give the evidence a time-ordered one gives:
// the members reached through the list, the timeline and its peak.
func TestTraceExportOrderDoesNotChangeTheEvidence(t *testing.T) {
	forward := traceLoop(6)
	newestFirst := slices.Clone(forward)
	slices.Reverse(newestFirst)
	// Newest messages first, but each message's rows in time order with
	// its Expanded row first, as the cmdlet tends to list them.
	byMessage := slices.Clone(forward)
	slices.SortStableFunc(byMessage, func(a, b trackingtest.TraceRow) int { return b.Received.Compare(a.Received) })

	dir := t.TempDir()
	write := func(name string, rows []trackingtest.TraceRow) string {
		p := filepath.Join(dir, name)
		if err := trackingtest.WriteTraceFile(p, rows); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, cfg := range []struct {
		name string
		cfg  mailflow.Config
	}{
		{"inferred domains", mailflow.Config{Interval: 10 * time.Minute}},
		{"directory", mailflow.Config{Interval: 10 * time.Minute, IsInternal: func(d string) bool { return d == "corp.example" },
			Groups: []mailflow.Group{{Address: "closures@corp.example", ID: "g1", Name: "Closures"}}}},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			want := analyse(t, cfg.cfg, write("forward.csv", forward))
			if len(want.Loops) != 1 {
				t.Fatalf("time-ordered export: loops %+v", want.Loops)
			}
			l := want.Loops[0]
			// Seven expansions, six of them bounces; every one reached
			// ann and the stale member.
			if l.Bounces != 6 || l.Delivered != 14 || len(l.External) != 1 || l.External[0] != (audit.AddressCount{Address: "stale@gone.example", N: 7}) {
				t.Errorf("time-ordered export: loop %+v", l)
			}
			// The timeline counts the reports that came back: 7-minute
			// rounds in 10-minute intervals.
			var total int64
			for _, c := range l.Timeline {
				total += c.N
			}
			if total != l.Bounces || l.PeakPerInterval != 2 {
				t.Errorf("timeline %v (peak %d), want the %d bounces", l.Timeline, l.PeakPerInterval, l.Bounces)
			}
			for _, in := range []struct {
				name string
				rows []trackingtest.TraceRow
			}{{"newest first", newestFirst}, {"newest message first", byMessage}} {
				got := analyse(t, cfg.cfg, write(in.name+".csv", in.rows))
				got.Input, want.Input = audit.TrafficInput{}, audit.TrafficInput{}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-time order +%s):\n%s", in.name, in.name, diff)
				}
			}
		})
	}
}

// Member rows waiting for their expansion are bounded in total, not only per
// message: an export of many large mailings, newest first, must not hold
// every recipient. Past the bound the run says it dropped some.
func TestEarlyTraceRowsAreBounded(t *testing.T) {
	a := mailflow.New(mailflow.Config{MaxKeys: 10, MaxPerGroup: 50})
	for m := range 20 {
		for r := range 30 {
			a.Add(&tracking.Event{Time: start, EventID: "DELIVER", Format: tracking.FormatTrace, Sender: "news@partner.example",
				Recipients: []string{fmt.Sprintf("user%d@corp.example", r)}, MessageID: fmt.Sprintf("<big%d@partner.example>", m)})
		}
	}
	// Rows of messages no group expanded were dropped: nothing was lost.
	if tr := a.Result(tracking.Stats{}); slices.Contains(tr.Truncated, "member rows listed before their expansion") {
		t.Errorf("truncated %v before any expansion", tr.Truncated)
	}
	// The last message's rows came after the budget ran out: its expansion
	// lost members, and the run says so.
	a.Add(&tracking.Event{Time: start, EventID: "EXPAND", Format: tracking.FormatTrace, Sender: "news@partner.example",
		Recipients: []string{"list@corp.example"}, MessageID: "<big19@partner.example>"})
	if tr := a.Result(tracking.Stats{}); !slices.Contains(tr.Truncated, "member rows listed before their expansion") {
		t.Errorf("truncated %v, want the early rows named", tr.Truncated)
	}
}
