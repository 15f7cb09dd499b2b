package mailflow_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// Loops a reviewer built against the rule that posts are answered, not
// looped: each was missed, cut short or found where none is.

// forwarded is a copy of the list's mail that outside member
// fwd@partner.example forwards back to roundsList under a new Message-ID.
func forwarded(at time.Time, n int, subject string) []tracking.Event {
	id := fmt.Sprintf("<fw%d@partner.example>", n)
	members := []string{"ann@contoso.com", "away@partner.example", "fwd@partner.example"}
	return []tracking.Event{
		{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.9", ClientHostname: "mx.partner.example", Sender: "fwd@partner.example",
			ReturnPath: "fwd@partner.example", Recipients: []string{roundsList}, Subject: subject, MessageID: id, Directionality: "Incoming"},
		{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: roundsList, Sender: "fwd@partner.example",
			ReturnPath: "fwd@partner.example", Recipients: members, Subject: subject, MessageID: id, Directionality: "Incoming"},
	}
}

// loopShape reads evs as one log in time order and newest first and wants
// one loop each way; check looks at it.
func loopShape(t *testing.T, evs []tracking.Event, check func(t *testing.T, l audit.Loop)) {
	t.Helper()
	evs = byTime(evs)
	rev := slices.Clone(evs)
	slices.Reverse(rev)
	for _, slots := range reporterSlots {
		for name, rows := range map[string][]tracking.Event{"in time order": evs, "newest first": rev} {
			t.Run(fmt.Sprintf("%s, %d slots a reporter", name, slots), func(t *testing.T) {
				defer mailflow.SetReporterSlots(slots)()
				tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, rows))
				if len(tr.Loops) != 1 {
					t.Fatalf("want one loop, got %+v", tr.Loops)
				}
				check(t, tr.Loops[0])
			})
		}
	}
}

// reporterSlots are the slots a reporter keeps that the loop-shape tests
// run with: the default, and few enough that their loops and answers
// overflow into the slots left out.
var reporterSlots = []int{1024, 64}

// stackedLoop is seed 001's shape: postmaster@partner.example bouncing
// each bounce of "Kickoff" through roundsList, one prefix deeper each
// round, spacing apart from start.
func stackedLoop(rounds int, spacing time.Duration) (evs []tracking.Event) {
	subject := "Kickoff"
	for i := range rounds {
		subject = "Undeliverable: " + subject
		evs = append(evs, report(start.Add(time.Duration(i)*spacing), i, "postmaster@partner.example", subject)...)
	}
	return evs
}

// noLoopEitherWay reads evs as one log in time order and newest first and
// wants no loop either way.
func noLoopEitherWay(t *testing.T, evs []tracking.Event) {
	t.Helper()
	evs = byTime(evs)
	rev := slices.Clone(evs)
	slices.Reverse(rev)
	for name, rows := range map[string][]tracking.Event{"in time order": evs, "newest first": rev} {
		if tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, rows)); len(tr.Loops) != 0 {
			t.Errorf("%s: no loop expected, got %d rounds", name, tr.Loops[0].MaxRounds)
		}
	}
}

// fromOutside is a message from sender outside the organization to
// roundsList, which expands it to members: its RECEIVE and EXPAND.
func fromOutside(at time.Time, id, sender, subject string, members ...string) []tracking.Event {
	return []tracking.Event{
		{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "203.0.113.9", ClientHostname: "mx." + domainPart(sender), Sender: sender,
			ReturnPath: sender, Recipients: []string{roundsList}, Subject: subject, MessageID: id, Directionality: "Incoming"},
		{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: roundsList, Sender: sender,
			ReturnPath: sender, Recipients: members, Subject: subject, MessageID: id, Directionality: "Incoming"},
	}
}

