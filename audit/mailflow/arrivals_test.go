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

// An edge in one site, beside the Front Ends and mailbox servers of
// relayed_test.go.
const edge01, edge01IP, edge01InIP = "EDGE01.corp.local", "192.0.2.25", "10.0.0.25"

// way is how a message from outside reaches the organization's logs.
type way struct {
	// through: "fe01" (mbx01's RECEIVE from fe01, which writes no logs,
	// then mbx01's hop to mbx02), "mbx01" (mbx01's Front End hands it to
	// mbx02, which hops it to mbx01) or "edge" (the edge's RECEIVE, then
	// its hop to mbx01).
	through string
	// hopAfter is when the hop's row is logged after the arrival's; the
	// hop from a Front End's server carries the members of a group the
	// arrival is for, not the group (the edge's carries the group, which
	// the hub expands).
	hopAfter time.Duration
	// noHop: the members' mailboxes are on the arrival's server.
	noHop bool
}

// arrive adds to rows the RECEIVE rows of m from outside, from the remote
// server (host, ip), by w.
func (w way) arrive(rows map[string][]tracking.Event, m tracking.Event, host, ip string) {
	m.EventID, m.Source, m.Directionality = "RECEIVE", "SMTP", "Incoming"
	arrival, hop := m, m
	hop.Time = m.Time.Add(w.hopAfter)
	hop.Recipients = nil
	for _, r := range m.Recipients {
		if r != "all@corp.example" {
			hop.Recipients = append(hop.Recipients, r)
		}
	}
	if len(hop.Recipients) == 0 {
		hop.Recipients = []string{"ann@corp.example", "bob@corp.example"}
	}
	hop.OriginalClientIP = ip
	var first, next string
	switch w.through {
	case "fe01":
		arrival.ClientHostname, arrival.ClientIP, arrival.ServerHostname, arrival.ServerIP, arrival.OriginalClientIP = fe01, fe01IP, mbx01, mbx01IP, ip
		hop.ClientHostname, hop.ClientIP, hop.ServerHostname, hop.ServerIP = mbx01, mbx01IP, mbx02, mbx02IP
		first, next = "mbx01", "mbx02"
	case "mbx01":
		arrival.ClientHostname, arrival.ClientIP, arrival.ServerHostname, arrival.ServerIP, arrival.OriginalClientIP = mbx01, mbx01IP, mbx02, mbx02IP, ip
		hop.ClientHostname, hop.ClientIP, hop.ServerHostname, hop.ServerIP = mbx02, mbx02IP, mbx01, mbx01IP
		first, next = "mbx02", "mbx01"
	case "edge":
		arrival.ClientHostname, arrival.ClientIP, arrival.ServerHostname, arrival.ServerIP = host, ip, edge01, edge01IP
		hop.ClientHostname, hop.ClientIP, hop.ServerHostname, hop.ServerIP = edge01, edge01InIP, mbx01, mbx01IP
		hop.Recipients = m.Recipients
		first, next = "edge", "mbx01"
	}
	rows[first] = append(rows[first], arrival)
	if !w.noHop {
		rows[next] = append(rows[next], hop)
	}
}

// submit is ann's SUBMIT of id on mbx01, at start: the message is hers,
// each arrival of it a return, counted each time.
func submit(sender, id string) tracking.Event {
	return tracking.Event{Time: start, EventID: "SUBMIT", Source: "STOREDRIVER", ServerHostname: mbx01, ServerIP: mbx01IP, Sender: sender,
		MessageID: id, Subject: "Newsletter"}
}

var arrivalServers = []string{fe01, fe01IP, mbx01, mbx01IP, mbx02, mbx02IP, edge01, edge01IP, edge01InIP}

// netID is a network-message-id of arrival i, "" when without is set (an
// export selected without the column).
func netID(i int, without bool) string {
	if without {
		return ""
	}
	return fmt.Sprintf("%08x-2b3c-4d5e-8f60-718293a4b5c6", i)
}

