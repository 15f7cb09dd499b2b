package mailflow_test

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// returnRows is alice's posts to an outside list with colleagues on it,
// each submitted once and its copies delivered back to contoso by the
// list's server back[i] times: the k-th to colleague k, as a list that
// delivers to each member apart (VERP) does, or all to bob when toOne, as a
// broken server re-sending the message does; then forged messages claiming
// her address, each under a Message-ID contoso never made.
func returnRows(back []int, toOne bool, forged int) []tracking.Event {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	var rows []tracking.Event
	for i, n := range back {
		id := fmt.Sprintf("<post.%d@contoso.com>", i)
		rows = append(rows, tracking.Event{Time: at(i * 100), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "alice@contoso.com", MessageID: id,
			Subject: "Agenda"})
		for k := range n {
			ev := spoofed("alice@contoso.com", "mx.fabrikam.com", "Agenda", id)
			ev.Time, ev.Recipients = at(i*100+5+k), []string{fmt.Sprintf("colleague%d@contoso.com", k)}
			if toOne {
				ev.Recipients = []string{"bob@contoso.com"}
			}
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

// times is n copies of k: a user's n messages each sent back k times.
func times(n, k int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = k
	}
	return out
}

// A sender whose messages all came back from outside, none of them
// audit.ReturnFlood times to one recipient, is listed at info: a post to
// an outside list with colleagues on it comes back once to each of them,
// in one arrival or one for each (a dozen for a dozen members), and
// failing every scheduled run for it would teach admins to ignore the
// finding. One message coming back to the same recipient again and again
// (seed 000's broken remote server, a hundred times; or each of twenty
// messages nine times) is high, and so is a message that was not the
// organization's own among the returns.
func TestOwnMessagesComingBackAreInfoUnlessFlooded(t *testing.T) {
	for _, tc := range []struct {
		name     string
		back     []int
		toOne    bool
		forged   int
		returned int64
		most     int64
		want     audit.Severity
	}{
		{"a post back once to one member", []int{1}, false, 0, 1, 1, audit.Info},
		{"a post back to three members", []int{3}, false, 0, 3, 1, audit.Info},
		{"a post back to nine members", []int{9}, false, 0, 9, 1, audit.Info},
		{"two posts back to five members each", []int{5, 5}, false, 0, 10, 1, audit.Info},
		// A list delivering to each of twelve internal members apart.
		{"VERP: a post back to twelve members", []int{12}, false, 0, 12, 1, audit.Info},
		// A member on the list and its digest, or a copy sent again after
		// a lost SMTP reply.
		{"a post back twice to one member", []int{2}, true, 0, 2, 2, audit.Info},
		// Three lists of a cross-post with the same members, or a list
		// and its digest and a copy sent again: under audit.ReturnFlood.
		{"a post back three times to one member", []int{3}, true, 0, 3, 3, audit.Info},
		{"a post back four times to one member", []int{4}, true, 0, 4, 4, audit.Info},
		{"a post back five times to one member", []int{5}, true, 0, 5, 5, audit.High},
		{"one message back twelve times to one member", []int{12}, true, 0, 12, 12, audit.High},
		{"twenty messages back nine times each to one member", times(20, 9), true, 0, 180, 9, audit.High},
		{"seed 000: one message back a hundred times", []int{100}, true, 0, 100, 100, audit.High},
		{"a post back once and one forged", []int{1}, false, 1, 1, 1, audit.High},
		{"forged only", nil, false, 2, 0, 0, audit.High},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := returnRows(tc.back, tc.toOne, tc.forged)
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
				t.Errorf("%s: %d returned, most %d of one to one recipient (capped %v), %v; want %d, %d, %v", s.Sender, s.Returned, s.MostReturnsOfOne, s.MostReturnsCapped,
					s.Severity(), tc.returned, tc.most, tc.want)
			}
			if w, found := tr.Worst(); !found || w != tc.want {
				t.Errorf("traffic severity %v (found %v), want %v", w, found, tc.want)
			}
		})
	}
}