func domainPart(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

// An outside member that forwards the list's mail back to it: each copy is
// the loop's own traffic, not a post its bounces or answers answer.
func TestLoopThroughAForwardingMemberIsFound(t *testing.T) {
	for _, answer := range []struct{ name, sender, prefix string }{
		{"a dead member's server bounces each copy", "postmaster@gone.example", "Undeliverable: "},
		{"an out-of-office answers each copy", "away@partner.example", "Automatic reply: "},
	} {
		t.Run(answer.name, func(t *testing.T) {
			evs := post(start, 0, "ann@contoso.com", "Kickoff")
			subject := "Kickoff"
			for i := range 20 {
				at := start.Add(time.Duration(i+1) * 30 * time.Second)
				subject = "FW: " + subject
				evs = append(evs, forwarded(at, i, subject)...)
				evs = append(evs, report(at.Add(10*time.Second), i, answer.sender, answer.prefix+subject)...)
			}
			loopShape(t, evs, func(t *testing.T, l audit.Loop) {
				if l.MaxRounds < 20 || l.Severity != audit.Critical {
					t.Errorf("rounds %d severity %v, want 20 or more and critical", l.MaxRounds, l.Severity)
				}
			})
		})
	}
}

// An out-of-office loop on a busy list, people replying in the thread while
// it runs: a reply takes a round off, and the loop is still its whole
// length.
func TestBusyThreadDoesNotHideALoop(t *testing.T) {
	for _, every := range []time.Duration{5 * time.Minute, 2 * time.Minute, 50 * time.Second} {
		t.Run(every.String(), func(t *testing.T) {
			evs := post(start, 0, "ann@contoso.com", "Weekly status")
			for i := range 80 {
				evs = append(evs, report(start.Add(5*time.Second+time.Duration(i)*30*time.Second), i, "away@partner.example", "Automatic reply: Weekly status")...)
			}
			for i, at := 1, start.Add(every+15*time.Second); at.Before(start.Add(40 * time.Minute)); i, at = i+1, at.Add(every) {
				evs = append(evs, post(at, i, "bob@contoso.com", "RE: Weekly status")...)
			}
			last := start.Add(5*time.Second + 79*30*time.Second)
			loopShape(t, evs, func(t *testing.T, l audit.Loop) {
				if l.MaxRounds < 10 || l.Severity != audit.Critical || !l.LastSeen.Equal(last) {
					t.Errorf("rounds %d severity %v last seen %v, want 10 or more, critical, %v", l.MaxRounds, l.Severity, l.LastSeen, last)
				}
			})
		})
	}
}

// A loop longer than the 64 rounds a reporter's slots keep goes on to its
// last report, at its own rate.
func TestLongLoopEndsAtItsLastReport(t *testing.T) {
	var evs []tracking.Event
	for i := range 600 {
		evs = append(evs, report(start.Add(time.Duration(i)*30*time.Second), i, "mailer-daemon@googlemail.com", "Delivery Status Notification (Failure)")...)
	}
	last := start.Add(599 * 30 * time.Second)
	loopShape(t, evs, func(t *testing.T, l audit.Loop) {
		if !l.LastSeen.Equal(last) || l.PerHour != 600/last.Sub(start).Hours() {
			t.Errorf("last seen %v, %v per hour; want %v and %v", l.LastSeen, l.PerHour, last, 600/last.Sub(start).Hours())
		}
	})
}

// A monitoring alert posted every quarter of an hour, 200 times, which a
// responder answers for a while: every answer has its post, however many
// posts came before, in either order.
func TestAnswersToALongRunOfPostsAreNoLoop(t *testing.T) {
	var evs []tracking.Event
	for i := range 200 {
		at := start.Add(time.Duration(i) * 15 * time.Minute)
		evs = append(evs, post(at, i, "monitor@contoso.com", "CPU high on SRV01")...)
		if i >= 150 && i < 170 {
			evs = append(evs, report(at.Add(5*time.Second), i, "away@partner.example", "Automatic reply: CPU high on SRV01")...)
		}
	}
	noLoopEitherWay(t, evs)
}

// A second reviewer's finds against the rule as first reworked.

// An outside customer writing to a shared list several times within the
// hour, each message answered once (a dead member's bounce, a ticket desk's
// acknowledgement), is no loop: mail from outside is a post, unless from an
// outside member, whose copies may be the loop's own.
func TestOutsideSendersThreadAnsweredOnceIsNoLoop(t *testing.T) {
	var evs []tracking.Event
	for i := range 4 {
		at := start.Add(time.Duration(i) * 15 * time.Minute)
		id := fmt.Sprintf("<order%d@client.example>", i)
		subject := "Order 4711"
		if i > 0 {
			subject = "RE: Order 4711"
		}
		evs = append(evs, fromOutside(at, id, "buyer@client.example", subject, "ann@contoso.com", "old@gone.example")...)
		evs = append(evs, report(at.Add(20*time.Second), i, "postmaster@gone.example", "Undeliverable: "+subject)...)
	}
	noLoopEitherWay(t, evs)
}

// One report a prefix deeper than the rest (a dead member's server bouncing
// one copy of an out-of-office loop's mail) does not make the loop's rounds
// a matter of depth, where it has two.
func TestOneDeeperReportDoesNotHideALoop(t *testing.T) {
	evs := post(start, 0, "ann@contoso.com", "Kickoff")
	for i := range 40 {
		evs = append(evs, report(start.Add(5*time.Second+time.Duration(i)*30*time.Second), i, "away@partner.example", "Automatic reply: Kickoff")...)
	}
	evs = append(evs, report(start.Add(3*time.Minute+2*time.Second), 99, "postmaster@gone.example", "Undeliverable: Automatic reply: Kickoff")...)
	loopShape(t, evs, func(t *testing.T, l audit.Loop) {
		if l.MaxRounds != 40 || l.Severity != audit.Critical {
			t.Errorf("rounds %d severity %v, want 40 and critical", l.MaxRounds, l.Severity)
		}
	})
}

// A loop's figures are its own: reports of its subject outside its span
// count neither toward its rate nor its amplification, and its span is not
// stretched to an unrelated report however long the loop ran.
func TestLoopFiguresLeaveOutTheSubjectsOtherReports(t *testing.T) {
	t.Run("a 100-round loop and one report a month later", func(t *testing.T) {
		var evs []tracking.Event
		for i := range 100 {
			evs = append(evs, report(start.Add(time.Duration(i)*30*time.Second), i, "mailer-daemon@googlemail.com", "Delivery Status Notification (Failure)")...)
		}
		evs = append(evs, report(start.Add(30*24*time.Hour), 100, "mailer-daemon@googlemail.com", "Delivery Status Notification (Failure)")...)
		last := start.Add(99 * 30 * time.Second)
		loopShape(t, evs, func(t *testing.T, l audit.Loop) {
			if l.LastSeen.Before(last) || l.LastSeen.Sub(last) >= 10*time.Second || l.Amplification != 200 {
				t.Errorf("last seen %v amplification %v, want %v and 200", l.LastSeen, l.Amplification, last)
			}
		})
	})
	t.Run("a 3-round loop and thirty out-of-office replies two hours before", func(t *testing.T) {
		evs := post(start, 0, "ann@contoso.com", "Kickoff")
		for i := range 30 {
			evs = append(evs, report(start.Add(5*time.Second+time.Duration(i)*time.Second), i, fmt.Sprintf("m%d@p%d.example", i, i), "Automatic reply: Kickoff")...)
		}
		loop := start.Add(2 * time.Hour)
		for i := range 3 {
			evs = append(evs, report(loop.Add(time.Duration(i)*30*time.Second), 100+i, "away@partner.example", "Automatic reply: Kickoff")...)
		}
		loopShape(t, evs, func(t *testing.T, l audit.Loop) {
			if l.MaxRounds != 3 || l.Amplification != 6 || l.PerHour != 3/time.Minute.Hours() {
				t.Errorf("rounds %d amplification %v per hour %v, want 3, 6 and %v", l.MaxRounds, l.Amplification, l.PerHour, 3/time.Minute.Hours())
			}
		})
	})
	t.Run("a stacked loop on Monday and out-of-office replies to a repost on Friday", func(t *testing.T) {
		evs := stackedLoop(4, 2*time.Minute)
		friday := start.Add(4 * 24 * time.Hour)
		evs = append(evs, post(friday, 0, "ann@contoso.com", "Kickoff")...)
		for i := range 8 {
			evs = append(evs, report(friday.Add(5*time.Second+time.Duration(i)*15*time.Second), 100+i, fmt.Sprintf("m%d@p%d.example", i, i), "Automatic reply: Kickoff")...)
		}
		loopShape(t, evs, func(t *testing.T, l audit.Loop) {
			last := start.Add(6 * time.Minute)
			if !l.FirstSeen.Equal(start) || l.LastSeen.Before(last) || l.LastSeen.Sub(last) >= 10*time.Second || l.Amplification != 8 {
				t.Errorf("from %v to %v, amplification %v; want %v to %v (to the slot) and 8", l.FirstSeen, l.LastSeen, l.Amplification, start, last)
			}
		})
	})
	t.Run("a stacked loop whose rounds come two hours apart", func(t *testing.T) {
		evs := stackedLoop(6, 2*time.Hour)
		loopShape(t, evs, func(t *testing.T, l audit.Loop) {
			if !l.FirstSeen.Equal(start) || !l.LastSeen.Equal(start.Add(10*time.Hour)) {
				t.Errorf("from %v to %v, want %v to %v", l.FirstSeen, l.LastSeen, start, start.Add(10*time.Hour))
			}
		})
	})
}

// A third reviewer's finds.

// A member whose mailbox forwards the list's mail back from another address
// than the one the list holds (an alias): the forwards come from outside
// with a forward prefix, the loop's own copies, not posts.
func TestLoopThroughAForwardingAliasIsFound(t *testing.T) {
	members := []string{"ann@contoso.com", "away@partner.example", "j.smith@partner.example", "old@gone.example"}
	evs := post(start, 0, "ann@contoso.com", "Kickoff")
	subject := "Kickoff"
	for i := range 20 {
		at := start.Add(time.Duration(i+1) * 30 * time.Second)
		subject = "FW: " + subject
		id, from := fmt.Sprintf("<fw%d@partner.example>", i), "john.smith@partner.example"
		evs = append(evs, fromOutside(at, id, from, subject, members...)...)
		evs = append(evs, report(at.Add(10*time.Second), i, "postmaster@gone.example", "Undeliverable: "+subject)...)
	}
	loopShape(t, evs, func(t *testing.T, l audit.Loop) {
		if l.MaxRounds < 20 || l.Severity != audit.Critical {
			t.Errorf("rounds %d severity %v, want 20 or more and critical", l.MaxRounds, l.Severity)
		}
	})
}

// A stacked loop's span leaves out a report two deep (a bounce of an
// out-of-office) a week away, and a report in the loop's first slot does
// not reach back to a bounce a month before.
func TestStackedLoopSpanLeavesOutDeepReportsFarAway(t *testing.T) {
	for _, tt := range []struct {
		name       string
		evs        []tracking.Event
		first, end time.Time
	}{
		{"a bounce of an out-of-office a month before", append(stackedLoop(6, 2*time.Minute), report(start.Add(-30*24*time.Hour), 90, "postmaster@other.example", "Undeliverable: Automatic reply: Kickoff")...), start, start.Add(10 * time.Minute)},
		{"and a week after", append(stackedLoop(6, 2*time.Minute), report(start.Add(7*24*time.Hour), 91, "postmaster@other.example", "Undeliverable: Automatic reply: Kickoff")...), start, start.Add(10 * time.Minute)},
		{"a fast loop and a bounce a month before", append(stackedLoop(10, 3*time.Second), report(start.Add(-30*24*time.Hour), 92, "postmaster@other.example", "Undeliverable: Kickoff")...), start, start.Add(27 * time.Second)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			loopShape(t, tt.evs, func(t *testing.T, l audit.Loop) {
				if !l.FirstSeen.Equal(tt.first) || l.LastSeen.Before(tt.end) || l.LastSeen.Sub(tt.end) >= 10*time.Second {
					t.Errorf("from %v to %v, want %v to %v (to the slot)", l.FirstSeen, l.LastSeen, tt.first, tt.end)
				}
			})
		})
	}
}