// A row of another server naming the same outside client under the same
// Message-ID is a hop of the arrival only while it can be one: the
// network-message-ids say so when both rows have one; without them, a
// server logs each arrival once, and a hop comes within minutes. Seed 000
// behind another server's Front End, in an export without the ids, is a
// hundred arrivals, not one; a forgery reusing the Message-ID of a
// partner's message that came through the edge ten minutes before is one
// of its own, not a hop of the partner's.
func TestArrivalsAreToldFromHops(t *testing.T) {
	const ann, id, remote, remoteIP = "ann@corp.example", "<M0@MBX01.corp.local>", "mx.remote.example", "198.51.100.7"
	cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Servers: arrivalServers}
	byMBX01 := way{through: "mbx01", hopAfter: 600 * time.Millisecond}
	byEdge := way{through: "edge", hopAfter: 600 * time.Millisecond}
	returns := func(ways []way, noNet bool) map[string][]tracking.Event {
		rows := map[string][]tracking.Event{"mbx01": {submit(ann, id)}}
		for i := range 100 {
			m := tracking.Event{Time: start.Add(time.Minute + time.Duration(i)*20*time.Second), Sender: ann, ReturnPath: ann,
				Recipients: []string{ann, "bob@corp.example"}, Subject: "Newsletter", MessageID: id, NetworkMessageID: netID(i, noNet)}
			ways[i%len(ways)].arrive(rows, m, remote, remoteIP)
		}
		return rows
	}
	// forgery: a partner's harmless message through the edge, then ceo@
	// to all@ through mbx01's Front End under its Message-ID.
	forgery := func(after time.Duration, noNet bool) map[string][]tracking.Event {
		rows := map[string][]tracking.Event{}
		const x1 = "<x1@partner.example>"
		byEdge.arrive(rows, tracking.Event{Time: start.Add(time.Minute), Sender: "someone@partner.example",
			ReturnPath: "someone@partner.example", Recipients: []string{ann}, Subject: "hello", MessageID: x1, NetworkMessageID: netID(1, noNet)},
			"mail.partner.example", "198.51.100.99")
		way{through: "mbx01", noHop: true}.arrive(rows, tracking.Event{Time: start.Add(time.Minute + after), Sender: "ceo@corp.example",
			ReturnPath: "ceo@corp.example", Recipients: []string{"all@corp.example"}, Subject: "Wire transfer today", MessageID: x1,
			NetworkMessageID: netID(2, noNet)}, "bad.attacker.example", "203.0.113.9")
		return rows
	}
	for _, tc := range []struct {
		name   string
		rows   map[string][]tracking.Event
		sender string
		want   []audit.AddressCount
	}{
		{"seed 000 through another server's Front End", returns([]way{byMBX01}, false), ann, []audit.AddressCount{{Address: remoteIP, N: 100}}},
		{"seed 000 through another server's Front End, without network-message-ids", returns([]way{byMBX01}, true), ann,
			[]audit.AddressCount{{Address: remoteIP, N: 100}}},
		// The Front End's rows name the remote server by address, the
		// edge's by name: one server, named as the edge's rows name it.
		{"seed 000 through a Front End and the edge in turn", returns([]way{byEdge, byMBX01}, false), ann,
			[]audit.AddressCount{{Address: remote, N: 100}}},
		{"a forgery under the Message-ID of a message through the edge", forgery(10*time.Minute, false), "ceo@corp.example",
			[]audit.AddressCount{{Address: "203.0.113.9", N: 1}}},
		{"a forgery under the Message-ID of a message through the edge, without network-message-ids", forgery(10*time.Minute, true), "ceo@corp.example",
			[]audit.AddressCount{{Address: "203.0.113.9", N: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := analyse(t, cfg, serverLogs(t, tc.rows, "edge", "mbx01", "mbx02")...)
			got, n := spoofedSender(tr, tc.sender), messagesFrom(tc.want)
			if got == nil || got.Messages != n || !slices.Equal(got.Clients, tc.want) {
				t.Errorf("spoofing %+v, want %s: %d messages from %+v", tr.Spoofing, tc.sender, n, tc.want)
			}
		})
	}
}

