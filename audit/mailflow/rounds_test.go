package mailflow_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

const roundsList = "team@contoso.com"

// report is one report (bounce or automatic reply) into roundsList: its
// RECEIVE from outside and the list's EXPAND of it.
func report(at time.Time, n int, sender, subject string) []tracking.Event {
	id := fmt.Sprintf("<rep%d@%s>", n, sender)
	members := []string{"ann@contoso.com", "p@partner.example"}
	return []tracking.Event{
		{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.7", ClientHostname: "mx.partner.example", Sender: sender, ReturnPath: "<>",
			Recipients: []string{roundsList}, Subject: subject, MessageID: id, Directionality: "Incoming"},
		{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: roundsList, Sender: sender, ReturnPath: "<>",
			Recipients: members, Subject: subject, MessageID: id, Directionality: "Incoming"},
	}
}

var roundsCfg = mailflow.Config{IsInternal: func(d string) bool { return d == "contoso.com" }}

// Reports with one root subject are rounds of a loop only when one reporter
// sends them in a chain: reports of reports, or a steady stream.
func TestRoundsNeedAChainFromOneReporter(t *testing.T) {
	tests := []struct {
		name   string
		events func() []tracking.Event
		// rounds is the loop's MaxRounds, 0 for no loop.
		rounds   int64
		severity audit.Severity
	}{
		{"a partner's out-of-office answers a weekly post ten weeks running", func() (evs []tracking.Event) {
			for i := range 10 {
				evs = append(evs, report(start.Add(time.Duration(i)*7*24*time.Hour), i, "away@partner.example", "Automatic reply: Weekly update")...)
			}
			return evs
		}, 0, 0},
		{"three members answer one post once each", func() (evs []tracking.Event) {
			for i, s := range []string{"a@partner.example", "b@other.example", "c@third.example"} {
				evs = append(evs, report(start.Add(time.Duration(i)*time.Second), i, s, "Automatic reply: Kickoff")...)
			}
			return evs
		}, 0, 0},
		{"one reporter bounces one post for three members at once", func() (evs []tracking.Event) {
			for i := range 3 {
				evs = append(evs, report(start.Add(time.Duration(i)*time.Second), i, "postmaster@partner.example", "Undeliverable: Kickoff")...)
			}
			return evs
		}, 0, 0},
		{"reports of reports, a minute apart", func() (evs []tracking.Event) {
			subj := "Kickoff"
			for i := range 4 {
				subj = "Undeliverable: " + subj
				evs = append(evs, report(start.Add(time.Duration(i)*time.Minute), i, "postmaster@partner.example", subj)...)
			}
			return evs
		}, 4, audit.High},
		{"a reporter that replaces the subject, every two minutes for an hour", func() (evs []tracking.Event) {
			for i := range 30 {
				evs = append(evs, report(start.Add(time.Duration(i)*2*time.Minute), i, "mailer-daemon@googlemail.com", "Delivery Status Notification (Failure)")...)
			}
			return evs
		}, 30, audit.Critical},
		{"three members' servers bounce one post minutes apart, naming no sender", func() (evs []tracking.Event) {
			for i := range 3 {
				e := report(start.Add(time.Duration(i)*2*time.Minute), i, "x@x", "Undeliverable: Kickoff")
				for j := range e {
					e[j].Sender = ""
				}
				e[0].ClientHostname = fmt.Sprintf("mx.member%d.example", i)
				evs = append(evs, e...)
			}
			return evs
		}, 0, 0},
		{"the same stream with a pause longer than the gap restarts the chain", func() (evs []tracking.Event) {
			for i := range 4 {
				at := start.Add(time.Duration(i) * 2 * time.Minute)
				if i >= 2 {
					at = at.Add(3 * time.Hour)
				}
				evs = append(evs, report(at, i, "mailer-daemon@googlemail.com", "Delivery Status Notification (Failure)")...)
			}
			return evs
		}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, tt.events())
			tr := analyse(t, roundsCfg, path)
			if tt.rounds == 0 {
				if len(tr.Loops) != 0 {
					t.Fatalf("no loop expected, got %+v", tr.Loops)
				}
				return
			}
			if len(tr.Loops) != 1 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			if l := tr.Loops[0]; l.MaxRounds != tt.rounds || l.Severity != tt.severity || !slices.Contains(l.Signals, "re-expansion") {
				t.Errorf("rounds %d severity %v signals %v, want %d rounds, %v", l.MaxRounds, l.Severity, l.Signals, tt.rounds, tt.severity)
			}
		})
	}
}

