package mailflow_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// An edge server takes mail from the Internet on its outside address and
// relays it from its inside one to the hub, which expands, delivers,
// bounces, and sends mail for outside back through the edge. Both log
// every hop of mail from outside as Incoming.
type host struct{ name, fqdn, ip string }

var (
	edgeOut = host{"EDGE01", "EDGE01.contoso.com", "203.0.113.25"}
	edgeIn  = host{"EDGE01", "EDGE01.contoso.com", "10.1.0.25"}
	hub     = host{"HUB01", "HUB01.contoso.com", "10.1.0.10"}
)

// twoServers returns each server's rows, in time order.
func twoServers() (edge, hubRows []tracking.Event) {
	at := start
	tick := func() time.Time { at = at.Add(time.Second); return at }
	// hop is a message passing from one server to the next: the sender's
	// SEND and the receiver's RECEIVE.
	hop := func(from, to host, m tracking.Event) (send, recv tracking.Event) {
		send, recv = m, m
		send.Time, send.EventID, send.Source = tick(), "SEND", "SMTP"
		send.ClientHostname, send.ClientIP, send.ServerHostname, send.ServerIP = from.fqdn, from.ip, to.fqdn, to.ip
		recv.Time, recv.EventID, recv.Source = tick(), "RECEIVE", "SMTP"
		recv.ClientHostname, recv.ClientIP, recv.ServerHostname, recv.ServerIP = from.fqdn, from.ip, to.name, to.ip
		return send, recv
	}
	// inbound is a message from the Internet: the edge receives it and
	// hands it to the hub.
	inbound := func(client, clientIP string, m tracking.Event) {
		r := m
		r.Time, r.EventID, r.Source = tick(), "RECEIVE", "SMTP"
		r.ClientHostname, r.ClientIP, r.ServerHostname, r.ServerIP = client, clientIP, edgeOut.name, edgeOut.ip
		send, recv := hop(edgeIn, hub, m)
		edge = append(edge, r, send)
		hubRows = append(hubRows, recv)
	}
	// outbound is the hub's mail for outside: through the edge to the
	// recipient's server.
	outbound := func(m tracking.Event, mx string) {
		send, recv := hop(hub, edgeIn, m)
		hubRows = append(hubRows, send)
		out := m
		out.Time, out.EventID, out.Source = tick(), "SEND", "SMTP"
		out.ClientHostname, out.ClientIP, out.ServerHostname, out.ServerIP = edgeOut.fqdn, edgeOut.ip, mx, "198.51.100.200"
		edge = append(edge, recv, out)
	}
	const list = "partners@contoso.com"
	members := []string{"p@partner.example", "stale@gone.example"}
	// The list's copies for outside leave once the flood has passed, when
	// the edge no longer has the message in its recent tables.
	var queued []tracking.Event
	for i := range 30 {
		// A spoofed sender writes to a colleague; every fifth message to
		// the partners' list, which sends it back out.
		m := tracking.Event{Sender: "ceo@contoso.com", ReturnPath: "ceo@contoso.com", Recipients: []string{"ann@contoso.com"},
			Subject: "Wire transfer", MessageID: fmt.Sprintf("<spoof%d@attacker.example>", i), Directionality: "Incoming"}
		if i%5 == 0 {
			m.Recipients = []string{list}
		}
		inbound("mail.attacker.example", "198.51.100.66", m)
		if i%5 == 0 {
			exp := m
			exp.Time, exp.EventID, exp.Source, exp.RelatedRecipient, exp.Recipients = tick(), "EXPAND", "ROUTING", list, members
			exp.ServerHostname = hub.name
			hubRows = append(hubRows, exp)
			m.Recipients = members
			queued = append(queued, m)
		}
	}
	for _, m := range queued {
		outbound(m, "mx.partner.example")
	}
	for i := range 4 {
		// A stale member's server bounces to the list, which expands the
		// bounce to the stale member again: a loop.
		m := tracking.Event{Sender: "postmaster@gone.example", ReturnPath: "<>", Recipients: []string{list},
			Subject: "Undeliverable: Closure", MessageID: fmt.Sprintf("<ndr%d@gone.example>", i), Directionality: "Incoming"}
		inbound("mx.gone.example", "198.51.100.20", m)
		exp := m
		exp.Time, exp.EventID, exp.Source, exp.RelatedRecipient, exp.Recipients = tick(), "EXPAND", "ROUTING", list, members
		hubRows = append(hubRows, exp)
		m.Recipients = members
		outbound(m, "mx.gone.example")
	}
	for i := range 6 {
		// Mail for made-up recipients: the hub fails it and reports to the
		// forged sender, who is outside.
		victim := fmt.Sprintf("v%d@victim.example", i)
		id, nobody := fmt.Sprintf("<bs%d@botnet.example>", i), fmt.Sprintf("nobody%d@contoso.com", i)
		inbound("bot.botnet.example", "203.0.113.66", tracking.Event{Sender: victim, ReturnPath: victim, Recipients: []string{nobody}, Subject: "cheap",
			MessageID: id, Directionality: "Incoming"})
		hubRows = append(hubRows,
			tracking.Event{Time: tick(), EventID: "FAIL", Source: "ROUTING", ServerHostname: hub.name, Recipients: []string{nobody},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound"}, MessageID: id},
			tracking.Event{Time: tick(), EventID: "DSN", Source: "DSN", ServerHostname: hub.name, Sender: "postmaster@contoso.com", ReturnPath: "<>",
				Recipients: []string{victim}, Subject: "Undeliverable: cheap", MessageID: fmt.Sprintf("<dsn%d@contoso.com>", i), Reference: id})
	}
	for i := range 5 {
		// An outside autoresponder and Bob's out-of-office reply to it.
		inbound("mx.vendor.example", "198.51.100.9", tracking.Event{Sender: "helpdesk@vendor.example", ReturnPath: "<>", Recipients: []string{"bob@contoso.com"},
			Subject: "Automatic reply: Ticket", MessageID: fmt.Sprintf("<oofin%d@vendor.example>", i), Directionality: "Incoming"})
		outbound(tracking.Event{Sender: "bob@contoso.com", ReturnPath: "<>", Recipients: []string{"helpdesk@vendor.example"}, Subject: "Automatic reply: Ticket",
			MessageID: fmt.Sprintf("<oofout%d@contoso.com>", i), Directionality: "Originating"}, "mx.vendor.example")
	}
	return edge, hubRows
}

// readAsTrace reads folders as dgaudit trace does: the files found in each,
// in the order given, with the servers named from their first rows.
func readAsTrace(t *testing.T, cfg mailflow.Config, dirs ...string) *audit.Traffic {
	t.Helper()
	files, err := tracking.Expand(dirs)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Servers, err = tracking.Servers(context.Background(), files); err != nil {
		t.Fatal(err)
	}
	return analyse(t, cfg, files...)
}

// A message an edge server relayed to the hub is logged as received from
// outside twice, once on each. The hub's RECEIVE, whose client is the edge,
// is an internal hop: not a second spoofed message, not a remote server
// sending into a group, not the source of a backscatter report, not a
// second automatic reply from outside. Whether the edge's folder or the
// hub's is read first, and however far apart a message's rows are (a
// window of four slots ties none of them across the two folders), the
// evidence is the same.
func TestRelayBetweenOwnServersIsNoOutsideMail(t *testing.T) {
	dir := t.TempDir()
	edge, hubRows := twoServers()
	for name, evs := range map[string][]tracking.Event{"edge": edge, "hub": hubRows} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		logFile(t, filepath.Join(dir, name), "MSGTRK2026030509-1.LOG", trackingtest.Fields2013, evs)
	}
	// The directory knows the list: groups inferred from expansions would
	// be known only from the hub's first expansion on.
	// Six reports of backscatter: under the default threshold of ten.
	cfg := mailflow.Config{IsInternal: func(d string) bool { return d == "contoso.com" }, Groups: []mailflow.Group{{Address: "partners@contoso.com"}}, MinBackscatter: 5}
	ownNames := []string{"edge01", "edge01.contoso.com", "203.0.113.25", "10.1.0.25", "hub01", "hub01.contoso.com", "10.1.0.10"}
	spoofed := slices.DeleteFunc(slices.Clone(edge), func(e tracking.Event) bool {
		return e.EventID != "RECEIVE" || e.ClientHostname != "mail.attacker.example"
	})
	wantSpoof := []audit.SpoofedSender{{Sender: "ceo@contoso.com", Messages: 30, Recipients: 30, FirstSeen: spoofed[0].Time, LastSeen: spoofed[len(spoofed)-1].Time,
		Clients: []audit.AddressCount{{Address: "mail.attacker.example", N: 30}}, ClientsTotal: 1, Subjects: []string{"Wire transfer"}, SubjectsTotal: 1}}
	wantIn := []audit.AddressCount{{Address: "mail.attacker.example", N: 6}, {Address: "mx.gone.example", N: 4}}
	var first *audit.Traffic
	for _, order := range [][]string{{"edge", "hub"}, {"hub", "edge"}} {
		for _, window := range []int{0, 4} {
			t.Run(fmt.Sprintf("%s first, window %d", order[0], window), func(t *testing.T) {
				cfg.Window = window
				tr := readAsTrace(t, cfg, filepath.Join(dir, order[0]), filepath.Join(dir, order[1]))
				if len(tr.Spoofing) != 1 || !slices.EqualFunc(tr.Spoofing, wantSpoof, equalSpoof) {
					t.Errorf("spoofing %+v, want %+v", tr.Spoofing, wantSpoof)
				}
				if len(tr.Loops) != 1 {
					t.Fatalf("loops %+v", tr.Loops)
				}
				if l := tr.Loops[0]; !slices.Equal(l.InboundServers, wantIn) || l.InboundServersTotal != 2 {
					t.Errorf("inbound servers %+v of %d, want %+v", l.InboundServers, l.InboundServersTotal, wantIn)
				}
				// Six forged messages and four bounces came into the list,
				// each logged by the edge and by the hub.
				if l := tr.Loops[0]; l.Inbound != 10 {
					t.Errorf("inbound %d, want 10", l.Inbound)
				}
				for _, b := range tr.Backscatter {
					if slices.Contains(ownNames, b.Source) {
						t.Errorf("backscatter source %s is the organization's own server", b.Source)
					}
				}
				// Rows close enough to be tied together show where the
				// mail for made-up recipients came from, whichever
				// folder is read first: a report read before its
				// original's RECEIVE waits for it.
				if window == 0 && (len(tr.Backscatter) != 1 || tr.Backscatter[0].Source != "bot.botnet.example" || tr.Backscatter[0].Reports != 6) {
					t.Errorf("backscatter %+v, want 6 reports from bot.botnet.example", tr.Backscatter)
				}
				if len(tr.OOFStorms) != 1 || tr.OOFStorms[0].In != 5 {
					t.Errorf("storms %+v, want 5 automatic replies in", tr.OOFStorms)
				}
				if first == nil {
					first = tr
				} else if !slices.EqualFunc(tr.Spoofing, first.Spoofing, equalSpoof) || !slices.Equal(tr.Loops[0].InboundServers, first.Loops[0].InboundServers) {
					t.Errorf("evidence differs with the order of the folders")
				}
			})
		}
	}
}

