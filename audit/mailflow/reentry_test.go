package mailflow_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// traceArrivals is a message coming into roundsList times times, gap apart,
// under one Message-ID, as Get-MessageTraceV2 lists it: at each arrival a
// new trace ID, the list's Expanded row and a row per member, all with the
// arrival's Received time. membersFirst puts the member rows before the
// Expanded row.
func traceArrivals(times int, gap time.Duration, sender, subject, id string, membersFirst bool) []trackingtest.TraceRow {
	var rows []trackingtest.TraceRow
	for i := range times {
		at := start.Add(time.Duration(i) * gap)
		trace := fmt.Sprintf("6f1c0c1e-0000-0000-0000-%012d", i)
		row := func(to, status string) trackingtest.TraceRow {
			return trackingtest.TraceRow{Received: at, Sender: sender, Recipient: to, Subject: subject, Status: status,
				MessageID: id, MessageTraceID: trace, FromIP: "198.51.100.8"}
		}
		exp := row(roundsList, "Expanded")
		members := []trackingtest.TraceRow{row("ann@contoso.com", "Delivered"), row("list@partner.example", "Delivered")}
		if membersFirst {
			rows = append(rows, members...)
			rows = append(rows, exp)
		} else {
			rows = append(rows, exp)
			rows = append(rows, members...)
		}
	}
	return rows
}

// reentryFigures are what a loop's looping messages add up to.
type reentryFigures struct {
	looping, rounds int64
	amplification   float64
	perHour         float64
}

func figuresOf(t *testing.T, tr *audit.Traffic) reentryFigures {
	t.Helper()
	if len(tr.Loops) != 1 {
		t.Fatalf("loops %+v", tr.Loops)
	}
	l := tr.Loops[0]
	return reentryFigures{looping: l.LoopingMessages, rounds: l.MaxRounds, amplification: l.Amplification, perHour: l.PerHour}
}

// readAs writes a scenario as an on-premises log or as a message-trace
// export (newest first when reversed) and analyses it; twice reads the file
// twice, as overlapping exports would.
type scenarioInput struct {
	name     string
	log      []tracking.Event
	trace    []trackingtest.TraceRow
	reversed bool
	twice    bool
}

func (in scenarioInput) analyse(t *testing.T) *audit.Traffic {
	t.Helper()
	dir := t.TempDir()
	var path string
	if in.log != nil {
		path = logFile(t, dir, "MSGTRK1.LOG", trackingtest.Fields2013, in.log)
	} else {
		rows := slices.Clone(in.trace)
		if in.reversed {
			slices.Reverse(rows)
		}
		path = filepath.Join(dir, "trace.csv")
		if err := trackingtest.WriteTraceFile(path, rows); err != nil {
			t.Fatal(err)
		}
	}
	files := []string{path}
	if in.twice {
		files = append(files, path)
	}
	return analyse(t, roundsCfg, files...)
}

// A message that comes back into its group under its own Message-ID has the
// same figures however the organization's logs show it: on premises the
// EXPAND rows list the members, in Exchange Online each member has a row of
// its own sharing the arrival's Received time, in whatever order the export
// lists them. Twelve arrivals thirty seconds apart are eleven returns, each
// reaching two members.
func TestReentryFiguresAreTheSameOnPremisesAndInExchangeOnline(t *testing.T) {
	const n, gap = 12, 30 * time.Second
	const id = "<plan@outside.example>"
	want := reentryFigures{looping: 1, rounds: n - 1, amplification: 2 * (n - 1), perHour: (n - 1) / ((n - 2) * gap).Hours()}
	expFirst := traceArrivals(n, gap, "boss@outside.example", "Plan", id, false)
	membersFirst := traceArrivals(n, gap, "boss@outside.example", "Plan", id, true)
	for _, in := range []scenarioInput{
		{name: "on premises", log: listMember(n, gap)},
		{name: "trace oldest first", trace: expFirst},
		{name: "trace oldest first, members before the expansion", trace: membersFirst},
		{name: "trace newest first", trace: expFirst, reversed: true},
		{name: "trace newest first, expansion before the members", trace: membersFirst, reversed: true},
		{name: "trace newest first, read twice", trace: expFirst, reversed: true, twice: true},
		{name: "trace oldest first, read twice", trace: membersFirst, twice: true},
	} {
		t.Run(in.name, func(t *testing.T) {
			if got := figuresOf(t, in.analyse(t)); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// bounceReturning is a delivery report that the list's external member
// list@partner.example sends back into the list under its own Message-ID,
// times times, gap apart.
func bounceReturning(times int, gap time.Duration) []tracking.Event {
	const id = "<ndr1@mx.partner.example>"
	const from, subject = "postmaster@partner.example", "Undeliverable: Plan"
	members := []string{"ann@contoso.com", "list@partner.example"}
	var evs []tracking.Event
	for i := range times {
		at := start.Add(time.Duration(i) * gap)
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.7", ClientHostname: "mx.partner.example", Sender: from,
				ReturnPath: "<>", Recipients: []string{roundsList}, Subject: subject, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: roundsList, Sender: from,
				ReturnPath: "<>", Recipients: members, Subject: subject, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at.Add(time.Second), EventID: "SEND", Source: "SMTP", ServerHostname: "mx.partner.example", Sender: from,
				ReturnPath: "<>", Recipients: members[1:], Subject: subject, MessageID: id},
		)
	}
	return evs
}

// A bounce that comes back into the group under its own Message-ID is a
// chain of reports from one reporter and a return both: it is one looping
// message, its rounds counted once, whose traffic is its eight expansions.
func TestBounceReturningItselfIsOneLoopingMessage(t *testing.T) {
	const n, gap = 8, 20 * time.Second
	want := reentryFigures{looping: 1, rounds: n, amplification: 2 * n, perHour: n / ((n - 1) * gap).Hours()}
	trace := traceArrivals(n, gap, "postmaster@partner.example", "Undeliverable: Plan", "<ndr1@mx.partner.example>", false)
	for _, in := range []scenarioInput{
		{name: "on premises", log: bounceReturning(n, gap)},
		{name: "trace oldest first", trace: trace},
		{name: "trace newest first", trace: trace, reversed: true},
	} {
		t.Run(in.name, func(t *testing.T) {
			tr := in.analyse(t)
			if got := figuresOf(t, tr); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if l := tr.Loops[0]; !slices.Contains(l.Signals, "message-reentry") || !slices.Contains(l.Signals, "re-expansion") || l.Bounces != n {
				t.Errorf("signals %v bounces %d", l.Signals, l.Bounces)
			}
		})
	}
}

// With rounds of reports that are not loops on their own (all in one
// RoundSpacing slot), the bounce coming back is still the one looping
// message, counted by its returns.
func TestBounceReturningWithinOneRoundIsOneLoopingMessage(t *testing.T) {
	tr := scenarioInput{log: bounceReturning(4, 2*time.Second)}.analyse(t)
	if got := figuresOf(t, tr); got.looping != 1 || got.rounds != 3 || got.amplification != 6 {
		t.Errorf("got %+v", got)
	}
}
