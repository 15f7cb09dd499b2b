package mailflow_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

const (
	bot     = "bot.botnet.example"
	unknown = "unknown (original not in the logs)"
)

// ndrAttack is an NDR attack through an edge and a hub: n messages from a
// bot to made-up recipients, one every two minutes from 9:00, which the
// edge takes from outside (RECEIVE) and the hub fails and reports to their
// forged senders two and a half minutes later (FAIL, DSN), so that the
// last reports of the hour fall in the next. Every fourth report goes to a
// second outside address too, and to a colleague inside, who is no
// backscatter. Each server's rows are in time order.
func ndrAttack(n int) (edge, hub []tracking.Event) {
	victims := []string{"a@victim1.example", "b@victim2.example", "c@victim1.example"}
	for i := range n {
		at := start.Add(time.Duration(i) * 2 * time.Minute)
		id, nobody := fmt.Sprintf("<spam%d@botnet.example>", i), fmt.Sprintf("random%d@contoso.com", i)
		to := []string{victims[i%3]}
		if i%4 == 0 {
			to = append(to, "d@victim3.example", "helpdesk@contoso.com")
		}
		edge = append(edge, tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "203.0.113.66", ClientHostname: bot, ServerHostname: "EDGE01",
			ServerIP: "203.0.113.25", Sender: victims[i%3], ReturnPath: victims[i%3], Recipients: []string{nobody}, Subject: "cheap", MessageID: id, Directionality: "Incoming"})
		hub = append(hub,
			tracking.Event{Time: at.Add(time.Second), EventID: "FAIL", Source: "ROUTING", ServerHostname: "HUB01", Sender: victims[i%3], Recipients: []string{nobody},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, MessageID: id},
			tracking.Event{Time: at.Add(150 * time.Second), EventID: "DSN", Source: "DSN", ServerHostname: "HUB01", Sender: "postmaster@contoso.com", ReturnPath: "<>",
				Recipients: to, Subject: "Undeliverable: cheap", MessageID: fmt.Sprintf("<dsn%d@contoso.com>", i), Reference: id})
	}
	return edge, hub
}

// Orders in which an edge's and a hub's rows of ndrAttack may be read.
// Each message's RECEIVE is on the edge, its FAIL and DSN on the hub.
var attackOrders = []struct {
	name  string
	order func(edge, hub []tracking.Event) []tracking.Event
}{
	{"receive first", func(edge, hub []tracking.Event) []tracking.Event {
		var out []tracking.Event
		for i := range edge {
			out = append(out, edge[i], hub[2*i], hub[2*i+1])
		}
		return out
	}},
	// The hub's folder given first: its hour of rows, then the edge's.
	{"hub first", func(edge, hub []tracking.Event) []tracking.Event {
		return slices.Concat(hub, edge)
	}},
	// Ten messages at a time, the edge's rows first in one block and
	// the hub's in the next, as folders read hour by hour in an order
	// that differs from hour to hour.
	{"mixed blocks", func(edge, hub []tracking.Event) []tracking.Event {
		var out []tracking.Event
		for b := 0; b < len(edge); b += 10 {
			e, h := edge[b:min(b+10, len(edge))], hub[2*b:min(2*b+20, len(hub))]
			if b/10%2 == 0 {
				out = append(out, slices.Concat(e, h)...)
			} else {
				out = append(out, slices.Concat(h, e)...)
			}
		}
		return out
	}},
	// Every other message's report before its RECEIVE, the RECEIVE a
	// few messages later.
	{"mixed rows", func(edge, hub []tracking.Event) []tracking.Event {
		var out, late []tracking.Event
		for i := range edge {
			out = append(out, hub[2*i], hub[2*i+1])
			if i%2 == 0 {
				out = append(out, edge[i])
			} else {
				late = append(late, edge[i])
			}
			if len(late) == 3 {
				out, late = append(out, late...), nil
			}
		}
		return append(out, late...)
	}},
}

func feed(a *mailflow.Analyzer, evs []tracking.Event) {
	for i := range evs {
		a.Add(&evs[i])
	}
}

func resultOf(cfg mailflow.Config, evs []tracking.Event) *audit.Traffic {
	a := mailflow.New(cfg)
	feed(a, evs)
	return a.Result(tracking.Stats{})
}

// backscatterSection is what a result says about backscatter.
type backscatterSection struct {
	Sources   []audit.BackscatterSource
	Below     audit.BackscatterBelow
	Truncated []string
}

func sectionOf(tr *audit.Traffic) backscatterSection {
	return backscatterSection{tr.Backscatter, tr.BackscatterBelow, tr.Truncated}
}