// A looping responder that answered the post first, before forty members'
// out-of-office replies crowd the reporters kept, is still counted whole,
// in either order.
func TestFirstAnswererIsNotCrowdedOut(t *testing.T) {
	evs := post(start, 0, "ann@contoso.com", "Kickoff")
	for i := range 10 {
		evs = append(evs, report(start.Add(2*time.Second+time.Duration(i)*40*time.Second), i, "away@partner.example", "Automatic reply: Kickoff")...)
	}
	for i := range 40 {
		evs = append(evs, report(start.Add(3*time.Second+time.Duration(i)*500*time.Millisecond), 100+i, fmt.Sprintf("m%d@p%d.example", i, i), "Automatic reply: Kickoff")...)
	}
	loopShape(t, evs, func(t *testing.T, l audit.Loop) {
		if l.MaxRounds != 10 || l.Severity != audit.Critical {
			t.Errorf("rounds %d severity %v, want 10 and critical", l.MaxRounds, l.Severity)
		}
	})
}

// A 100-round loop the same responder follows, from the next day, by
// answering forty separate posts three hours apart: the loop ends at its
// own end, though its middle rounds were left out of the slots kept.
func TestLongLoopEndsWhereItsDroppedRoundsDo(t *testing.T) {
	const subject = "CPU high on SRV01"
	evs := post(start, 0, "monitor@contoso.com", subject)
	for i := range 100 {
		evs = append(evs, report(start.Add(5*time.Second+time.Duration(i)*30*time.Second), i, "away@partner.example", "Automatic reply: "+subject)...)
	}
	day := start.Add(24 * time.Hour)
	for i := range 40 {
		at := day.Add(time.Duration(i) * 3 * time.Hour)
		evs = append(evs, post(at, 1+i, "monitor@contoso.com", subject)...)
		evs = append(evs, report(at.Add(5*time.Second), 1000+i, "away@partner.example", "Automatic reply: "+subject)...)
	}
	last := start.Add(5*time.Second + 99*30*time.Second)
	loopShape(t, evs, func(t *testing.T, l audit.Loop) {
		if l.LastSeen.Before(last) || l.LastSeen.Sub(last) >= 10*time.Second {
			t.Errorf("last seen %v, want %v (to the slot)", l.LastSeen, last)
		}
	})
}

