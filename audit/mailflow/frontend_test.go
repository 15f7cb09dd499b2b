package mailflow_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// On Exchange 2013 and later the Front End Transport service takes mail on
// port 25 and hands it to the Transport service on the same server, whose
// RECEIVE names the server itself as client and the real client in
// original-client-ip. On a single server facing the Internet every RECEIVE
// looks so: it must not be taken for a hop between the organization's own
// servers, or no spoofed sender is ever found there.
func TestFrontEndOnTheSameServer(t *testing.T) {
	const ex01, ex01IP, edgeIP = "EX01.corp.local", "10.1.0.5", "10.1.0.9"
	cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Servers: []string{ex01, ex01IP, "EDGE01.corp.local", edgeIP}}
	var evs []tracking.Event
	for i := range 12 {
		original := "203.0.113.66" // the forger, straight to EX01
		if i%3 == 0 {
			original = edgeIP // relayed by the edge, whose own RECEIVE counts
		}
		evs = append(evs, tracking.Event{Time: start.Add(time.Duration(i) * time.Minute), EventID: "RECEIVE", Source: "SMTP",
			ClientIP: ex01IP, ClientHostname: ex01, ServerIP: ex01IP, ServerHostname: ex01, OriginalClientIP: original,
			Sender: "ceo@corp.example", Recipients: []string{"ann@corp.example"}, Subject: "Wire transfer",
			MessageID: fmt.Sprintf("<s%d@attacker.example>", i), Directionality: "Incoming"})
	}
	// A hub's SEND to the edge is no remote server of the list.
	evs = append(evs,
		tracking.Event{Time: start, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: "all@corp.example", Sender: "ann@corp.example",
			Recipients: []string{"p@partner.example"}, Subject: "Hello", MessageID: "<h@corp.example>"},
		tracking.Event{Time: start, EventID: "SEND", Source: "SMTP", ClientHostname: ex01, ServerHostname: "EDGE01.corp.local", ServerIP: edgeIP,
			Sender: "ann@corp.example", Recipients: []string{"p@partner.example"}, MessageID: "<h@corp.example>"},
	)
	tr := analyse(t, cfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, evs))
	if len(tr.Spoofing) != 1 || tr.Spoofing[0].Messages != 8 ||
		!slices.Equal(tr.Spoofing[0].Clients, []audit.AddressCount{{Address: "203.0.113.66", N: 8}}) {
		t.Errorf("spoofing %+v, want 8 messages from 203.0.113.66", tr.Spoofing)
	}
}

// The list's SEND rows to an own server do not name it among the remote
// servers a loop's copies went to.
func TestLoopOutboundServersLeaveOutOwnServers(t *testing.T) {
	evs := listMember(5, 20*time.Second)
	for i := range evs {
		if evs[i].EventID == "SEND" && i%2 == 0 {
			evs[i].ServerHostname, evs[i].ServerIP = "EDGE01.corp.local", "10.1.0.9"
		}
	}
	cfg := roundsCfg
	cfg.Servers = []string{"EDGE01.corp.local", "10.1.0.9"}
	// Without RECEIVE rows from outside (the edge's folder not given): the
	// returns are found all the same.
	evs = slices.DeleteFunc(evs, func(e tracking.Event) bool { return e.EventID == "RECEIVE" })
	tr := analyse(t, cfg, logFile(t, t.TempDir(), "MSGTRK1.LOG", trackingtest.Fields2013, evs))
	if len(tr.Loops) != 1 || !slices.Contains(tr.Loops[0].Signals, "message-reentry") {
		t.Fatalf("loops %+v", tr.Loops)
	}
	for _, s := range tr.Loops[0].OutboundServers {
		if s.Address == "edge01.corp.local" {
			t.Errorf("outbound servers %+v name the edge", tr.Loops[0].OutboundServers)
		}
	}
}

// An automatic reply leaving through the edge is logged twice, by the hub's
// SEND to the edge and by the edge's SEND out; read a folder apart, they
// are still one reply out.
func TestAutoReplyOutThroughTheEdgeCountsOnce(t *testing.T) {
	cfg := mailflow.Config{InternalDomains: []string{"contoso.com"}, Servers: []string{"EDGE01.corp.local", "10.1.0.9"}, Window: 4}
	var hub, edge []tracking.Event
	for i := range 5 {
		at := start.Add(time.Duration(i) * time.Minute)
		in := tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.9", ClientHostname: "mx.vendor.example",
			Sender: "helpdesk@vendor.example", ReturnPath: "<>", Recipients: []string{"bob@contoso.com"}, Subject: "Automatic reply: Ticket",
			MessageID: fmt.Sprintf("<in%d@vendor.example>", i), Directionality: "Incoming"}
		out := tracking.Event{Time: at.Add(time.Second), EventID: "SEND", Source: "SMTP", ServerHostname: "EDGE01.corp.local", ServerIP: "10.1.0.9",
			Sender: "bob@contoso.com", ReturnPath: "<>", Recipients: []string{"helpdesk@vendor.example"}, Subject: "Automatic reply: Ticket",
			MessageID: fmt.Sprintf("<out%d@contoso.com>", i), Directionality: "Originating"}
		hub = append(hub, out)
		edge = append(edge, in)
		out.ServerHostname, out.ServerIP = "mx.vendor.example", "198.51.100.9"
		edge = append(edge, out)
	}
	// Filler between the folders pushes the hub's rows out of the window.
	for i := range 50 {
		hub = append(hub, tracking.Event{Time: start, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"ann@contoso.com"}, MessageID: fmt.Sprintf("<f%d@x>", i)})
	}
	dir := t.TempDir()
	tr := analyse(t, cfg, logFile(t, dir, "hub.LOG", trackingtest.Fields2013, hub), logFile(t, dir, "edge.LOG", trackingtest.Fields2013, edge))
	if len(tr.OOFStorms) != 1 || tr.OOFStorms[0].Out != 5 || tr.OOFStorms[0].In != 5 {
		t.Errorf("storms %+v, want 5 out and 5 in", tr.OOFStorms)
	}
}
