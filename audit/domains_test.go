package audit_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
	"dgaudit/rules"
)

// TestRemoteMailboxTargetIsNotAnInternalDomain: only a hybrid coexistence
// domain becomes internal because a remote mailbox routes to it. A remote
// mailbox routing to any other domain outside the accepted domains must not
// make that domain internal (its contacts would stop counting as external
// and an NDR-loop group would look harmless); the mailbox itself routes
// outside the organization and counts as external.
func TestRemoteMailboxTargetIsNotAnInternalDomain(t *testing.T) {
	t.Parallel()
	snap := dt.New().
		User("bob", directory.RemoteMailbox, "bob@partner.example").
		User("carol", directory.RemoteMailbox, "carol@tenant.mail.onmicrosoft.com").
		User("dave", directory.RemoteMailbox, "dave@gov.mail.onmicrosoft.us").
		User("erin", directory.RemoteMailbox, "erin@cn.mail.partner.onmschina.cn").
		Contact("x", "x@partner.example").
		Contact("y", "y@partner.example").
		Contact("coex", "z@tenant.mail.onmicrosoft.com").
		Contact("other-tenant", "z@other.mail.onmicrosoft.com").
		Group("Partners", []string{"x", "y"}, dt.Open, dt.ReportsToOriginator, dt.Owner("carol")).
		Group("Hybrid", []string{"carol", "dave", "erin", "coex"}, dt.Closed, dt.Owner("carol")).
		Group("Mixed", []string{"bob", "other-tenant"}, dt.Closed, dt.Owner("carol")).
		Snapshot()
	rep, err := audit.Run(context.Background(), snap, rules.All(rules.DefaultConfig()), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := group(t, rep, "Partners")
	if p.ExternalMembers != 2 {
		t.Errorf("Partners: %d external members, want 2 (x and y at partner.example)", p.ExternalMembers)
	}
	if i := slices.IndexFunc(p.Findings, func(f audit.Finding) bool { return f.Rule == "ndr-loop-risk" }); i < 0 || p.Findings[i].Severity != audit.Critical {
		t.Errorf("Partners: want ndr-loop-risk critical, findings %+v", p.Findings)
	}
	if h := group(t, rep, "Hybrid"); h.ExternalMembers != 0 {
		t.Errorf("Hybrid: external %+v, want none (coexistence targets are internal)", h.External)
	}
	var ext []string
	for _, e := range group(t, rep, "Mixed").External {
		ext = append(ext, e.ID+"/"+e.Kind)
	}
	if diff := cmp.Diff([]string{"bob/remote-mailbox", "other-tenant/contact"}, ext); diff != "" {
		t.Errorf("Mixed external (-want +got):\n%s", diff)
	}

	// trace classifies addresses with the same test.
	internal := audit.InternalDomainFunc(snap, nil)
	for d, want := range map[string]bool{
		"partner.example":              false,
		"tenant.mail.onmicrosoft.com":  true,
		"gov.mail.onmicrosoft.us":      true,
		"cn.mail.partner.onmschina.cn": true,
		"other.mail.onmicrosoft.com":   false,
		"corp.example":                 true,
	} {
		if got := internal(d); got != want {
			t.Errorf("InternalDomainFunc(%s) = %v, want %v", d, got, want)
		}
	}
}

// TestStarAcceptedDomainIsNotInternal: an accepted domain "*" (relay for
// every domain, a known misconfiguration) must not make every address
// internal, or no member would be external and no loop found. Wildcards of
// one domain's subdomains keep working beside it.
func TestStarAcceptedDomainIsNotInternal(t *testing.T) {
	t.Parallel()
	for _, star := range []directory.AcceptedDomain{
		{Domain: "*", Type: directory.InternalRelay},
		{Domain: " * ", Type: directory.InternalRelay},
		{Domain: "*", Type: directory.Authoritative, MatchSubDomains: true},
		{Domain: "*", Type: directory.ExternalRelay, Coexistence: true},
	} {
		t.Run(star.Domain+"/"+string(star.Type), func(t *testing.T) {
			t.Parallel()
			snap := dt.New().
				Edit(func(s *directory.Snapshot) {
					s.Org.AcceptedDomains = append(s.Org.AcceptedDomains, star,
						directory.AcceptedDomain{Domain: "*.subs.example", Type: directory.Authoritative},
						directory.AcceptedDomain{Domain: "deep.example", Type: directory.InternalRelay, MatchSubDomains: true})
				}).
				Snapshot()
			internal := audit.InternalDomainFunc(snap, nil)
			for d, want := range map[string]bool{
				"partner.example":  false,
				"example":          false,
				"corp.example":     true,
				"a.subs.example":   true,
				"subs.example":     true,
				"x.y.deep.example": true,
				"other.example":    false,
			} {
				if got := internal(d); got != want {
					t.Errorf("internal(%s) = %v, want %v", d, got, want)
				}
			}
		})
	}
}
