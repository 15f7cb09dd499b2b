package mailflow_test

import (
	"maps"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// A message from outside with an internal sender is counted as returned
// only when one of the organization's mailboxes submitted its Message-ID
// before it arrived, within a day; it stays listed as spoofing either way
// (seed 000's flood was the user's own message coming back).
func TestSpoofedMessagesThatWereOursAreCountedAsReturned(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	const id = "<post.1@contoso.com>"
	submitAt := func(s int) tracking.Event {
		return tracking.Event{Time: at(s), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ann@contoso.com", MessageID: id, Subject: "Lunch"}
	}
	submit := submitAt(0)
	// Exchange 2010 logs the submission as a RECEIVE from the store driver.
	submit2010 := tracking.Event{Time: at(0), EventID: "RECEIVE", Source: "STOREDRIVER", Sender: "ann@contoso.com",
		Recipients: []string{"list@partner.example"}, MessageID: id, Subject: "Lunch"}
	sendOut := tracking.Event{Time: at(1), EventID: "SEND", Source: "SMTP", ServerIP: "198.51.100.20", ServerHostname: "mx.partner.example",
		Sender: "ann@contoso.com", Recipients: []string{"list@partner.example"}, MessageID: id}
	// The hub handing the message to the organization's edge has not sent
	// it out.
	sendToEdge := tracking.Event{Time: at(1), EventID: "SEND", Source: "SMTP", ServerIP: "10.0.0.5", ServerHostname: "edge01",
		Sender: "ann@contoso.com", Recipients: []string{"list@partner.example"}, MessageID: id}
	backAt := func(t time.Time) tracking.Event {
		ev := spoofed("ann@contoso.com", "mx.partner.example", "Lunch", id)
		ev.Time = t
		return ev
	}
	back := func(s int) tracking.Event { return backAt(at(s)) }
	for _, tc := range []struct {
		name     string
		rows     []tracking.Event
		returned int64
	}{
		{"submitted, sent out, came back", []tracking.Event{submit, sendOut, back(3)}, 1},
		{"only submitted (the mailbox server's logs alone)", []tracking.Event{submit, back(3)}, 1},
		{"submitted on Exchange 2010", []tracking.Event{submit2010, back(3)}, 1},
		{"forged: its Message-ID was never ours", []tracking.Event{back(3)}, 0},
		// A SEND proves nothing: a forged message relayed out to an
		// external member a second after it came in, by a server whose
		// clock is two seconds behind the edge's, is logged before it.
		{"sent out before it arrived, not submitted", []tracking.Event{sendOut, back(3)}, 0},
		{"handed to our own edge only", []tracking.Event{sendToEdge, back(3)}, 0},
		{"submitted after it arrived, read first", []tracking.Event{submitAt(5), back(3)}, 0},
		{"submitted in the same instant", []tracking.Event{submitAt(3), back(3)}, 0},
		// Submissions are kept to the second: a return in the same second
		// (no list answers that fast) counts as forged.
		{"submitted earlier in the same second", []tracking.Event{submitAt(3), backAt(at(3).Add(900 * time.Millisecond))}, 0},
		{"submitted again later, read first", []tracking.Event{submit, submitAt(600), back(3)}, 1},
		{"submitted again later, read last", []tracking.Event{submitAt(600), submit, back(3)}, 1},
		// A moderated list approves a post after days: the window is a week
		// (it was a day while the subject alone proved the message).
		{"came back a week and a second later", []tracking.Event{submit, back(7*24*3600 + 1)}, 0},
		{"came back a week later to the second", []tracking.Event{submit, back(7 * 24 * 3600)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}, Servers: []string{"edge01", "10.0.0.5"}})
			for i := range tc.rows {
				a.Add(&tc.rows[i])
			}
			tr := a.Result(tracking.Stats{})
			if len(tr.Spoofing) != 1 {
				t.Fatalf("spoofing %+v, want ann's one message listed", tr.Spoofing)
			}
			if s := tr.Spoofing[0]; s.Sender != "ann@contoso.com" || s.Messages != 1 || s.Returned != tc.returned {
				t.Errorf("%s: %d messages, %d returned; want ann@contoso.com, 1, %d", s.Sender, s.Messages, s.Returned, tc.returned)
			}
		})
	}
}