// With an edge and a hub, the hub's FAIL and DSN of a message may be read
// before the edge's RECEIVE from outside: the reports wait for it, and are
// counted from the host that sent the originals, at their own times,
// whatever the order; the same as when every RECEIVE comes first.
func TestReportsBeforeTheirOriginalWaitForIt(t *testing.T) {
	edge, hub := ndrAttack(40)
	cfg := mailflow.Config{IsInternal: contoso}
	// The reports as counted: each DSN row's outside recipients at its
	// own time, by clock hour.
	var reports int64
	var first, last time.Time
	perHour := map[int]int64{}
	for _, e := range hub {
		if e.EventID != "DSN" {
			continue
		}
		if first.IsZero() {
			first = e.Time
		}
		last = e.Time
		for _, r := range e.Recipients {
			if r != "helpdesk@contoso.com" {
				reports++
				perHour[e.Time.Hour()]++
			}
		}
	}
	if reports != 50 || perHour[9] != 37 || perHour[10] != 13 {
		t.Fatalf("fixture: %d reports, %d at 9, %d at 10", reports, perHour[9], perHour[10])
	}
	wantTimeline := []audit.Count{{At: start, N: 37}, {At: start.Add(time.Hour), N: 13}}
	want := sectionOf(resultOf(cfg, attackOrders[0].order(edge, hub)))
	for _, o := range attackOrders {
		t.Run(o.name, func(t *testing.T) {
			got := sectionOf(resultOf(cfg, o.order(edge, hub)))
			if len(got.Sources) != 1 {
				t.Fatalf("backscatter %+v, want one source", got.Sources)
			}
			s := got.Sources[0]
			if s.Source != bot || s.Reports != reports || s.Severity != audit.High || s.PeakPerHour != 37 ||
				!s.FirstSeen.Equal(first) || !s.LastSeen.Equal(last) || !slices.Equal(s.Timeline, wantTimeline) {
				t.Errorf("source %+v\nwant %s: %d reports, high, peak 37 an hour, %v to %v, timeline %v", s, bot, reports, first, last, wantTimeline)
			}
			if s.DomainsTotal != 3 || s.Domains[0] != (audit.AddressCount{Address: "victim1.example", N: 27}) {
				t.Errorf("domains %+v of %d", s.Domains, s.DomainsTotal)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("backscatter differs from the reading with every RECEIVE first:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

// A report whose original's RECEIVE never comes is counted from an unknown
// source when the result is taken, without being settled: the RECEIVE may
// still come after a result, and then names the source; a second result
// before it counts the reports once.
func TestReportsWithoutTheirOriginal(t *testing.T) {
	edge, hub := ndrAttack(40)
	cfg := mailflow.Config{IsInternal: contoso}
	a := mailflow.New(cfg)
	feed(a, hub)
	hubOnly := sectionOf(a.Result(tracking.Stats{}))
	if len(hubOnly.Sources) != 1 || hubOnly.Sources[0].Source != unknown || hubOnly.Sources[0].Reports != 50 || hubOnly.Sources[0].PeakPerHour != 37 {
		t.Fatalf("backscatter %+v, want 50 reports from an unknown source", hubOnly.Sources)
	}
	if again := sectionOf(a.Result(tracking.Stats{})); !reflect.DeepEqual(again, hubOnly) {
		t.Errorf("a second result differs:\n%+v\n%+v", again, hubOnly)
	}
	// The same reports, counted at once, give the same figures.
	if old := sectionOf(resultOf(cfg, hub)); !reflect.DeepEqual(old, hubOnly) {
		t.Errorf("results differ")
	}
	feed(a, edge)
	want := sectionOf(resultOf(cfg, attackOrders[0].order(edge, hub)))
	if got := sectionOf(a.Result(tracking.Stats{})); !reflect.DeepEqual(got, want) || len(got.Sources) != 1 || got.Sources[0].Source != bot {
		t.Errorf("after the edge's rows: backscatter %+v, want %+v", got.Sources, want.Sources)
	}
}

// Reports wait in bounded tables: one pushed out by another original's, or
// past the bounds, is counted from an unknown source, never lost.
func TestHeldReportsAreBounded(t *testing.T) {
	edge, hub := ndrAttack(40)
	tests := []struct {
		name string
		cfg  mailflow.Config
		// bot is how many reports are tied to the bot, -1 for some but
		// not all.
		bot int64
	}{
		{"a window of four", mailflow.Config{Window: 4}, -1},
		// Ten times MaxKeys reports wait; the rest are counted at once.
		{"two keys", mailflow.Config{MaxKeys: 2}, 20},
		// One report of a message waits: the second outside address of
		// every fourth one is counted at once.
		{"one per message", mailflow.Config{MaxPerGroup: 1}, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.IsInternal, tt.cfg.MinBackscatter = contoso, 1
			tr := resultOf(tt.cfg, slices.Concat(hub, edge))
			got := map[string]int64{}
			for _, s := range tr.Backscatter {
				got[s.Source] = s.Reports
			}
			if len(got) != 2 || got[bot]+got[unknown] != 50 || tt.bot >= 0 && got[bot] != tt.bot || got[bot] == 0 || got[unknown] == 0 {
				t.Errorf("reports by source %v, want 50 in all, %d from %s", got, tt.bot, bot)
			}
		})
	}
}