// An arrival to several recipients counts once for each of them: a list
// delivering a post to twelve members in one arrival, and its digest to
// them again, is twice to each; a broken server sending the same arrival
// to three recipients audit.ReturnFlood times is a flood of each.
func TestReturnsAreCountedByRecipient(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	const id = "<post.1@contoso.com>"
	var members []string
	for k := range 12 {
		members = append(members, fmt.Sprintf("colleague%d@contoso.com", k))
	}
	for _, tc := range []struct {
		name     string
		arrivals int
		to       []string
		most     int64
		want     audit.Severity
	}{
		{"to twelve members in one arrival, twice", 2, members, 2, audit.Info},
		{"to three recipients, five times", audit.ReturnFlood, members[:3], audit.ReturnFlood, audit.High},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := []tracking.Event{{Time: at(0), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "alice@contoso.com", MessageID: id, Subject: "Agenda"}}
			for i := range tc.arrivals {
				ev := spoofed("alice@contoso.com", "mx.fabrikam.com", "Agenda", id)
				ev.Time, ev.Recipients = at(5+i), tc.to
				rows = append(rows, ev)
			}
			a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
			for i := range rows {
				a.Add(&rows[i])
			}
			tr := a.Result(tracking.Stats{})
			if len(tr.Spoofing) != 1 {
				t.Fatalf("spoofing %+v, want alice listed", tr.Spoofing)
			}
			if s := tr.Spoofing[0]; s.Returned != int64(tc.arrivals) || s.MostReturnsOfOne != tc.most || s.Severity() != tc.want {
				t.Errorf("%d returned, most %d of one to one recipient, %v; want %d, %d, %v", s.Returned, s.MostReturnsOfOne, s.Severity(), tc.arrivals, tc.most, tc.want)
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
		for _, ev := range returnRows([]int{3}, false, 0) {
			if ev.Sender != "" {
				ev.Sender = fmt.Sprintf("user%02d@contoso.com", u)
			}
			ev.MessageID = fmt.Sprintf("<post.%d@contoso.com>", u)
			rows = append(rows, ev)
		}
	}
	rows = append(rows, returnRows(nil, false, 1)...)
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

// A flood is the same message sent to the same recipient again, from
// whatever source: a post to three outside lists with the same colleagues
// on them comes back once from each, three times, and is info (under
// audit.ReturnFlood); a broken server sending it back with a bounce
// address of its own each time, or from the addresses of a pool
// (Exchange Online Protection in a hybrid), is a flood, as it is from one
// server under one return path. Counted per return path or remote server,
// as an earlier version did, each copy of those floods was a first (the
// third review's rpflood and ipflood: info).
func TestReturnsAreCountedWhateverTheSource(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	const id = "<cfp.1@contoso.com>"
	from := func(s int, client, returnPath string) tracking.Event {
		ev := spoofed("bob@contoso.com", client, "[l] Conference CFP", id)
		ev.Time, ev.ReturnPath, ev.Recipients = at(s), returnPath, []string{"ann@contoso.com", "carl@contoso.com"}
		return ev
	}
	// many is n copies, the i-th from client(i) under returnPath(i).
	many := func(n int, client, returnPath func(int) string) []tracking.Event {
		var rows []tracking.Event
		for i := range n {
			rows = append(rows, from(40+i, client(i), returnPath(i)))
		}
		return rows
	}
	same := func(v string) func(int) string { return func(int) string { return v } }
	for _, tc := range []struct {
		name string
		rows []tracking.Event
		most int64
		want audit.Severity
	}{
		{"three lists on three servers", []tracking.Event{from(40, "192.0.2.50", "bob@contoso.com"), from(60, "192.0.2.51", "bob@contoso.com"),
			from(80, "192.0.2.52", "bob@contoso.com")}, 3, audit.Info},
		{"three lists on three servers, no return path", []tracking.Event{from(40, "192.0.2.50", ""), from(60, "192.0.2.51", ""),
			from(80, "192.0.2.52", "")}, 3, audit.Info},
		{"three lists on one server", []tracking.Event{from(40, "lists.example", "l1-bounces@lists.example"),
			from(60, "lists.example", "l2-bounces@lists.example"), from(80, "lists.example", "l3-bounces@lists.example")}, 3, audit.Info},
		{"one server a hundred times", many(100, same("192.0.2.50"), same("bob@contoso.com")), 100, audit.High},
		{"a hundred bounce addresses", many(100, same("198.51.100.7"), func(i int) string { return fmt.Sprintf("bounce-%06d@esp.example", i) }),
			100, audit.High},
		{"a hundred addresses of a pool", many(100, func(i int) string { return fmt.Sprintf("40.107.%d.%d", i/50, i%50+1) }, same("bob@contoso.com")),
			100, audit.High},
		{"five servers of a pool", many(5, func(i int) string { return fmt.Sprintf("40.107.0.%d", i+1) }, same("bob@contoso.com")), 5, audit.High},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := append([]tracking.Event{{Time: at(0), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "bob@contoso.com", MessageID: id,
				Subject: "Conference CFP"}}, tc.rows...)
			a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
			for i := range rows {
				a.Add(&rows[i])
			}
			tr := a.Result(tracking.Stats{})
			if len(tr.Spoofing) != 1 {
				t.Fatalf("spoofing %+v, want bob listed", tr.Spoofing)
			}
			if s := tr.Spoofing[0]; s.Returned != int64(len(tc.rows)) || s.MostReturnsOfOne != tc.most || s.Severity() != tc.want {
				t.Errorf("%d returned, most %d of one to one recipient, %v; want %d, %d, %v", s.Returned, s.MostReturnsOfOne, s.Severity(),
					len(tc.rows), tc.most, tc.want)
			}
		})
	}
}