// A fourth reviewer's finds: a reporter's kept slots are its earliest and
// latest, and what lies between must still count.

// loopShapes is loopShape with the rows also split into two logs read one
// after the other (two servers' exports): evs before split, then the rest.
func loopShapes(t *testing.T, evs []tracking.Event, split func(ev tracking.Event) bool, check func(t *testing.T, l audit.Loop)) {
	t.Helper()
	loopShape(t, evs, check)
	t.Run("two logs one after the other", func(t *testing.T) {
		defer mailflow.SetReporterSlots(64)()
		var a, b []tracking.Event
		for _, ev := range byTime(evs) {
			if split(ev) {
				a = append(a, ev)
			} else {
				b = append(b, ev)
			}
		}
		dir := t.TempDir()
		tr := analyse(t, roundsCfg, logFile(t, dir, "a.log", trackingtest.Fields2013, a), logFile(t, dir, "b.log", trackingtest.Fields2013, b))
		if len(tr.Loops) != 1 {
			t.Fatalf("want one loop, got %+v", tr.Loops)
		}
		check(t, tr.Loops[0])
	})
}

// answeredAlerts is n posts of "CPU high on SRV01" to roundsList, every
// apart, each answered once, delay later, by away@partner.example's
// out-of-office.
func answeredAlerts(n int, every, delay time.Duration) (evs []tracking.Event) {
	for i := range n {
		at := start.Add(time.Duration(i) * every)
		evs = append(evs, post(at, i, "monitor@contoso.com", "CPU high on SRV01")...)
		evs = append(evs, report(at.Add(delay), 1000+i, "away@partner.example", "Automatic reply: CPU high on SRV01")...)
	}
	return evs
}

