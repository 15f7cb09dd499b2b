package mailflow_test

import (
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

// A Front End on another server than the mailbox server's, and a hop
// between two mailbox servers.
const (
	fe01, fe01IP   = "FE01.corp.local", "10.0.0.5"
	mbx01, mbx01IP = "MBX01.corp.local", "10.0.0.6"
	mbx02, mbx02IP = "MBX02.corp.local", "10.0.0.7"
)

var frontEndServers = []string{fe01, fe01IP, mbx01, mbx01IP, mbx02, mbx02IP}

// serverLogs writes each server's rows as its own folder's log, all of
// one hour's name, so that they are read merged by time, and returns the
// logs in the order of names: rows of one moment are read in that order.
func serverLogs(t *testing.T, rows map[string][]tracking.Event, names ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for _, name := range names {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		files = append(files, logFile(t, filepath.Join(dir, name), "MSGTRK2026030509-1.LOG", trackingtest.Fields2013, rows[name]))
	}
	return files
}

// loopMarker is a report three prefixes deep expanded by group: a loop
// whatever else the group saw, so that the result shows the group's
// figures (audit.Loop).
func loopMarker(group string, at time.Time) tracking.Event {
	return tracking.Event{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: group, Sender: "postmaster@corp.example", ReturnPath: "<>",
		Recipients: []string{"ann@corp.example"}, Subject: "Undeliverable: Undeliverable: Undeliverable: Old", MessageID: "<marker@corp.example>"}
}

// fe01 takes a forged internal sender's message from the Internet and
// proxies it to mbx01, whose RECEIVE names fe01 as client and the forger in
// original-client-ip; mbx01 routes it to mbx02, the group's expansion
// server, and that hop names the forger too. The message came from outside
// once, from the forger, whichever server's row is read first.
func TestArrivalThroughAnotherServersFrontEnd(t *testing.T) {
	const forger, group = "203.0.113.9", "all@corp.example"
	cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Groups: []mailflow.Group{{Address: group}}, Servers: frontEndServers}
	m := tracking.Event{EventID: "RECEIVE", Source: "SMTP", OriginalClientIP: forger, Sender: "ceo@corp.example", ReturnPath: "ceo@corp.example",
		Recipients: []string{group}, Subject: "Wire transfer", MessageID: "<f1@attacker.example>", NetworkMessageID: "5f0c1e2a-7d1b-4c55-9a0e-08de5b6c1a11",
		Directionality: "Incoming"}
	arrival, hop := m, m
	arrival.ClientHostname, arrival.ClientIP, arrival.ServerHostname, arrival.ServerIP = fe01, fe01IP, mbx01, mbx01IP
	hop.ClientHostname, hop.ClientIP, hop.ServerHostname, hop.ServerIP = mbx01, mbx01IP, mbx02, mbx02IP
	for _, tc := range []struct {
		name     string
		hopAfter time.Duration
		order    []string
	}{
		{"hop a second later", time.Second, []string{"mbx01", "mbx02"}},
		{"hop in the same moment, the arrival's log first", 0, []string{"mbx01", "mbx02"}},
		{"hop in the same moment, the hop's log first", 0, []string{"mbx02", "mbx01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arrival.Time, hop.Time = start, start.Add(tc.hopAfter)
			exp := hop
			exp.Time, exp.EventID, exp.Source, exp.RelatedRecipient, exp.Recipients = hop.Time.Add(time.Second), "EXPAND", "ROUTING", group, []string{"ann@corp.example", "bob@corp.example"}
			tr := analyse(t, cfg, serverLogs(t, map[string][]tracking.Event{
				"mbx01": {arrival},
				"mbx02": {hop, exp, loopMarker(group, hop.Time.Add(time.Minute))},
			}, tc.order...)...)
			from := []audit.AddressCount{{Address: forger, N: 1}}
			if len(tr.Spoofing) != 1 || tr.Spoofing[0].Messages != 1 || !slices.Equal(tr.Spoofing[0].Clients, from) {
				t.Errorf("spoofing %+v, want one message from %s", tr.Spoofing, forger)
			}
			if len(tr.Loops) != 1 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			if l := tr.Loops[0]; l.Inbound != 1 || !slices.Equal(l.InboundServers, from) {
				t.Errorf("inbound %d from %+v, want 1 from %s", l.Inbound, l.InboundServers, forger)
			}
		})
	}
}