// A large outside list's returns (seventy posts, each back once to a
// thousand members) are more counts than the table holds: the oldest are
// dropped, not the newest, so no return goes uncounted and no sender is
// high for it; a flood among them, in the full table, is still counted.
func TestReturnCountsKeepTheNewest(t *testing.T) {
	defer mailflow.SetReturnCountSlots(64)()
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	var members []string
	for k := range 100 {
		members = append(members, fmt.Sprintf("member%03d@contoso.com", k))
	}
	list := func(flood bool) []tracking.Event {
		var rows []tracking.Event
		for i := range 70 {
			id := fmt.Sprintf("<post.%d@contoso.com>", i)
			rows = append(rows, tracking.Event{Time: at(i * 60), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "bob@contoso.com", MessageID: id,
				Subject: "Post"})
			ev := spoofed("bob@contoso.com", "lists.example", "[list] Post", id)
			ev.Time, ev.Recipients = at(i*60+30), members
			rows = append(rows, ev)
			for k := range audit.ReturnFlood {
				if flood && i == 10 {
					ev := spoofed("dave@contoso.com", "broken.example", "Lunch", "<lunch@contoso.com>")
					ev.Time = at(i*60 + 40 + k)
					rows = append(rows, ev)
				}
			}
		}
		if flood {
			rows = append([]tracking.Event{{Time: start, EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "dave@contoso.com", MessageID: "<lunch@contoso.com>",
				Subject: "Lunch"}}, rows...)
		}
		return rows
	}
	for _, tc := range []struct {
		name  string
		flood bool
		want  map[string]audit.Severity
	}{
		{"the list alone", false, map[string]audit.Severity{"bob@contoso.com": audit.Info}},
		{"a flood among its returns", true, map[string]audit.Severity{"bob@contoso.com": audit.Info, "dave@contoso.com": audit.High}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := list(tc.flood)
			a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
			for i := range rows {
				a.Add(&rows[i])
			}
			tr := a.Result(tracking.Stats{})
			got := map[string]audit.Severity{}
			for _, s := range tr.Spoofing {
				got[s.Sender] = s.Severity()
				if s.Sender == "bob@contoso.com" && (s.Returned != 70 || s.MostReturnsOfOne != 1) {
					t.Errorf("bob: %d returned, most %d of one to one recipient; want 70, 1", s.Returned, s.MostReturnsOfOne)
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("severities %v, want %v", got, tc.want)
			}
			if len(tr.Truncated) != 0 {
				t.Errorf("truncated %v, want nothing", tr.Truncated)
			}
		})
	}
}