// A loop on day five of ten days of answered alerts: the responder's
// earliest and latest slots are all answers, and the loop lies between.
func TestLoopAmongAnsweredAlertsIsFound(t *testing.T) {
	const subject = "CPU high on SRV01"
	evs := answeredAlerts(80, 3*time.Hour, 5*time.Second)
	loopAt := start.Add(5*24*time.Hour + 30*time.Minute)
	for i := range 100 {
		evs = append(evs, report(loopAt.Add(time.Duration(i)*30*time.Second), i, "away@partner.example", "Automatic reply: "+subject)...)
	}
	loopShapes(t, evs, func(ev tracking.Event) bool { return ev.Time.Before(loopAt) }, func(t *testing.T, l audit.Loop) {
		// The answer to that day's alert, half an hour before, may be
		// where it began.
		if l.MaxRounds < 90 || l.Severity != audit.Critical || l.FirstSeen.Before(loopAt.Add(-31*time.Minute)) || l.FirstSeen.After(loopAt) {
			t.Errorf("rounds %d severity %v first seen %v, want 90 or more, critical, from %v or the answer before", l.MaxRounds, l.Severity, l.FirstSeen, loopAt)
		}
	})
}

// A 200-round loop with one reply in its thread at round 10 starts at its
// start: the reply takes one round off, it does not cut the loop in two.
func TestOneReplyEarlyInALongLoopKeepsItsStart(t *testing.T) {
	const subject = "Budget 2027"
	evs := post(start, 0, "boss@contoso.com", subject)
	for i := range 200 {
		evs = append(evs, report(start.Add(5*time.Second+time.Duration(i)*30*time.Second), i, "away@partner.example", "Automatic reply: "+subject)...)
	}
	evs = append(evs, post(start.Add(5*time.Minute+10*time.Second), 1, "ann@contoso.com", "RE: "+subject)...)
	loopShapes(t, evs, func(ev tracking.Event) bool { return ev.Time.Before(start.Add(time.Hour)) }, func(t *testing.T, l audit.Loop) {
		if l.MaxRounds != 199 || !l.FirstSeen.Equal(start.Add(5*time.Second)) || !l.LastSeen.Equal(start.Add(5*time.Second+199*30*time.Second)) {
			t.Errorf("rounds %d from %v to %v, want 199 from the first report to the last", l.MaxRounds, l.FirstSeen, l.LastSeen)
		}
	})
}

