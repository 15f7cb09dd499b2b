package rules_test

import (
	"strings"
	"testing"

	"dgaudit/directory"
)

// TestStarAcceptedDomain: with an internal relay accepted domain "*" the
// partner contacts of an open list reporting to the originator are still
// external (ndr-loop-risk fires, contact-routes-internal does not), and the
// organization finding says that "*" relays for every domain; so with an
// external relay "*", which relays every domain out just the same.
func TestStarAcceptedDomain(t *testing.T) {
	t.Parallel()
	for _, typ := range []directory.DomainType{directory.InternalRelay, directory.ExternalRelay} {
		t.Run(string(typ), func(t *testing.T) { testStarAcceptedDomain(t, typ) })
	}
}

func testStarAcceptedDomain(t *testing.T, typ directory.DomainType) {
	snap := seed001().Edit(func(s *directory.Snapshot) {
		s.Org.AcceptedDomains = append(s.Org.AcceptedDomains, directory.AcceptedDomain{Domain: "*", Type: typ})
	}).Snapshot()
	rep := audited(t, snap)
	g, got := findingsOf(t, rep, "List")
	if g.ExternalMembers != 3 {
		t.Errorf("external members %d, want 3", g.ExternalMembers)
	}
	for id, want := range map[string]bool{"ndr-loop-risk": true, "external-members": true, "contact-routes-internal": false} {
		if _, ok := got[id]; ok != want {
			t.Errorf("%s fires = %v, want %v (fired: %v)", id, ok, want, keys(got))
		}
	}
	var msgs []string
	for _, f := range rep.OrgFindings {
		if f.Rule == "internal-relay-domain" {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "covers every domain") || !strings.Contains(msgs[0], "open relay") {
		t.Errorf("internal-relay-domain messages %q, want one saying * covers every domain and can make an open relay", msgs)
	}
}