// listMember writes a message to roundsList whose external member
// list@partner.example is itself a list holding roundsList: the message,
// with its own Message-ID and no report prefix, comes back times times.
func listMember(times int, gap time.Duration) []tracking.Event {
	const id = "<plan@outside.example>"
	members := []string{"ann@contoso.com", "list@partner.example"}
	var evs []tracking.Event
	for i := range times {
		at := start.Add(time.Duration(i) * gap)
		client := "mx.outside.example"
		if i > 0 {
			client = "mx.partner.example"
		}
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.8", ClientHostname: client, Sender: "boss@outside.example",
				ReturnPath: "boss@outside.example", Recipients: []string{roundsList}, Subject: "Plan", MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: roundsList, Sender: "boss@outside.example",
				ReturnPath: "boss@outside.example", Recipients: members, Subject: "Plan", MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at.Add(time.Second), EventID: "SEND", Source: "SMTP", ServerHostname: "mx.partner.example", Sender: "boss@outside.example",
				ReturnPath: "boss@outside.example", Recipients: members[1:], Subject: "Plan", MessageID: id},
		)
	}
	return evs
}

// A message that leaves through an external member and comes back under its
// own Message-ID is a loop, though no bounce or automatic reply is involved.
func TestMessageReenteringTheGroupIsALoop(t *testing.T) {
	dir := t.TempDir()
	tr := analyse(t, roundsCfg, logFile(t, dir, "MSGTRK1.LOG", trackingtest.Fields2013, listMember(15, 20*time.Second)))
	if len(tr.Loops) != 1 {
		t.Fatalf("loops %+v", tr.Loops)
	}
	l := tr.Loops[0]
	// Fifteen expansions: the message came back fourteen times.
	if l.Group != roundsList || l.MaxRounds != 14 || l.LoopingMessages != 1 || l.Severity != audit.Critical || !slices.Contains(l.Signals, "message-reentry") {
		t.Errorf("loop %s rounds %d looping %d severity %v signals %v", l.Group, l.MaxRounds, l.LoopingMessages, l.Severity, l.Signals)
	}
	// Fourteen returns over 14 × 20 s, each to two members.
	if !l.FirstSeen.Equal(start.Add(20*time.Second)) || !l.LastSeen.Equal(start.Add(14*20*time.Second)) || l.Amplification != 28 {
		t.Errorf("first %v last %v amplification %v", l.FirstSeen, l.LastSeen, l.Amplification)
	}
	if want := 14 / (13 * 20 * time.Second).Hours(); l.PerHour != want {
		t.Errorf("per hour %v, want %v", l.PerHour, want)
	}
	if !slices.ContainsFunc(l.External, func(c audit.AddressCount) bool { return c.Address == "list@partner.example" }) ||
		!slices.ContainsFunc(l.InboundServers, func(c audit.AddressCount) bool { return c.Address == "mx.partner.example" }) {
		t.Errorf("external %v inbound servers %v", l.External, l.InboundServers)
	}

	// One message expanded once, in a log given twice (or two exports that
	// overlap), is not a return.
	once := logFile(t, dir, "MSGTRK2.LOG", trackingtest.Fields2013, listMember(1, 0))
	if tr := analyse(t, roundsCfg, once, once, once); len(tr.Loops) != 0 {
		t.Errorf("a repeated expansion row made a loop: %+v", tr.Loops)
	}
	// Coming back once is not yet a loop.
	if tr := analyse(t, roundsCfg, logFile(t, dir, "MSGTRK3.LOG", trackingtest.Fields2013, listMember(2, time.Minute))); len(tr.Loops) != 0 {
		t.Errorf("one return made a loop: %+v", tr.Loops)
	}
}