// A stacked loop that runs for 60 hours ends where it ends.
func TestStackedLoopOfDaysEndsAtItsEnd(t *testing.T) {
	var evs []tracking.Event
	for i := range 181 {
		subject := strings.Repeat("Undeliverable: ", min(i+1, 40)) + "Kickoff"
		evs = append(evs, report(start.Add(time.Duration(i)*20*time.Minute), i, "postmaster@partner.example", subject)...)
	}
	last := start.Add(180 * 20 * time.Minute)
	loopShapes(t, evs, func(ev tracking.Event) bool { return ev.Time.Before(start.Add(30 * time.Hour)) }, func(t *testing.T, l audit.Loop) {
		if !l.FirstSeen.Equal(start) || !l.LastSeen.Equal(last) {
			t.Errorf("from %v to %v, want %v to %v", l.FirstSeen, l.LastSeen, start, last)
		}
	})
}

// A customer, no member of the list, forwarding something to it three
// times, each bounced once by a dead member's server: no loop.
func TestCustomerForwardsAnsweredOnceAreNoLoop(t *testing.T) {
	var evs []tracking.Event
	for i := range 3 {
		at := start.Add(time.Duration(i) * 10 * time.Minute)
		id, subject := fmt.Sprintf("<f%d@customer.example>", i), "FW: Invoice 4711"
		evs = append(evs, fromOutside(at, id, "buyer@customer.example", subject, "ann@contoso.com", "old@gone.example")...)
		evs = append(evs, report(at.Add(20*time.Second), i, "postmaster@gone.example", "Undeliverable: "+subject)...)
	}
	noLoopEitherWay(t, evs)
}

// A fifth reviewer's finds, where the slots left out join the kept ones.