// The arrival's own row is the one for the group; the hop to the server of
// the members' mailboxes is for them. Read after the hop's row (the hop's
// server's clock ahead, or both in one second of per-server exports), it is
// the repeat of the arrival the hop's row was taken for, and it still
// counts the message into the group, from its remote server.
func TestArrivalReadAfterItsHopCountsIntoTheGroup(t *testing.T) {
	const forger = "203.0.113.9"
	cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Groups: []mailflow.Group{{Address: "all@corp.example"}}, Servers: arrivalServers}
	forged := func(w way) map[string][]tracking.Event {
		rows := map[string][]tracking.Event{}
		for i := range 5 {
			w.arrive(rows, tracking.Event{Time: start.Add(time.Minute + time.Duration(i)*30*time.Second), Sender: "ceo@corp.example", ReturnPath: "ceo@corp.example",
				Recipients: []string{"all@corp.example"}, Subject: fmt.Sprintf("Wire transfer %d", i), MessageID: fmt.Sprintf("<f%d@attacker.example>", i),
				NetworkMessageID: netID(i, false)}, "bad.attacker.example", forger)
		}
		rows["mbx02"] = append(rows["mbx02"], loopMarker("all@corp.example", start.Add(time.Hour)))
		return rows
	}
	for _, tc := range []struct {
		name  string
		w     way
		order []string
	}{
		{"the hop's server's clock ahead", way{through: "mbx01", hopAfter: -300 * time.Millisecond}, []string{"mbx01", "mbx02"}},
		{"one second of per-server exports, the hop's first", way{through: "mbx01"}, []string{"mbx01", "mbx02"}},
		{"one second of per-server exports, the arrival's first", way{through: "mbx01"}, []string{"mbx02", "mbx01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := analyse(t, cfg, serverLogs(t, forged(tc.w), tc.order...)...)
			from := []audit.AddressCount{{Address: forger, N: 5}}
			if len(tr.Loops) != 1 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			if l := tr.Loops[0]; l.Inbound != 5 || !slices.Equal(l.InboundServers, from) {
				t.Errorf("inbound %d from %+v, want 5 from %s", l.Inbound, l.InboundServers, forger)
			}
			if len(tr.Spoofing) != 1 || tr.Spoofing[0].Messages != 5 {
				t.Errorf("spoofing %+v, want 5 messages", tr.Spoofing)
			}
		})
	}
}