// Seed 000 behind a Front End: a partner's broken server sends ceo's
// message back a hundred times under its one Message-ID. Each return is
// a new arrival from outside, which Exchange gives a new network-message-id,
// and is counted; each one's hop on to mbx02, which keeps the
// network-message-id and names the partner in original-client-ip too, is
// not. Through an edge likewise, its rows read before or after the hub's.
func TestReturnsThroughAFrontEndCountEachArrival(t *testing.T) {
	const user, id, partner, partnerIP = "ceo@corp.example", "<board-1@corp.example>", "mx.partner.example", "198.51.100.80"
	const edge, edgeIP, edgeInIP, hubName, hubIP = "EDGE01.corp.local", "192.0.2.25", "10.0.0.25", "HUB01.corp.local", "10.0.0.10"
	cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Servers: append(slices.Clone(frontEndServers), edge, edgeIP, edgeInIP, hubName, hubIP)}
	returns := func(through string, hopAfter time.Duration) map[string][]tracking.Event {
		rows := map[string][]tracking.Event{
			"mbx01": {{Time: start, EventID: "SUBMIT", Source: "STOREDRIVER", ServerHostname: mbx01, ServerIP: mbx01IP, Sender: user, MessageID: id, Subject: "Board pack"}},
		}
		for i := range 100 {
			at := start.Add(3*time.Minute + time.Duration(i)*30*time.Second)
			m := tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", Sender: user, ReturnPath: user, Recipients: []string{"cfo@corp.example"},
				MessageID: id, NetworkMessageID: fmt.Sprintf("%08x-0c1d-4e2f-8a3b-4c5d6e7f8091", i), Subject: "Board pack", Directionality: "Incoming"}
			arrival, hop := m, m
			hop.Time = at.Add(hopAfter)
			hop.OriginalClientIP = partnerIP
			switch through {
			case "fe01":
				arrival.ClientHostname, arrival.ClientIP, arrival.ServerHostname, arrival.ServerIP = fe01, fe01IP, mbx01, mbx01IP
				arrival.OriginalClientIP = partnerIP
				hop.ClientHostname, hop.ClientIP, hop.ServerHostname, hop.ServerIP = mbx01, mbx01IP, mbx02, mbx02IP
				rows["mbx01"] = append(rows["mbx01"], arrival)
				rows["mbx02"] = append(rows["mbx02"], hop)
			case "edge":
				arrival.ClientHostname, arrival.ClientIP, arrival.ServerHostname, arrival.ServerIP = partner, partnerIP, edge, edgeIP
				hop.ClientHostname, hop.ClientIP, hop.ServerHostname, hop.ServerIP = edge, edgeInIP, hubName, hubIP
				rows["edge"] = append(rows["edge"], arrival)
				rows["mbx01"] = append(rows["mbx01"], hop)
			}
		}
		return rows
	}
	for _, tc := range []struct {
		name    string
		rows    map[string][]tracking.Event
		order   []string
		counted string
	}{
		{"through fe01, hops a second later", returns("fe01", time.Second), []string{"mbx01", "mbx02"}, partnerIP},
		{"through fe01, hops in the same moment, their log first", returns("fe01", 0), []string{"mbx02", "mbx01"}, partnerIP},
		{"through the edge, hops a second later", returns("edge", time.Second), []string{"edge", "mbx01"}, partner},
		{"through the edge, hops in the same moment, the edge's log first", returns("edge", 0), []string{"edge", "mbx01"}, partner},
		// The hub's row, read first, is taken for the arrival: the partner
		// is named by the address it gives.
		{"through the edge, hops in the same moment, the hub's log first", returns("edge", 0), []string{"mbx01", "edge"}, partnerIP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := analyse(t, cfg, serverLogs(t, tc.rows, tc.order...)...)
			if len(tr.Spoofing) != 1 || tr.Spoofing[0].Messages != 100 || tr.Spoofing[0].Returned != 100 ||
				!slices.Equal(tr.Spoofing[0].Clients, []audit.AddressCount{{Address: tc.counted, N: 100}}) {
				t.Errorf("spoofing %+v, want 100 returns from %s", tr.Spoofing, tc.counted)
			}
		})
	}
}
