package mailflow_test

import (
	"fmt"
	"testing"
	"time"

	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// With the edge's logs and the hub's, a message from outside to a group is
// logged as received twice, by the edge from the Internet and by the hub
// from the edge: one message into the group, with a directory or without,
// whether the hub's row names the Internet client in original-client-ip or
// not. Internal mail, submitted and received on the hub, counts once as
// before.
func TestGroupInboundCountsEachArrivalOnce(t *testing.T) {
	const group, hubName, hubIP = "list@corp.example", "HUB01.corp.local", "10.0.0.10"
	const edge, edgeIP, edgeInIP = "EDGE01.corp.local", "192.0.2.25", "10.0.0.25"
	members := []string{"ann@corp.example", "p@partner.example"}
	rows := func(arrivals, internal int, original string) map[string][]tracking.Event {
		at := start
		tick := func() time.Time { at = at.Add(time.Second); return at }
		rows := map[string][]tracking.Event{}
		expand := func(m tracking.Event) {
			m.Time, m.EventID, m.Source, m.RelatedRecipient, m.Recipients = tick(), "EXPAND", "ROUTING", group, members
			m.ClientHostname, m.ClientIP, m.ServerHostname, m.ServerIP = "", "", hubName, hubIP
			rows["hub"] = append(rows["hub"], m)
		}
		for i := range arrivals {
			m := tracking.Event{Time: tick(), EventID: "RECEIVE", Source: "SMTP", ClientHostname: "mx.partner.example", ClientIP: "198.51.100.7",
				ServerHostname: edge, ServerIP: edgeIP, Sender: "p@partner.example", ReturnPath: "p@partner.example", Recipients: []string{group},
				Subject: "Offer", MessageID: fmt.Sprintf("<in%d@partner.example>", i), NetworkMessageID: fmt.Sprintf("%08x-1111-4222-8333-444455556666", i),
				Directionality: "Incoming"}
			rows["edge"] = append(rows["edge"], m)
			hop := m
			hop.Time, hop.ClientHostname, hop.ClientIP, hop.ServerHostname, hop.ServerIP, hop.OriginalClientIP = tick(), edge, edgeInIP, hubName, hubIP, original
			rows["hub"] = append(rows["hub"], hop)
			expand(m)
		}
		for i := range internal {
			m := tracking.Event{Time: tick(), EventID: "SUBMIT", Source: "STOREDRIVER", ServerHostname: hubName, ServerIP: hubIP, Sender: "ann@corp.example",
				Recipients: []string{group}, Subject: "Lunch", MessageID: fmt.Sprintf("<lunch%d@corp.example>", i), Directionality: "Originating"}
			rows["hub"] = append(rows["hub"], m)
			m.Time, m.EventID, m.ClientHostname, m.ClientIP = tick(), "RECEIVE", hubName, hubIP
			rows["hub"] = append(rows["hub"], m)
			expand(m)
		}
		rows["hub"] = append(rows["hub"], loopMarker(group, tick()))
		return rows
	}
	cfg := mailflow.Config{InternalDomains: []string{"corp.example"}, Servers: []string{edge, edgeIP, edgeInIP, hubName, hubIP}}
	withDirectory := cfg
	withDirectory.Groups = []mailflow.Group{{Address: group}}
	for _, tc := range []struct {
		name string
		cfg  mailflow.Config
		rows map[string][]tracking.Event
		want int64
	}{
		{"from outside, with a directory", withDirectory, rows(10, 0, ""), 10},
		{"from outside, groups learnt from expansions", cfg, rows(10, 0, ""), 10},
		{"from outside, the hub naming the Internet client", withDirectory, rows(10, 0, "198.51.100.7"), 10},
		{"from outside and inside", withDirectory, rows(10, 5, ""), 15},
		{"internal mail", withDirectory, rows(0, 5, ""), 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, order := range [][]string{{"edge", "hub"}, {"hub", "edge"}} {
				tr := analyse(t, tc.cfg, serverLogs(t, tc.rows, order...)...)
				if len(tr.Loops) != 1 {
					t.Fatalf("%s first: loops %+v", order[0], tr.Loops)
				}
				if l := tr.Loops[0]; l.Inbound != tc.want {
					t.Errorf("%s first: inbound %d, want %d", order[0], l.Inbound, tc.want)
				}
			}
		})
	}
}
