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

// A row naming an outside client in original-client-ip is a hop of an
// earlier arrival of its Message-ID only when the logs say it can be: the
// same network-message-id; without ids, the same remote server and sender,
// from another client than the arrival's row, within minutes. A forgery
// under a partner's Message-ID (another server, another sender), a return
// through the same Front End (the same client again), and two servers whose
// names once shared a bit (EXCH01, EXCH02) are new arrivals; the hub's row
// of an edge's arrival is a hop however long the edge queued it.
func TestHopsAreTheSameMessageOnItsWay(t *testing.T) {
	const ann, bob, ceo, group = "ann@corp.example", "bob@corp.example", "ceo@corp.example", "all@corp.example"
	const exch01, exch01IP, exch02, exch02IP = "EXCH01.contoso.com", "10.0.0.16", "EXCH02.contoso.com", "10.0.0.17"
	incoming := func(at time.Duration, id, sender string, rcpts ...string) tracking.Event {
		return tracking.Event{Time: start.Add(at), EventID: "RECEIVE", Source: "SMTP", Directionality: "Incoming", MessageID: id, Sender: sender,
			ReturnPath: sender, Recipients: rcpts, Subject: "Newsletter"} // submit's: a return is under its subject
	}
	// noServer: mbx01's row of mail its own Front End took, in an export
	// without the server's columns or network-message-ids.
	noServer := func(m tracking.Event, ip string) tracking.Event {
		m.ClientHostname, m.ClientIP, m.OriginalClientIP = mbx01, mbx01IP, ip
		return m
	}
	// dag: exch01's Front End hands m to exch02's Transport, which hops it
	// to exch01 for the mailboxes 600 ms later; no network-message-ids.
	dag := func(rows map[string][]tracking.Event, m tracking.Event, ip string) {
		arrival, hop := m, m
		arrival.ClientHostname, arrival.ClientIP, arrival.ServerHostname, arrival.ServerIP, arrival.OriginalClientIP = exch01, exch01IP, exch02, exch02IP, ip
		hop.ClientHostname, hop.ClientIP, hop.ServerHostname, hop.ServerIP, hop.OriginalClientIP = exch02, exch02IP, exch01, exch01IP, ip
		hop.Time = hop.Time.Add(600 * time.Millisecond)
		rows["mbx02"] = append(rows["mbx02"], arrival)
		rows["mbx01"] = append(rows["mbx01"], hop)
	}
	dagServers := []string{exch01, exch01IP, exch02, exch02IP}

	forgery := map[string][]tracking.Event{"mbx01": {
		noServer(incoming(time.Minute, "<x1@partner.example>", "someone@partner.example", ann), "198.51.100.99"),
		noServer(incoming(3*time.Minute, "<x1@partner.example>", ceo, group), "203.0.113.9"),
	}}
	seed000 := map[string][]tracking.Event{"mbx01": {submit(ann, "<M0@x>")}}
	for i := range 100 {
		seed000["mbx01"] = append(seed000["mbx01"], noServer(incoming(time.Minute+time.Duration(i)*20*time.Second, "<M0@x>", ann, ann, bob), "198.51.100.7"))
	}
	// edgeDelay: the edge takes bob's post back from a list, and two of
	// its other posts, and queues them ten minutes while the hub restarts.
	edgeDelay := map[string][]tracking.Event{"mbx01": {submit(bob, "<P1@MBX01.corp.local>")}}
	queued := way{through: "edge", hopAfter: 10 * time.Minute}
	for i, m := range []tracking.Event{
		incoming(40*time.Second, "<P1@MBX01.corp.local>", bob, group),
		incoming(41*time.Second, "<e1@lists.example>", "x@partner.example", group),
		incoming(42*time.Second, "<e2@lists.example>", "y@partner.example", group),
	} {
		m.NetworkMessageID = netID(i, false)
		queued.arrive(edgeDelay, m, "mail.lists.example", "192.0.2.50")
	}
	edgeDelay["mbx01"] = append(edgeDelay["mbx01"], loopMarker(group, start.Add(time.Hour)))
	// listTwice: a list sends bob's post to ann twice, ten minutes apart.
	listTwice := map[string][]tracking.Event{"mbx01": {submit(bob, "<M0@x>")}}
	for i := range 2 {
		dag(listTwice, incoming(40*time.Second+time.Duration(i)*10*time.Minute, "<M0@x>", bob, ann), "192.0.2.50")
	}
	dagSeed000 := map[string][]tracking.Event{"mbx01": {submit(ann, "<M0@x>")}}
	for i := range 30 {
		dag(dagSeed000, incoming(time.Minute+time.Duration(i)*20*time.Second, "<M0@x>", ann, ann), "198.51.100.7")
	}

	for _, tc := range []struct {
		name    string
		servers []string
		rows    map[string][]tracking.Event
		sender  string
		// want: the sender's messages from outside, by remote server;
		// most: the most returns of one to one recipient.
		want []audit.AddressCount
		most int64
		// inbound: the group's messages from outside, by remote server.
		inbound []audit.AddressCount
	}{
		{"a forgery under a partner's Message-ID, without server columns", nil, forgery, ceo,
			[]audit.AddressCount{{Address: "203.0.113.9", N: 1}}, 0, nil},
		{"a forgery under a partner's Message-ID, without server columns, mbx01 known", arrivalServers, forgery, ceo,
			[]audit.AddressCount{{Address: "203.0.113.9", N: 1}}, 0, nil},
		{"seed 000 through one Front End, without server columns", nil, seed000, ann,
			[]audit.AddressCount{{Address: "198.51.100.7", N: 100}}, 100, nil},
		{"the edge queues ten minutes", arrivalServers, edgeDelay, bob,
			[]audit.AddressCount{{Address: "mail.lists.example", N: 1}}, 1, []audit.AddressCount{{Address: "mail.lists.example", N: 3}}},
		{"a list sends a post twice through EXCH01 to EXCH02", dagServers, listTwice, bob,
			[]audit.AddressCount{{Address: "192.0.2.50", N: 2}}, 2, nil},
		{"seed 000 through EXCH01 to EXCH02", dagServers, dagSeed000, ann,
			[]audit.AddressCount{{Address: "198.51.100.7", N: 30}}, 30, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Groups: []mailflow.Group{{Address: group}}, Servers: tc.servers}
			tr := analyse(t, cfg, serverLogs(t, tc.rows, "edge", "mbx01", "mbx02")...)
			got, n := spoofedSender(tr, tc.sender), messagesFrom(tc.want)
			if got == nil || got.Messages != n || got.MostReturnsOfOne != tc.most || !slices.Equal(got.Clients, tc.want) {
				t.Errorf("spoofing %s, want %s: %d messages (most returns of one %d) from %+v", spoofers(tr.Spoofing), tc.sender, n, tc.most, tc.want)
			}
			if tc.inbound == nil {
				return
			}
			if len(tr.Loops) != 1 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			if l := tr.Loops[0]; l.Inbound != 3 || !slices.Equal(l.InboundServers, tc.inbound) {
				t.Errorf("inbound %d from %+v, want 3 from %+v", l.Inbound, l.InboundServers, tc.inbound)
			}
		})
	}
}

func spoofers(ss []audit.SpoofedSender) string {
	s := ""
	for _, x := range ss {
		s += fmt.Sprintf("[%s %d messages, most %d, from %+v] ", x.Sender, x.Messages, x.MostReturnsOfOne, x.Clients)
	}
	return s
}

// spoofedSender is sender's entry among the traffic's spoofed senders, nil
// when it is not listed.
func spoofedSender(tr *audit.Traffic, sender string) *audit.SpoofedSender {
	for i := range tr.Spoofing {
		if tr.Spoofing[i].Sender == sender {
			return &tr.Spoofing[i]
		}
	}
	return nil
}

// messagesFrom adds up the messages of clients.
func messagesFrom(clients []audit.AddressCount) int64 {
	n := int64(0)
	for _, c := range clients {
		n += c.N
	}
	return n
}