// A loop's rate is its own traffic over its own span: bounces the group got
// on other days are not part of it.
func TestLoopRateCountsOnlyTheLoop(t *testing.T) {
	var evs []tracking.Event
	// Forty stray bounces of forty posts, one a day before the loop.
	for i := range 40 {
		evs = append(evs, report(start.Add(-time.Duration(40-i)*24*time.Hour), 1000+i, "postmaster@partner.example", fmt.Sprintf("Undeliverable: Post %d", i))...)
	}
	// The loop: ten rounds a minute apart, nine minutes from first to last.
	subj := "Kickoff"
	for i := range 10 {
		subj = "Undeliverable: " + subj
		evs = append(evs, report(start.Add(time.Duration(i)*time.Minute), i, "postmaster@partner.example", subj)...)
	}
	tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, evs))
	if len(tr.Loops) != 1 {
		t.Fatalf("loops %+v", tr.Loops)
	}
	l := tr.Loops[0]
	if want := 10 / (9 * time.Minute).Hours(); l.PerHour != want || l.Bounces != 50 {
		t.Errorf("per hour %v (bounces %d), want %v", l.PerHour, l.Bounces, want)
	}
}

// The same return seen in an Exchange Online message trace: each time the
// message comes back it gets a new trace ID under the same Message-ID, and
// the export lists the newest first.
func TestMessageReenteringInExchangeOnline(t *testing.T) {
	var rows []trackingtest.TraceRow
	for i := range 12 {
		at := start.Add(time.Duration(i) * 30 * time.Second)
		trace := fmt.Sprintf("6f1c0c1e-0000-0000-0000-%012d", i)
		for _, r := range []struct{ to, status string }{{roundsList, "Expanded"}, {"ann@contoso.com", "Delivered"}, {"list@partner.example", "Delivered"}} {
			rows = append(rows, trackingtest.TraceRow{Received: at, Sender: "boss@outside.example", Recipient: r.to, Subject: "Plan", Status: r.status,
				MessageID: "<plan@outside.example>", MessageTraceID: trace, FromIP: "198.51.100.8"})
		}
	}
	slices.Reverse(rows)
	path := filepath.Join(t.TempDir(), "trace.csv")
	if err := trackingtest.WriteTraceFile(path, rows); err != nil {
		t.Fatal(err)
	}
	tr := analyse(t, roundsCfg, path)
	if len(tr.Loops) != 1 {
		t.Fatalf("loops %+v", tr.Loops)
	}
	if l := tr.Loops[0]; l.MaxRounds != 11 || l.Severity != audit.Critical || !slices.Contains(l.Signals, "message-reentry") ||
		!slices.ContainsFunc(l.External, func(c audit.AddressCount) bool { return c.Address == "list@partner.example" }) {
		t.Errorf("loop %+v", l)
	}
}