// A dedicated Front End writes no tracking logs, so it is none of the
// servers the logs name: its client, in original-client-ip of the mailbox
// server's RECEIVE from it, is the remote server, not the Front End. Behind
// a filtering gateway on a private address, the gateway is. A relay client
// the user named (a scanner) is not from outside through it either.
func TestDedicatedFrontEndNamesItsClient(t *testing.T) {
	const ann, id, scanner = "ann@corp.example", "<M0@MBX01.corp.local>", "10.0.5.20"
	cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Groups: []mailflow.Group{{Address: "all@corp.example"}},
		Servers: []string{mbx01, mbx01IP, mbx02, mbx02IP, scanner}}
	for _, tc := range []struct {
		name, sender, client string
		messages             int
		sameID               bool
	}{
		{"seed 000", ann, "198.51.100.7", 100, true},
		{"forgeries", "ceo@corp.example", "203.0.113.9", 5, false},
		{"behind a filtering gateway", "ceo@corp.example", "10.20.0.25", 5, false},
		{"a relay client", "scanner@corp.example", scanner, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := map[string][]tracking.Event{"mbx01": {submit(ann, id)}}
			for i := range max(tc.messages, 5) {
				msgID := id
				if !tc.sameID {
					msgID = fmt.Sprintf("<f%d@attacker.example>", i)
				}
				way{through: "fe01", hopAfter: 200 * time.Millisecond}.arrive(rows, tracking.Event{Time: start.Add(time.Minute + time.Duration(i)*20*time.Second), Sender: tc.sender,
					ReturnPath: tc.sender, Recipients: []string{"all@corp.example", ann}, Subject: "Newsletter", MessageID: msgID,
					NetworkMessageID: netID(i, false)}, "", tc.client)
			}
			rows["mbx01"] = append(rows["mbx01"], loopMarker("all@corp.example", start.Add(time.Hour)))
			tr := analyse(t, cfg, serverLogs(t, rows, "mbx01", "mbx02")...)
			if tc.messages == 0 {
				if len(tr.Spoofing) != 0 {
					t.Errorf("spoofing %+v, want none", tr.Spoofing)
				}
				return
			}
			from := []audit.AddressCount{{Address: tc.client, N: int64(tc.messages)}}
			if len(tr.Spoofing) != 1 || tr.Spoofing[0].Messages != int64(tc.messages) || !slices.Equal(tr.Spoofing[0].Clients, from) {
				t.Errorf("spoofing %+v, want %d messages from %s", tr.Spoofing, tc.messages, tc.client)
			}
			if len(tr.Loops) != 1 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			if l := tr.Loops[0]; l.Inbound != int64(tc.messages) || !slices.Equal(l.InboundServers, from) {
				t.Errorf("inbound %d from %+v, want %d from %s", l.Inbound, l.InboundServers, tc.messages, tc.client)
			}
		})
	}
}

// The hub's row of an edge's arrival, read after the arrival left the table
// of recent ones (a busy edge's export read before the hub's), is taken
// for an arrival, named by the Internet client's address where the edge's
// row named it by name: the remote server is named once, as the edge's rows
// name it.
func TestEdgeArrivalsNameTheirServerOnce(t *testing.T) {
	const forger, attacker = "203.0.113.9", "bad.attacker.example"
	cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Groups: []mailflow.Group{{Address: "all@corp.example"}}, Servers: arrivalServers,
		Window: 2}
	rows := map[string][]tracking.Event{}
	for i := range 10 {
		// The first hop is read before the next arrival; the others after
		// two more, when the table of two has let their arrival go.
		w := way{through: "edge", hopAfter: 65 * time.Second}
		if i == 0 {
			w.hopAfter = time.Second
		}
		w.arrive(rows, tracking.Event{Time: start.Add(time.Minute + time.Duration(i)*30*time.Second), Sender: "ceo@corp.example", ReturnPath: "ceo@corp.example",
			Recipients: []string{"all@corp.example"}, Subject: fmt.Sprintf("Wire transfer %d", i), MessageID: fmt.Sprintf("<f%d@attacker.example>", i),
			NetworkMessageID: netID(i, false)}, attacker, forger)
	}
	rows["mbx01"] = append(rows["mbx01"], loopMarker("all@corp.example", start.Add(time.Hour)))
	tr := analyse(t, cfg, serverLogs(t, rows, "edge", "mbx01")...)
	if len(tr.Loops) != 1 {
		t.Fatalf("loops %+v", tr.Loops)
	}
	if l := tr.Loops[0]; len(l.InboundServers) != 1 || l.InboundServers[0].Address != attacker {
		t.Errorf("inbound servers %+v, want %s alone", l.InboundServers, attacker)
	}
	// How many messages is not asked: the table of two that let the
	// arrivals go forgets the messages counted too.
	if len(tr.Spoofing) != 1 || len(tr.Spoofing[0].Clients) != 1 || tr.Spoofing[0].Clients[0].Address != attacker {
		t.Errorf("spoofing %+v, want messages from %s alone", tr.Spoofing, attacker)
	}
}
