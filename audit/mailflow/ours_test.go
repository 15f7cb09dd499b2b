package mailflow_test

import (
	"testing"
	"time"

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
		return tracking.Event{Time: at(s), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ann@contoso.com", MessageID: id}
	}
	submit := submitAt(0)
	// Exchange 2010 logs the submission as a RECEIVE from the store driver.
	submit2010 := tracking.Event{Time: at(0), EventID: "RECEIVE", Source: "STOREDRIVER", Sender: "ann@contoso.com",
		Recipients: []string{"list@partner.example"}, MessageID: id}
	sendOut := tracking.Event{Time: at(1), EventID: "SEND", Source: "SMTP", ServerIP: "198.51.100.20", ServerHostname: "mx.partner.example",
		Sender: "ann@contoso.com", Recipients: []string{"list@partner.example"}, MessageID: id}
	// The hub handing the message to the organization's edge has not sent
	// it out.
	sendToEdge := tracking.Event{Time: at(1), EventID: "SEND", Source: "SMTP", ServerIP: "10.0.0.5", ServerHostname: "edge01",
		Sender: "ann@contoso.com", Recipients: []string{"list@partner.example"}, MessageID: id}
	back := func(s int) tracking.Event {
		ev := spoofed("ann@contoso.com", "mx.partner.example", "Lunch", id)
		ev.Time = at(s)
		return ev
	}
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
		{"submitted again later, read first", []tracking.Event{submit, submitAt(600), back(3)}, 1},
		{"submitted again later, read last", []tracking.Event{submitAt(600), submit, back(3)}, 1},
		{"came back a day and a second later", []tracking.Event{submit, back(24*3600 + 1)}, 0},
		{"came back a day later to the second", []tracking.Event{submit, back(24 * 3600)}, 1},
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
	rows := []tracking.Event{{Time: at(0), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ann@contoso.com", MessageID: id}}
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