// What the review of the first round-counting found: loops it missed and
// returns it took for loops.
func TestRoundsAreCountedWhateverTheReporterAndOrder(t *testing.T) {
	stacked := func(gap time.Duration) (evs []tracking.Event) {
		subj := "Kickoff"
		for i := range 6 {
			subj = "Undeliverable: " + subj
			evs = append(evs, report(start.Add(time.Duration(i)*gap), i, "postmaster@partner.example", subj)...)
		}
		return evs
	}
	tests := []struct {
		name   string
		events func() []tracking.Event
		rounds int64
	}{
		{"forty stale members bounce every round, eight rounds", func() (evs []tracking.Event) {
			for r := range 8 {
				for k := range 40 {
					at := start.Add(time.Duration(r)*2*time.Minute + time.Duration(k)*200*time.Millisecond)
					evs = append(evs, report(at, r*100+k, fmt.Sprintf("MAILER-DAEMON@mx.stale%d.example", k), "Undelivered Mail Returned to Sender")...)
				}
			}
			return evs
		}, 8},
		{"twenty rounds three seconds apart", func() (evs []tracking.Event) {
			for i := range 20 {
				evs = append(evs, report(start.Add(time.Duration(i)*3*time.Second), i, "mailer-daemon@googlemail.com", "Delivery Status Notification (Failure)")...)
			}
			return evs
		}, 6},
		{"a provider's MX hosts bounce in turn", func() (evs []tracking.Event) {
			for i := range 8 {
				evs = append(evs, report(start.Add(time.Duration(i)*2*time.Minute), i, fmt.Sprintf("MAILER-DAEMON@mx%d.partner.example", i%4+1), "Delivery Status Notification (Failure)")...)
			}
			return evs
		}, 8},
		{"stacked rounds ninety minutes apart", func() []tracking.Event { return stacked(90 * time.Minute) }, 6},
		{"stacked rounds read newest first", func() []tracking.Event {
			evs := stacked(20 * time.Second)
			slices.Reverse(evs)
			return evs
		}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, tt.events()))
			if len(tr.Loops) != 1 || tr.Loops[0].MaxRounds != tt.rounds {
				t.Fatalf("want one loop of %d rounds, got %+v", tt.rounds, tr.Loops)
			}
		})
	}
}

func TestReturnsNeedToHaveLeftAndComeBackSoon(t *testing.T) {
	internalOnly := func(evs []tracking.Event) []tracking.Event {
		for i := range evs {
			if evs[i].EventID == "EXPAND" {
				evs[i].Recipients = []string{"ann@contoso.com", "bob@contoso.com"}
			}
		}
		return evs
	}
	dir := t.TempDir()
	for name, evs := range map[string][]tracking.Event{
		// One announcement reaching a group of internal members through
		// outside lists that each subscribe it.
		"crosspost to internal members": internalOnly(listMember(4, time.Minute)),
		// An application that reuses one Message-ID, once a day.
		"a Message-ID reused daily": listMember(10, 24*time.Hour),
	} {
		if tr := analyse(t, roundsCfg, logFile(t, dir, "MSGTRK-"+strings.ReplaceAll(name, " ", "-")+".LOG", trackingtest.Fields2013, evs)); len(tr.Loops) != 0 {
			t.Errorf("%s: %+v", name, tr.Loops)
		}
	}
	// A message that came back once, in a log given twice: one return.
	twice := logFile(t, dir, "MSGTRK-twice.LOG", trackingtest.Fields2013, listMember(2, time.Minute))
	if tr := analyse(t, roundsCfg, twice, twice); len(tr.Loops) != 0 {
		t.Errorf("a log given twice: %+v", tr.Loops)
	}
}

// A reporter keeps its earliest slots once it has more than it keeps, not
// the first read: a stream read newest first counts as one read in time
// order.
func TestReporterSlotsPastTheirBoundDoNotDependOnOrder(t *testing.T) {
	var evs []tracking.Event
	// Ten rounds, a pause of three hours, then eighty more.
	for i := range 90 {
		at := start.Add(time.Duration(i) * 20 * time.Second)
		if i >= 10 {
			at = at.Add(3 * time.Hour)
		}
		evs = append(evs, report(at, i, "mailer-daemon@googlemail.com", "Delivery Status Notification (Failure)")...)
	}
	dir := t.TempDir()
	forward := analyse(t, roundsCfg, logFile(t, dir, "MSGTRK1.LOG", trackingtest.Fields2013, evs))
	slices.Reverse(evs)
	backward := analyse(t, roundsCfg, logFile(t, dir, "MSGTRK2.LOG", trackingtest.Fields2013, evs))
	if len(forward.Loops) != 1 || len(backward.Loops) != 1 {
		t.Fatalf("loops %+v, read newest first %+v", forward.Loops, backward.Loops)
	}
	// The eighty, though only 54 of them are kept slots: the slots left
	// out between run on without a pause.
	if f, b := forward.Loops[0].MaxRounds, backward.Loops[0].MaxRounds; f != 80 || b != 80 {
		t.Errorf("rounds %d, read newest first %d, want 80", f, b)
	}
}

