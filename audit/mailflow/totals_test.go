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

// cutListEvents is traffic in which every list the result cuts to its
// busiest entries has more entries than shown: a loop through list@ with
// six remote servers each way, five external members who also write to the
// list, four senders whose return path was rewritten to it, a spoofed
// sender from four hosts under five subjects, and backscatter to five
// domains (five reports: the runs below lower MinBackscatter to list it).
func cutListEvents() []tracking.Event {
	const list = "list@contoso.com"
	var members []string
	for k := range 5 {
		members = append(members, fmt.Sprintf("m%d@m%d.example", k, k))
	}
	var evs []tracking.Event
	for i := range 6 {
		// Rounds two minutes apart: one reporter's reports of one
		// message, each a round of its own.
		at := start.Add(time.Duration(i) * 2 * time.Minute)
		id := fmt.Sprintf("<r%d@gone.example>", i)
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientHostname: fmt.Sprintf("mx%d.gone.example", i), Sender: "postmaster@gone.example",
				Recipients: []string{list}, Subject: "Undeliverable: Closure", MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: list, Sender: "postmaster@gone.example", ReturnPath: "<>",
				Recipients: members, Subject: "Undeliverable: Closure", MessageID: id},
			tracking.Event{Time: at, EventID: "SEND", Source: "SMTP", ServerHostname: fmt.Sprintf("out%d.example", i), Recipients: members, MessageID: id},
		)
	}
	for k, m := range members {
		evs = append(evs, tracking.Event{Time: start, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: list, Sender: m,
			Recipients: members, Subject: fmt.Sprintf("hello %d", k), MessageID: fmt.Sprintf("<own%d@x>", k)})
	}
	for k := range 4 {
		evs = append(evs, tracking.Event{Time: start, EventID: "TRANSFER", Source: "ROUTING", Sender: fmt.Sprintf("s%d@far.example", k), ReturnPath: list,
			Recipients: members, MessageID: fmt.Sprintf("<rw%d@far.example>", k)})
	}
	for k := range 5 {
		evs = append(evs, tracking.Event{Time: start, EventID: "RECEIVE", Source: "SMTP", ClientHostname: fmt.Sprintf("h%d.example", k%4), Sender: "ceo@contoso.com",
			Recipients: []string{"ann@contoso.com"}, Subject: fmt.Sprintf("Invoice %d", k), MessageID: fmt.Sprintf("<sp%d@x>", k), Directionality: "Incoming"})
	}
	for k := range 5 {
		id, victim := fmt.Sprintf("<bs%d@bot.example>", k), fmt.Sprintf("v@d%d.example", k)
		evs = append(evs,
			tracking.Event{Time: start, EventID: "RECEIVE", Source: "SMTP", ClientHostname: "bot.example", Sender: victim,
				Recipients: []string{fmt.Sprintf("nobody%d@contoso.com", k)}, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: start, EventID: "FAIL", Source: "ROUTING", Recipients: []string{fmt.Sprintf("nobody%d@contoso.com", k)},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound"}, MessageID: id},
			tracking.Event{Time: start, EventID: "DSN", Source: "DSN", Sender: "postmaster@contoso.com", Recipients: []string{victim},
				MessageID: fmt.Sprintf("<dsn%d@contoso.com>", k), Reference: id},
		)
	}
	return evs
}

// A list cut to its busiest entries says how many there were, and whether
// that count itself stopped at the aggregate's cap: a summary's "and N
// more" counted from the cut list undercounts (738 reports to 280 domains
// read as 20).
func TestCutListsCarryTheirTotals(t *testing.T) {
	type tally struct {
		shown, total int
		capped       bool
	}
	lists := []struct {
		name string
		get  func(*audit.Traffic) tally
	}{
		{"loop external recipients", func(t *audit.Traffic) tally {
			l := t.Loops[0]
			return tally{len(l.External), l.ExternalTotal, l.ExternalCapped}
		}},
		{"loop re-entering members", func(t *audit.Traffic) tally {
			l := t.Loops[0]
			return tally{len(l.ReentryMembers), l.ReentryMembersTotal, l.ReentryMembersCapped}
		}},
		{"loop inbound servers", func(t *audit.Traffic) tally {
			l := t.Loops[0]
			return tally{len(l.InboundServers), l.InboundServersTotal, l.InboundServersCapped}
		}},
		{"loop outbound servers", func(t *audit.Traffic) tally {
			l := t.Loops[0]
			return tally{len(l.OutboundServers), l.OutboundServersTotal, l.OutboundServersCapped}
		}},
		{"rewritten senders", func(t *audit.Traffic) tally {
			r := t.ReturnPathRewrites[0]
			return tally{len(r.Senders), r.SendersTotal, r.SendersCapped}
		}},
		{"spoofing clients", func(t *audit.Traffic) tally {
			s := t.Spoofing[0]
			return tally{len(s.Clients), s.ClientsTotal, s.ClientsCapped}
		}},
		{"spoofing subjects", func(t *audit.Traffic) tally {
			s := t.Spoofing[0]
			return tally{len(s.Subjects), s.SubjectsTotal, s.SubjectsCapped}
		}},
		{"backscatter domains", func(t *audit.Traffic) tally {
			b := t.Backscatter[0]
			return tally{len(b.Domains), b.DomainsTotal, b.DomainsCapped}
		}},
	}
	internal := func(d string) bool { return d == "contoso.com" }
	groups := []mailflow.Group{{Address: "list@contoso.com"}}
	runs := []struct {
		name          string
		cfg           mailflow.Config
		want          []tally // in the order of lists
		wantTruncated []string
	}{
		{"under the caps: exact totals", mailflow.Config{Top: 2, IsInternal: internal, Groups: groups, MinBackscatter: 5},
			[]tally{{2, 5, false}, {2, 5, false}, {2, 6, false}, {2, 6, false}, {2, 4, false}, {2, 4, false}, {3, 5, false}, {2, 5, false}}, nil},
		{"at the caps: lower bounds, named in truncated", mailflow.Config{Top: 2, MaxPerGroup: 3, IsInternal: internal, Groups: groups, MinBackscatter: 5},
			[]tally{{2, 3, true}, {2, 3, true}, {2, 3, true}, {2, 3, true}, {2, 3, true}, {2, 3, true}, {3, 3, true}, {2, 3, true}},
			[]string{"clients per spoofed sender", "domains per backscatter source", "external recipients per group", "outside senders per group",
				"remote servers per group", "senders per rewritten return path", "subjects per spoofed sender"}},
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			a := mailflow.New(run.cfg)
			for _, ev := range cutListEvents() {
				a.Add(&ev)
			}
			tr := a.Result(tracking.Stats{})
			if len(tr.Loops) != 1 || len(tr.ReturnPathRewrites) != 1 || len(tr.Spoofing) != 1 || len(tr.Backscatter) != 1 {
				t.Fatalf("loops %d, rewrites %d, spoofing %d, backscatter %d: want one of each",
					len(tr.Loops), len(tr.ReturnPathRewrites), len(tr.Spoofing), len(tr.Backscatter))
			}
			for i, l := range lists {
				if got := l.get(tr); got != run.want[i] {
					t.Errorf("%s: shown %d of %d (capped %v), want %d of %d (capped %v)", l.name,
						got.shown, got.total, got.capped, run.want[i].shown, run.want[i].total, run.want[i].capped)
				}
			}
			if !slices.Equal(tr.Truncated, run.wantTruncated) {
				t.Errorf("truncated %q, want %q", tr.Truncated, run.wantTruncated)
			}
		})
	}
}
