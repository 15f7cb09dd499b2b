package mailflow_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
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
	for name, rows := range map[string][]tracking.Event{"in time order": evs, "newest first": rev} {
		t.Run(name, func(t *testing.T) {
			tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, rows))
			if len(tr.Loops) != 1 {
				t.Fatalf("want one loop, got %+v", tr.Loops)
			}
			check(t, tr.Loops[0])
		})
	}
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
	evs = byTime(evs)
	rev := slices.Clone(evs)
	slices.Reverse(rev)
	for name, rows := range map[string][]tracking.Event{"in time order": evs, "newest first": rev} {
		tr := analyse(t, roundsCfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, rows))
		if len(tr.Loops) != 0 {
			t.Errorf("%s: no loop expected, got %d rounds", name, tr.Loops[0].MaxRounds)
		}
	}
}