// A loop's first and last seen and its rate are its chain's: a report of
// the same subject long before (the same partner's bounce of last month's
// post) is not the loop's traffic and must not stretch it.
func TestLoopSpanIsItsChainsNotItsSubjects(t *testing.T) {
	const subject = "Delivery Status Notification (Failure)"
	loop := func() (evs []tracking.Event) {
		for i := range 30 {
			evs = append(evs, report(start.Add(time.Duration(i)*2*time.Minute), i, "mailer-daemon@googlemail.com", subject)...)
		}
		return evs
	}
	for _, tt := range []struct {
		name  string
		stray time.Time // zero for none
	}{
		{"the loop alone", time.Time{}},
		{"a bounce of the same subject a month before", start.Add(-30 * 24 * time.Hour)},
		{"and one a week after", start.Add(7 * 24 * time.Hour)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			evs := loop()
			if !tt.stray.IsZero() {
				evs = append(report(tt.stray, 99, "mailer-daemon@googlemail.com", subject), evs...)
				slices.SortStableFunc(evs, func(x, y tracking.Event) int { return x.Time.Compare(y.Time) })
			}
			tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, evs))
			if len(tr.Loops) != 1 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			l := tr.Loops[0]
			// A side cut off a stray is as exact as a round's slot.
			first, last := start, start.Add(29*2*time.Minute)
			slot := 10 * time.Second
			if l.MaxRounds != 30 || l.FirstSeen.After(first) || first.Sub(l.FirstSeen) >= slot || l.LastSeen.Before(last) || l.LastSeen.Sub(last) >= slot {
				t.Errorf("rounds %d, first %v, last %v; want 30 from %v to %v, to the %v slot", l.MaxRounds, l.FirstSeen, l.LastSeen, first, last, slot)
			}
			// Thirty expansions (thirty-one with the stray, which the
			// count keeps) over 58 minutes.
			lo, hi := 30/(last.Sub(first)+2*slot).Hours(), 31/last.Sub(first).Hours()
			if l.PerHour < lo || l.PerHour > hi {
				t.Errorf("per hour %v, want %v to %v", l.PerHour, lo, hi)
			}
		})
	}
}

// The same for a loop whose reports stack prefixes, as seed 001's: depth
// counts its rounds, and its span is the busiest stretch of its reports.
func TestStackedLoopSpanLeavesOutAnOldBounce(t *testing.T) {
	evs := stackedLoop(30, 2*time.Minute)
	old := report(start.Add(-30*24*time.Hour), 99, "postmaster@other.example", "Undeliverable: Kickoff")
	tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, append(old, evs...)))
	if len(tr.Loops) != 1 {
		t.Fatalf("loops %+v", tr.Loops)
	}
	l, last := tr.Loops[0], start.Add(29*2*time.Minute)
	if l.MaxRounds != 30 || l.FirstSeen.After(start) || start.Sub(l.FirstSeen) >= 10*time.Second || l.LastSeen.Before(last) || l.LastSeen.Sub(last) >= 10*time.Second {
		t.Errorf("rounds %d from %v to %v, want 30 from %v to %v", l.MaxRounds, l.FirstSeen, l.LastSeen, start, last)
	}
}