// A responder answering an alert every quarter of an hour (or 50 minutes),
// more often than its slots hold: joining what was left out must not count
// an answer as a round.
func TestManyAnsweredAlertsAreNoLoop(t *testing.T) {
	for _, tt := range []struct {
		n            int
		every, delay time.Duration
	}{{65, 15 * time.Minute, 5 * time.Second}, {100, 15 * time.Minute, 5 * time.Second}, {200, 15 * time.Minute, 25 * time.Second}, {200, 50 * time.Minute, 5 * time.Second}} {
		evs := byTime(answeredAlerts(tt.n, tt.every, tt.delay))
		rev := slices.Clone(evs)
		slices.Reverse(rev)
		for _, slots := range reporterSlots {
			for name, rows := range map[string][]tracking.Event{"in time order": evs, "newest first": rev} {
				restore := mailflow.SetReporterSlots(slots)
				tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, rows))
				restore()
				if len(tr.Loops) != 0 {
					t.Errorf("%d alerts every %v, %s, %d slots: no loop expected, got %d rounds", tt.n, tt.every, name, slots, tr.Loops[0].MaxRounds)
				}
			}
		}
	}
}

// A 200-round loop after ten days of answered alerts keeps its end and all
// its rounds: the slots left out just before the latest join them.
func TestLoopAfterAnsweredAlertsKeepsItsEnd(t *testing.T) {
	const subject = "CPU high on SRV01"
	evs := answeredAlerts(80, 3*time.Hour, 5*time.Second)
	loopAt := start.Add(80*3*time.Hour + 30*time.Minute)
	for i := range 200 {
		evs = append(evs, report(loopAt.Add(time.Duration(i)*30*time.Second), 5000+i, "away@partner.example", "Automatic reply: "+subject)...)
	}
	last := loopAt.Add(199 * 30 * time.Second)
	loopShape(t, evs, func(t *testing.T, l audit.Loop) {
		if l.MaxRounds < 199 || !l.LastSeen.Equal(last) {
			t.Errorf("rounds %d, last seen %v; want 199 or more and %v", l.MaxRounds, l.LastSeen, last)
		}
	})
}

// The last reviewer's finds: each post is answered once.

// A burst of replies in a thread, each answered once after a delay longer
// than their spacing (an out-of-office, a stale contact's bounce), is as
// many answers, not rounds; so are two posts in one slot, each answered.
func TestEachPostIsAnsweredOnce(t *testing.T) {
	burst := func(n int, spacing, delay time.Duration, reporter, prefix string) (evs []tracking.Event) {
		for i := range n {
			at := start.Add(time.Duration(i) * spacing)
			evs = append(evs, post(at, i, "ann@contoso.com", "RE: Budget 2027")...)
			evs = append(evs, report(at.Add(delay), 100+i, reporter, prefix+"RE: Budget 2027")...)
		}
		return byTime(evs)
	}
	for name, evs := range map[string][]tracking.Event{
		"five replies 10 s apart, each answered after 30 s":        burst(5, 10*time.Second, 30*time.Second, "away@partner.example", "Automatic reply: "),
		"five replies 10 s apart, each bounced after 45 s":         burst(5, 10*time.Second, 45*time.Second, "postmaster@gone.example", "Undeliverable: "),
		"four replies 3 s apart (two to a slot), answered in turn": burst(4, 3*time.Second, 12*time.Second, "away@partner.example", "Automatic reply: "),
	} {
		rev := slices.Clone(evs)
		slices.Reverse(rev)
		for order, rows := range map[string][]tracking.Event{"in time order": evs, "newest first": rev} {
			if tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, rows)); len(tr.Loops) != 0 {
				t.Errorf("%s, %s: no loop expected, got %d rounds", name, order, tr.Loops[0].MaxRounds)
			}
		}
	}
}