func equalSpoof(x, y audit.SpoofedSender) bool {
	return x.Sender == y.Sender && x.Messages == y.Messages && x.Recipients == y.Recipients && x.FirstSeen.Equal(y.FirstSeen) && x.LastSeen.Equal(y.LastSeen) &&
		slices.Equal(x.Clients, y.Clients) && x.ClientsTotal == y.ClientsTotal && x.ClientsCapped == y.ClientsCapped &&
		slices.Equal(x.Subjects, y.Subjects) && x.SubjectsTotal == y.SubjectsTotal && x.SubjectsCapped == y.SubjectsCapped
}

// Which RECEIVE is from outside when one server's logs are read: a
// private address is no proof of an internal hop on Exchange 2013 and
// later, since a filtering gateway hands over all Internet mail from one;
// logs without directionality (Exchange 2007 and 2010) take a private
// address as inside, as they must to keep internal applications' relay
// out; and a server the logs name is inside in both, whatever its address.
func TestWhichClientIsOutside(t *testing.T) {
	spoofed := func(client, ip, direction string) tracking.Event {
		return tracking.Event{Time: start, EventID: "RECEIVE", Source: "SMTP", ClientHostname: client, ClientIP: ip, ServerHostname: "HUB01", ServerIP: "10.1.0.10",
			Sender: "ceo@contoso.com", Recipients: []string{"ann@contoso.com"}, Subject: "Wire transfer", Directionality: direction}
	}
	// The edge, in a perimeter network with public addresses, names
	// itself in its own log.
	edgeLog := []tracking.Event{
		{Time: start, EventID: "RECEIVE", Source: "SMTP", ClientHostname: "mx.partner.example", ClientIP: "198.51.100.7", ServerHostname: "EDGE01", ServerIP: "192.0.2.25",
			Sender: "x@partner.example", Recipients: []string{"ann@contoso.com"}, MessageID: "<edge@x>"},
	}
	for _, tc := range []struct {
		name   string
		fields []string
		row    tracking.Event
		// want is the client the spoofed message is counted from, "" when
		// it is not counted.
		want string
	}{
		{"2013: public address", trackingtest.Fields2013, spoofed("mail.attacker.example", "198.51.100.66", "Incoming"), "mail.attacker.example"},
		{"2013: a gateway's private address", trackingtest.Fields2013, spoofed("gw.contoso.local", "10.1.0.99", "Incoming"), "gw.contoso.local"},
		{"2013: own server's address", trackingtest.Fields2013, spoofed("EDGE01.contoso.com", "192.0.2.25", "Incoming"), ""},
		{"2013: own server's name from a private address", trackingtest.Fields2013, spoofed("edge01", "10.200.0.1", "Incoming"), ""},
		{"2013: own server's name from a public address", trackingtest.Fields2013, spoofed("EDGE01", "198.51.100.66", "Incoming"), "edge01"},
		{"2013: originating", trackingtest.Fields2013, spoofed("mail.attacker.example", "198.51.100.66", "Originating"), ""},
		{"2007: public address", trackingtest.Fields2007, spoofed("mail.attacker.example", "198.51.100.66", ""), "mail.attacker.example"},
		{"2007: private address", trackingtest.Fields2007, spoofed("app.contoso.local", "10.1.0.99", ""), ""},
		{"2007: own server's public address", trackingtest.Fields2007, spoofed("edge01.contoso.com", "192.0.2.25", ""), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.row.MessageID = "<hub@x>"
			edge := logFile(t, dir, "MSGTRK-edge.LOG", tc.fields, edgeLog)
			hubLog := logFile(t, dir, "MSGTRK-hub.LOG", tc.fields, []tracking.Event{tc.row})
			tr := readAsTrace(t, mailflow.Config{InternalDomains: []string{"contoso.com"}}, hubLog, edge)
			var want []audit.AddressCount
			if tc.want != "" {
				want = []audit.AddressCount{{Address: tc.want, N: 1}}
			}
			var got []audit.AddressCount
			if len(tr.Spoofing) > 0 {
				got = tr.Spoofing[0].Clients
			}
			if len(tr.Spoofing) > 1 || !slices.Equal(got, want) {
				t.Errorf("spoofing %+v, want one message from %q", tr.Spoofing, tc.want)
			}
		})
	}
}
