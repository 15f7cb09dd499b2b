package mailflow_test

import (
	"fmt"
	"testing"
	"time"

	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// The tables of recent messages keep two messages that meet in a slot:
// merged from two servers' logs, one message's rows come with another's
// in between. Here each pair of the attack's messages is read as two
// servers' logs merged would give them (both RECEIVEs on the edge, then
// both FAILs and reports on the hub), with tables of one pair of slots.
// With a slot a message, a message whose hash fell on the slot of the
// other lost its source: 8 of the 50 reports came from "unknown".
func TestTwoMessagesShareASlot(t *testing.T) {
	edge, hub := ndrAttack(40)
	var evs []tracking.Event
	for i := 0; i < len(edge); i += 2 {
		evs = append(evs, edge[i], edge[i+1], hub[2*i], hub[2*i+1], hub[2*i+2], hub[2*i+3])
	}
	tr := resultOf(mailflow.Config{Window: 2, IsInternal: contoso, MinBackscatter: 1}, evs)
	got := map[string]int64{}
	for _, s := range tr.Backscatter {
		got[s.Source] = s.Reports
	}
	if len(got) != 1 || got[bot] != 50 {
		t.Errorf("reports by source %v, want all 50 from %s", got, bot)
	}
}

// So does the table of the organization's own submissions: two of ann's
// messages submitted, then both coming back from outside, are both hers,
// with one pair of slots.
func TestTwoSubmissionsShareASlot(t *testing.T) {
	var evs []tracking.Event
	for i := range 20 {
		at := start.Add(time.Duration(i) * time.Minute)
		ids := []string{fmt.Sprintf("<post.%da@contoso.com>", i), fmt.Sprintf("<post.%db@contoso.com>", i)}
		for _, id := range ids {
			evs = append(evs, tracking.Event{Time: at, EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ann@contoso.com", MessageID: id, Subject: "Lunch"})
		}
		for _, id := range ids {
			back := spoofed("ann@contoso.com", "mx.partner.example", "Lunch", id)
			back.Time = at.Add(time.Second)
			evs = append(evs, back)
		}
	}
	a := mailflow.New(mailflow.Config{Window: 2, InternalDomains: []string{"contoso.com"}})
	for i := range evs {
		a.Add(&evs[i])
	}
	tr := a.Result(tracking.Stats{})
	if len(tr.Spoofing) != 1 || tr.Spoofing[0].Messages != 40 || tr.Spoofing[0].Returned != 40 {
		t.Errorf("spoofing %+v, want ann's 40 messages, all returned", tr.Spoofing)
	}
}
