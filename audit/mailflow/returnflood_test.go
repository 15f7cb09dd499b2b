package mailflow_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// returnRows is alice's posts to an outside list with her colleague bob on
// it, each submitted once and its copy delivered back to contoso by the
// list's server back[i] times, then forged messages claiming her address,
// each under a Message-ID contoso never made.
func returnRows(back []int, forged int) []tracking.Event {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	var rows []tracking.Event
	for i, n := range back {
		id := fmt.Sprintf("<post.%d@contoso.com>", i)
		rows = append(rows, tracking.Event{Time: at(i * 100), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "alice@contoso.com", MessageID: id})
		for k := range n {
			ev := spoofed("alice@contoso.com", "mx.fabrikam.com", "Agenda", id)
			ev.Time, ev.Recipients = at(i*100+5+k), []string{"bob@contoso.com"}
			rows = append(rows, ev)
		}
	}
	for i := range forged {
		ev := spoofed("alice@contoso.com", "mail.attacker.example", "Invoice", fmt.Sprintf("<forged.%d@attacker.example>", i))
		ev.Time = at(10000 + i)
		rows = append(rows, ev)
	}
	return rows
}

// A sender whose messages all came back from outside, none of them
// audit.ReturnFlood times, is listed at info: a post to an outside list
// with colleagues on it comes back once, or once for each of them the list
// delivers to apart, and failing every scheduled run for it would teach
// admins to ignore the finding. One message coming back again and again
// (seed 000's broken remote server, a hundred times) is high, and so is a
// message that was not the organization's own among the returns.
func TestOwnMessagesComingBackAreInfoUnlessFlooded(t *testing.T) {
	for _, tc := range []struct {
		name     string
		back     []int
		forged   int
		returned int64
		most     int64
		want     audit.Severity
	}{
		{"a post back once to one member", []int{1}, 0, 1, 1, audit.Info},
		{"a post back three times", []int{3}, 0, 3, 3, audit.Info},
		{"a post back nine times", []int{9}, 0, 9, 9, audit.Info},
		// Counted by message, not added up over the sender's messages.
		{"two posts back five times each", []int{5, 5}, 0, 10, 5, audit.Info},
		{"a post back ten times", []int{10}, 0, 10, 10, audit.High},
		{"one message back twelve times", []int{12}, 0, 12, 12, audit.High},
		{"seed 000: one message back a hundred times", []int{100}, 0, 100, 100, audit.High},
		{"a post back once and one forged", []int{1}, 1, 1, 1, audit.High},
		{"forged only", nil, 2, 0, 0, audit.High},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := returnRows(tc.back, tc.forged)
			a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
			for i := range rows {
				a.Add(&rows[i])
			}
			tr := a.Result(tracking.Stats{})
			if len(tr.Spoofing) != 1 {
				t.Fatalf("spoofing %+v, want alice listed", tr.Spoofing)
			}
			s := tr.Spoofing[0]
			if s.Sender != "alice@contoso.com" || s.Returned != tc.returned || s.MostReturnsOfOne != tc.most || s.MostReturnsCapped || s.Severity() != tc.want {
				t.Errorf("%s: %d returned, most %d of one (capped %v), %v; want %d, %d, %v", s.Sender, s.Returned, s.MostReturnsOfOne, s.MostReturnsCapped,
					s.Severity(), tc.returned, tc.most, tc.want)
			}
			if w, found := tr.Worst(); !found || w != tc.want {
				t.Errorf("traffic severity %v (found %v), want %v", w, found, tc.want)
			}
		})
	}
}

// Twenty-five colleagues whose posts to outside lists came back, each with
// more messages than a forgery, do not push the forged sender off the
// list cut to the worst 20, nor the run's severity below high.
func TestForgedSenderIsListedBeforeReturns(t *testing.T) {
	var rows []tracking.Event
	for u := range 25 {
		for _, ev := range returnRows([]int{3}, 0) {
			if ev.Sender != "" {
				ev.Sender = fmt.Sprintf("user%02d@contoso.com", u)
			}
			ev.MessageID = fmt.Sprintf("<post.%d@contoso.com>", u)
			rows = append(rows, ev)
		}
	}
	rows = append(rows, returnRows(nil, 1)...)
	a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
	for i := range rows {
		a.Add(&rows[i])
	}
	tr := a.Result(tracking.Stats{})
	if len(tr.Spoofing) != 20 || tr.SpoofingTotal != 26 {
		t.Fatalf("%d senders listed of %d, want 20 of 26", len(tr.Spoofing), tr.SpoofingTotal)
	}
	if s := tr.Spoofing[0]; s.Sender != "alice@contoso.com" || s.Severity() != audit.High {
		t.Errorf("first listed %s at %v, want the forged alice@contoso.com at high", s.Sender, s.Severity())
	}
	if w, _ := tr.Worst(); w != audit.High {
		t.Errorf("traffic severity %v, want high", w)
	}
}

// Past the table of returned messages' cap, a return cannot be counted by
// message: its sender might be flooded, so stays high, and the report says
// the table was capped.
func TestReturnsPastTheCapAreHigh(t *testing.T) {
	defer mailflow.SetMaxReturnCounts(1)()
	rows := returnRows([]int{1, 1}, 0)
	a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
	for i := range rows {
		a.Add(&rows[i])
	}
	tr := a.Result(tracking.Stats{})
	if len(tr.Spoofing) != 1 {
		t.Fatalf("spoofing %+v, want alice listed", tr.Spoofing)
	}
	if s := tr.Spoofing[0]; s.Returned != 2 || s.MostReturnsOfOne != 1 || !s.MostReturnsCapped || s.Severity() != audit.High {
		t.Errorf("%d returned, most %d of one (capped %v), %v; want 2, 1 (capped), high", s.Returned, s.MostReturnsOfOne, s.MostReturnsCapped, s.Severity())
	}
	if !slices.Contains(tr.Truncated, "returned messages counted by Message-ID") {
		t.Errorf("truncated %v lacks the returned messages", tr.Truncated)
	}
}
