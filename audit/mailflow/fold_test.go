package mailflow_test

import (
	"fmt"
	"testing"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// An address written in several case forms, non-ASCII letters among them,
// is one key in every aggregate and meets the group address the directory
// lower-cased. Before, a form with no ASCII capital ("Équipe@…") kept its
// capital É while one with ASCII capitals was folded whole, so one sender
// was reported twice and a group's rows were half lost.
func TestNonASCIIAddressCaseFormsMeet(t *testing.T) {
	received := func(senders ...string) []tracking.Event {
		var evs []tracking.Event
		for i, s := range senders {
			evs = append(evs, tracking.Event{Time: start, EventID: "RECEIVE", Source: "SMTP", Directionality: "Incoming",
				ClientHostname: "mx.evil.example", Sender: s, Recipients: []string{"bob@contoso.com"},
				Subject: "Rechnung", MessageID: fmt.Sprintf("<%d@evil.example>", i)})
		}
		return evs
	}
	rewritten := func(returnPaths ...string) []tracking.Event {
		var evs []tracking.Event
		for i, rp := range returnPaths {
			evs = append(evs, tracking.Event{Time: start, EventID: "TRANSFER", Source: "ROUTING", Sender: "p@partner.example",
				ReturnPath: rp, Recipients: []string{"x@partner.example"}, MessageID: fmt.Sprintf("<%d@partner.example>", i)})
		}
		return evs
	}
	for _, tc := range []struct {
		name  string
		evs   []tracking.Event
		check func(t *testing.T, tr *audit.Traffic)
	}{
		{"spoofed sender", received("Éva@contoso.com", "ÉVA@contoso.com", "éva@CONTOSO.com", "éva@contoso.com"), func(t *testing.T, tr *audit.Traffic) {
			if len(tr.Spoofing) != 1 || tr.Spoofing[0].Sender != "éva@contoso.com" || tr.Spoofing[0].Messages != 4 {
				t.Errorf("spoofing: %+v", tr.Spoofing)
			}
		}},
		{"group from the directory", rewritten("Équipe@contoso.com", "ÉQUIPE@contoso.com", "<équipe@Contoso.com>"), func(t *testing.T, tr *audit.Traffic) {
			if len(tr.ReturnPathRewrites) != 1 {
				t.Fatalf("rewrites: %+v", tr.ReturnPathRewrites)
			}
			if r := tr.ReturnPathRewrites[0]; r.Group != "équipe@contoso.com" || r.GroupID != "g-1" || r.Events != 3 {
				t.Errorf("rewrite: %+v", r)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mailflow.New(mailflow.Config{
				InternalDomains: []string{"contoso.com"},
				// As directory.Recipient.SMTPAddresses gives it.
				Groups: []mailflow.Group{{Address: "équipe@contoso.com", ID: "g-1", Name: "Équipe"}},
			})
			for i := range tc.evs {
				a.Add(&tc.evs[i])
			}
			tc.check(t, a.Result(tracking.Stats{}))
		})
	}
}