// Seed 000: a remote server sends a user's message back again and again
// under its one Message-ID. Each arrival counts, where a forged message
// logged twice from outside counts once.
func TestOwnMessageComingBackAgainCountsEachTime(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	const id = "<post.1@contoso.com>"
	arrive := func(s int, id string) tracking.Event {
		ev := spoofed("ann@contoso.com", "mx.partner.example", "Lunch", id)
		ev.Time = at(s)
		return ev
	}
	rows := []tracking.Event{{Time: at(0), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ann@contoso.com", MessageID: id, Subject: "Lunch"}}
	for i := range 5 {
		rows = append(rows, arrive(10+i, id), arrive(10+i, "<forged.1@attacker.example>"))
	}
	a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
	for i := range rows {
		a.Add(&rows[i])
	}
	tr := a.Result(tracking.Stats{})
	if len(tr.Spoofing) != 1 {
		t.Fatalf("spoofing %+v, want ann listed", tr.Spoofing)
	}
	if s := tr.Spoofing[0]; s.Messages != 6 || s.Returned != 5 || tr.SpoofedMessages != 6 {
		t.Errorf("%d messages (%d in all), %d returned; want 6: five arrivals of her own and one forged, and 5 returned", s.Messages, tr.SpoofedMessages, s.Returned)
	}
}

// A message from outside is the organization's own coming back only when
// its Message-ID was submitted by its sender and under its subject: a
// forgery from ceo@ reusing the ID of bob's post to an outside list (which
// the forger read there), with a subject of its own or a copy of the
// post's, is high, and is no return of bob's message either, which would
// make a second copy of bob's post to the same member look like a flood.
// One sent on behalf of another, or by the organization's own list hosted
// outside, comes back from another sender than the SUBMIT names: high, a
// known false alarm (the fourth review's design: never false comfort).
func TestMessageIDSubmittedUnderAnotherSubjectIsNoReturn(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	const id = "<M1@MBX01.contoso.com>"
	submit := tracking.Event{Time: at(0), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "bob@contoso.com", ReturnPath: "bob@contoso.com", MessageID: id,
		Subject: "Meeting notes"}
	from := func(s int, sender, client string) tracking.Event {
		ev := spoofed(sender, client, "[list] Meeting notes", id)
		ev.Time = at(s)
		return ev
	}
	listBack := from(40, "bob@contoso.com", "lists.example")
	again := from(4*3600, "bob@contoso.com", "lists.example")
	forged := from(3*3600, "ceo@contoso.com", "bad.attacker.example")
	forged.Subject = "Urgent: new bank details"
	verp := listBack
	verp.ReturnPath = "list-bounces+ann=contoso.com@lists.example"
	upper := submit
	upper.Sender, upper.ReturnPath = "Bob@Contoso.COM", "Bob@Contoso.COM"
	noSender := submit
	noSender.Sender = ""
	eva := submit
	eva.Sender, eva.ReturnPath = "Éva.Kovács@contoso.com", ""
	evaBack := from(40, "éva.kovács@contoso.com", "lists.example")
	// Sent on behalf of boss@ by assistant@: the SUBMIT names the
	// delegate, the list's copy (without the Sender: header) boss@, with
	// the list's bounce address or, kept, the assistant's as return path.
	minutes := tracking.Event{Time: at(0), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "assistant@contoso.com", ReturnPath: "assistant@contoso.com",
		MessageID: id, Subject: "Board minutes"}
	onBehalf := from(40, "boss@contoso.com", "lists.example")
	onBehalf.Subject, onBehalf.ReturnPath = "[list] Board minutes", "list-bounces@lists.example"
	onBehalfEnv := onBehalf
	onBehalfEnv.ReturnPath = "assistant@contoso.com"
	// The organization's own list hosted outside sets Sender: to its
	// bounce address, in the organization's domain.
	post := submit
	post.Subject = "Post 0"
	ownList := from(40, "staff-bounces@lists.contoso.com", "lists.example")
	ownList.Subject, ownList.ReturnPath = " [Staff]  [corp] post 0", "staff-bounces@lists.contoso.com"
	// A forgery copying the ID of a post without a subject, with none of
	// its own; or replying to the post's subject: neither is the post.
	noSubject := forged
	noSubject.Subject = ""
	noSubjectPost := submit
	noSubjectPost.Subject = ""
	// A copy of the post's subject under its ID, from another sender.
	copied := forged
	copied.Subject = "[list] Meeting notes"
	// bob's post without a subject, sent back by the list: nothing proves
	// it bob's.
	bareBack := listBack
	bareBack.Subject = "[list]"
	reply := forged
	reply.Subject = "Re: [list] Post 0"
	type want struct {
		messages, returned, most int64
		sev                      audit.Severity
	}
	const bob, ceo = "bob@contoso.com", "ceo@contoso.com"
	for _, tc := range []struct {
		name string
		rows []tracking.Event
		want map[string]want
	}{
		{"a list's copy, then a forgery from ceo under its ID", []tracking.Event{submit, listBack, forged},
			map[string]want{bob: {1, 1, 1, audit.Info}, ceo: {1, 0, 0, audit.High}}},
		{"the forgery is not counted against bob's message", []tracking.Event{submit, listBack, forged, again},
			map[string]want{bob: {2, 2, 2, audit.Info}, ceo: {1, 0, 0, audit.High}}},
		{"the forgery alone", []tracking.Event{submit, forged}, map[string]want{ceo: {1, 0, 0, audit.High}}},
		{"the list rewrote the return path", []tracking.Event{submit, verp}, map[string]want{bob: {1, 1, 1, audit.Info}}},
		{"submitted with capitals", []tracking.Event{upper, listBack}, map[string]want{bob: {1, 1, 1, audit.Info}}},
		{"submitted with a return path only", []tracking.Event{noSender, listBack}, map[string]want{bob: {1, 1, 1, audit.Info}}},
		{"sent on behalf of another", []tracking.Event{minutes, onBehalf}, map[string]want{"boss@contoso.com": {1, 0, 0, audit.High}}},
		{"sent on behalf of another, envelope kept", []tracking.Event{minutes, onBehalfEnv}, map[string]want{"boss@contoso.com": {1, 0, 0, audit.High}}},
		{"own list hosted outside", []tracking.Event{post, ownList}, map[string]want{"staff-bounces@lists.contoso.com": {1, 0, 0, audit.High}}},
		{"a forgery with no subject, of a post with none", []tracking.Event{noSubjectPost, noSubject}, map[string]want{ceo: {1, 0, 0, audit.High}}},
		{"a forgery with no subject", []tracking.Event{submit, noSubject}, map[string]want{ceo: {1, 0, 0, audit.High}}},
		{"a post with no subject back", []tracking.Event{noSubjectPost, bareBack}, map[string]want{bob: {1, 0, 0, audit.High}}},
		{"a forgery copying the post's subject", []tracking.Event{submit, copied}, map[string]want{ceo: {1, 0, 0, audit.High}}},
		{"a forgery replying to the post's subject", []tracking.Event{post, reply}, map[string]want{ceo: {1, 0, 0, audit.High}}},
		{"submitted with non-ASCII capitals", []tracking.Event{eva, evaBack}, map[string]want{"éva.kovács@contoso.com": {1, 1, 1, audit.Info}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
			for i := range tc.rows {
				a.Add(&tc.rows[i])
			}
			got := map[string]want{}
			for _, s := range a.Result(tracking.Stats{}).Spoofing {
				got[s.Sender] = want{s.Messages, s.Returned, s.MostReturnsOfOne, s.Severity()}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("spoofing (messages, returned, most to one recipient, severity) %+v, want %+v", got, tc.want)
			}
		})
	}
}