// An hour's loop among four weeks of alerts every ten minutes, round the
// clock, each answered: more slots than a reporter keeps, in one run with
// no pause; the loop is found, and where it lies among the kept slots, so
// is its span.
func TestLoopInAMonthOfAnsweredAlerts(t *testing.T) {
	const subject = "Disk full on SRV02"
	for _, day := range []int{2, 26} {
		t.Run(fmt.Sprintf("day %d", day), func(t *testing.T) {
			var evs []tracking.Event
			for i := range 28 * 24 * 6 {
				at := start.Add(time.Duration(i) * 10 * time.Minute)
				evs = append(evs, post(at, i, "monitor@contoso.com", subject)...)
				evs = append(evs, report(at.Add(5*time.Second), 100000+i, "away@partner.example", "Automatic reply: "+subject)...)
			}
			loopAt := start.Add(time.Duration(day)*24*time.Hour + 2*time.Minute)
			for i := range 120 {
				evs = append(evs, report(loopAt.Add(time.Duration(i)*30*time.Second), 200000+i, "away@partner.example", "Automatic reply: "+subject)...)
			}
			end := loopAt.Add(119 * 30 * time.Second)
			rev := slices.Clone(byTime(evs))
			slices.Reverse(rev)
			for order, rows := range map[string][]tracking.Event{"in time order": byTime(evs), "newest first": rev} {
				tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, rows))
				if len(tr.Loops) != 1 {
					t.Fatalf("%s: want one loop, got %+v", order, tr.Loops)
				}
				l := tr.Loops[0]
				if l.MaxRounds < 100 || l.FirstSeen.Before(loopAt.Add(-10*time.Minute)) || l.LastSeen.After(end.Add(10*time.Second)) {
					t.Errorf("%s: rounds %d from %v to %v, want 100 or more from about %v to %v", order, l.MaxRounds, l.FirstSeen, l.LastSeen, loopAt, end)
				}
			}
		})
	}
}

// Posts nobody answered take no rounds off a loop that comes later: an
// out-of-office answers each sender once, so most of a busy thread's
// replies before a loop are never answered; and a morning's replies before
// a burst that is answered do not leave the burst's own posts out.
func TestUnansweredPostsDoNotHideALaterLoop(t *testing.T) {
	const subject = "Budget 2027"
	t.Run("thirty replies in the hour before a 40-round loop", func(t *testing.T) {
		var evs []tracking.Event
		for i := range 30 {
			evs = append(evs, post(start.Add(time.Duration(i)*2*time.Minute), i, fmt.Sprintf("u%d@contoso.com", i), "RE: "+subject)...)
		}
		loopAt := start.Add(61 * time.Minute)
		for i := range 40 {
			evs = append(evs, report(loopAt.Add(time.Duration(i)*30*time.Second), i, "away@partner.example", "Automatic reply: "+subject)...)
		}
		// The replies of the last ten minutes may each have been
		// answered by a round; no more.
		loopShape(t, evs, func(t *testing.T, l audit.Loop) {
			if l.MaxRounds < 36 || l.Severity != audit.Critical {
				t.Errorf("rounds %d severity %v, want 36 or more and critical", l.MaxRounds, l.Severity)
			}
		})
	})
	t.Run("ten unanswered alerts in the morning, a loop in the evening", func(t *testing.T) {
		var evs []tracking.Event
		for i := range 24 * 6 {
			at := start.Add(time.Duration(i) * 10 * time.Minute)
			evs = append(evs, post(at, i, "monitor@contoso.com", subject)...)
			if i < 6 || i >= 16 {
				evs = append(evs, report(at.Add(5*time.Second), 1000+i, "away@partner.example", "Automatic reply: "+subject)...)
			}
		}
		loopAt := start.Add(20*time.Hour + 2*time.Minute)
		for i := range 5 {
			evs = append(evs, report(loopAt.Add(time.Duration(i)*30*time.Second), 5000+i, "away@partner.example", "Automatic reply: "+subject)...)
		}
		loopShape(t, evs, func(t *testing.T, l audit.Loop) {
			if l.MaxRounds < 5 {
				t.Errorf("rounds %d, want 5 or more", l.MaxRounds)
			}
		})
	})
	t.Run("a morning's replies, then a burst each bounced", func(t *testing.T) {
		var evs []tracking.Event
		for i := range 8 {
			evs = append(evs, post(start.Add(time.Duration(i)*5*time.Minute), i, "ann@contoso.com", "RE: "+subject)...)
		}
		burstAt := start.Add(3 * time.Hour)
		for i := range 5 {
			at := burstAt.Add(time.Duration(i) * 10 * time.Second)
			evs = append(evs, post(at, 100+i, "bob@contoso.com", "RE: "+subject)...)
			evs = append(evs, report(at.Add(45*time.Second), 200+i, "postmaster@gone.example", "Undeliverable: RE: "+subject)...)
		}
		noLoopEitherWay(t, evs)
	})
}
