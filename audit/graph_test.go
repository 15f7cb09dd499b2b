package audit_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// run audits with no rules, for the engine's own facts.
func run(t *testing.T, snap *directory.Snapshot, opt audit.Options) *audit.Report {
	t.Helper()
	rep, err := audit.Run(context.Background(), snap, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func group(t *testing.T, rep *audit.Report, name string) audit.GroupResult {
	t.Helper()
	for _, g := range rep.Groups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("group %s not in report", name)
	return audit.GroupResult{}
}

func TestExpansionCounts(t *testing.T) {
	t.Parallel()
	snap := dt.New().
		Mailbox("alice", "bob", "carol").
		Contact("ext1", "one@partner.example").
		Contact("ext2", "two@partner.example").
		Contact("int", "someone@corp.example").
		// Top reaches bob twice (directly and via Mid); it counts once.
		Group("Top", []string{"alice", "bob", "Mid", "ext1"}).
		Group("Mid", []string{"bob", "Leaf", "ext2"}).
		Group("Leaf", []string{"carol", "ext2", "int"}).
		Group("Empty", nil).
		Snapshot()
	rep := run(t, snap, audit.Options{})

	tests := []struct {
		name                                     string
		expanded, external, direct, nested, dirM int
		via                                      map[string][]string
	}{
		{"Top", 6, 2, 1, 2, 4, map[string][]string{"ext1": nil, "ext2": {"Mid"}}},
		{"Mid", 4, 1, 1, 1, 3, map[string][]string{"ext2": nil}},
		{"Leaf", 3, 1, 1, 0, 3, map[string][]string{"ext2": nil}},
		{"Empty", 0, 0, 0, 0, 0, map[string][]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := group(t, rep, tc.name)
			got := []int{g.ExpandedRecipients, g.ExternalMembers, g.ExternalDirect, g.NestedGroups, g.DirectMembers}
			want := []int{tc.expanded, tc.external, tc.direct, tc.nested, tc.dirM}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("expanded, external, direct, nested, members (-want +got):\n%s", diff)
			}
			via := map[string][]string{}
			for _, e := range g.External {
				via[e.ID] = e.Via
			}
			if diff := cmp.Diff(tc.via, via); diff != "" {
				t.Errorf("external paths (-want +got):\n%s", diff)
			}
		})
	}
	if rep.Summary.ExternalRecipients != 2 {
		t.Errorf("distinct external recipients = %d, want 2", rep.Summary.ExternalRecipients)
	}
}

func TestExpansionHandlesCycles(t *testing.T) {
	t.Parallel()
	snap := dt.New().
		Mailbox("a", "b", "c").
		Contact("x", "x@partner.example").
		Group("A", []string{"a", "B"}).
		Group("B", []string{"b", "C"}).
		Group("C", []string{"c", "A", "x"}).
		Group("Self", []string{"Self", "a"}).
		Group("Outside", []string{"A"}).
		Snapshot()
	rep := run(t, snap, audit.Options{})
	for _, name := range []string{"A", "B", "C"} {
		g := group(t, rep, name)
		if g.ExpandedRecipients != 4 || g.ExternalMembers != 1 || g.NestedGroups != 2 {
			t.Errorf("%s: expanded %d external %d nested %d, want 4 1 2", name, g.ExpandedRecipients, g.ExternalMembers, g.NestedGroups)
		}
	}
	if g := group(t, rep, "Outside"); g.ExpandedRecipients != 4 || g.NestedGroups != 3 {
		t.Errorf("Outside: expanded %d nested %d, want 4 3", g.ExpandedRecipients, g.NestedGroups)
	}
	if g := group(t, rep, "Self"); g.ExpandedRecipients != 1 {
		t.Errorf("Self: expanded %d, want 1", g.ExpandedRecipients)
	}
}

func TestCycleMembership(t *testing.T) {
	t.Parallel()
	snap := dt.New().
		Group("A", []string{"B"}).
		Group("B", []string{"C"}).
		Group("C", []string{"A"}).
		Group("D", []string{"A"}).
		Group("S", []string{"S"}).
		Snapshot()
	var cycles = map[string][]string{}
	probe := audit.Rule{ID: "probe", Title: "t", Why: "w", Fix: "f", Check: func(v *audit.GroupView) []audit.Issue {
		cycles[v.Group.Name] = v.Cycle
		return nil
	}}
	if _, err := audit.Run(context.Background(), snap, []audit.Rule{probe}, audit.Options{}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"A": {"A", "B", "C"}, "B": {"A", "B", "C"}, "C": {"A", "B", "C"}, "D": nil, "S": {"S"}}
	if diff := cmp.Diff(want, cycles); diff != "" {
		t.Errorf("cycles (-want +got):\n%s", diff)
	}
}

func TestOutsideSendersStopAtRestrictedNestedGroups(t *testing.T) {
	t.Parallel()
	snap := dt.New().
		Contact("e1", "e1@partner.example").
		Contact("e2", "e2@partner.example").
		Contact("e3", "e3@partner.example").
		Group("Open", []string{"e1", "Shielded", "Both"}, dt.Open).
		Group("Shielded", []string{"e2"}, dt.Closed).
		// e3 is reachable through Both directly and through Shielded2; one
		// open path is enough.
		Group("Both", []string{"e3", "Shielded2"}, dt.Open).
		Group("Shielded2", []string{"e3"}, dt.Moderated).
		Group("ClosedTop", []string{"e1"}, dt.Closed).
		Snapshot()
	rep := run(t, snap, audit.Options{})
	g := group(t, rep, "Open")
	if g.ExternalMembers != 3 || g.ExternalReachable != 2 {
		t.Errorf("Open: external %d reachable %d, want 3 2", g.ExternalMembers, g.ExternalReachable)
	}
	blocked := map[string]string{}
	for _, e := range g.External {
		blocked[e.ID] = e.BlockedBy
	}
	if diff := cmp.Diff(map[string]string{"e1": "", "e2": "Shielded", "e3": ""}, blocked); diff != "" {
		t.Errorf("blocked by (-want +got):\n%s", diff)
	}
	if g := group(t, rep, "ClosedTop"); g.ExternalReachable != 0 || g.External[0].BlockedBy != "ClosedTop" {
		t.Errorf("ClosedTop: reachable %d blocked by %q, want 0 and itself", g.ExternalReachable, g.External[0].BlockedBy)
	}
}

func TestUnresolvedAndUnknownMembershipMarkIncomplete(t *testing.T) {
	t.Parallel()
	snap := dt.New().
		Mailbox("a").
		Group("HasGhost", []string{"a", "CN=Gone,OU=People,DC=corp,DC=example"}).
		Group("Dyn", nil, dt.Kind(directory.Dynamic), func(g *directory.Group) { g.MembersUnknown = true }).
		Group("Parent", []string{"Dyn", "a"}).
		Group("Fine", []string{"a"}).
		Snapshot()
	rep := run(t, snap, audit.Options{})
	for name, want := range map[string]bool{"HasGhost": true, "Dyn": true, "Parent": true, "Fine": false} {
		if got := group(t, rep, name).Incomplete; got != want {
			t.Errorf("%s incomplete = %v, want %v", name, got, want)
		}
	}
	if rep.Complete {
		t.Error("report complete despite unresolved members")
	}
}

func TestGroupsWithoutMailAreNotAuditedOrExpanded(t *testing.T) {
	t.Parallel()
	snap := dt.New().
		Mailbox("a", "b").
		Group("Mail", []string{"a", "Plain"}).
		Group("Plain", []string{"b"}, func(g *directory.Group) { g.Mail = "" }).
		Snapshot()
	rep := run(t, snap, audit.Options{})
	if len(rep.Groups) != 1 || rep.Groups[0].Name != "Mail" {
		t.Fatalf("audited %d groups, want only Mail", len(rep.Groups))
	}
	if got := rep.Groups[0].ExpandedRecipients; got != 1 {
		t.Errorf("Mail expanded %d, want 1 (a security group without mail is not expanded)", got)
	}
}

func TestExternalClassification(t *testing.T) {
	t.Parallel()
	base := dt.New().
		Edit(func(s *directory.Snapshot) {
			s.Org.AcceptedDomains = append(s.Org.AcceptedDomains,
				directory.AcceptedDomain{Domain: "*.subs.example", Type: directory.Authoritative},
				directory.AcceptedDomain{Domain: "relay.example", Type: directory.InternalRelay},
				directory.AcceptedDomain{Domain: "elsewhere.example", Type: directory.ExternalRelay},
				directory.AcceptedDomain{Domain: "deep.example", Type: directory.Authoritative, MatchSubDomains: true},
			)
		}).
		User("hybrid", directory.RemoteMailbox, "hybrid@corp.mail.onmicrosoft.com").
		User("guest", directory.Guest, "guest@partner.example").
		User("mailuser", directory.MailUser, "mu@vendor.example").
		Contact("c-corp", "x@corp.example").
		Contact("c-sub", "x@a.subs.example").
		Contact("c-subroot", "x@subs.example").
		Contact("c-relay", "x@relay.example").
		Contact("c-extrelay", "x@elsewhere.example").
		Contact("c-deep", "x@x.y.deep.example").
		Contact("c-coex", "x@corp.mail.onmicrosoft.com").
		Contact("c-other-tenant", "x@other.mail.onmicrosoft.com").
		Contact("c-partner", "x@partner.example").
		Contact("c-trusted", "x@mail.trusted.example").
		Contact("c-nodomain", "X500:/o=old").
		Group("All", []string{"hybrid", "guest", "mailuser", "c-corp", "c-sub", "c-subroot", "c-relay", "c-extrelay", "c-deep", "c-coex", "c-other-tenant", "c-partner", "c-trusted", "c-nodomain"}).
		Snapshot()
	rep := run(t, base, audit.Options{InternalDomains: []string{"trusted.example"}})
	var ext []string
	for _, e := range group(t, rep, "All").External {
		ext = append(ext, e.ID)
	}
	slices.Sort(ext)
	want := []string{"c-extrelay", "c-other-tenant", "c-partner", "guest", "mailuser"}
	if diff := cmp.Diff(want, ext); diff != "" {
		t.Errorf("external (-want +got):\n%s", diff)
	}
}

func TestWithoutAcceptedDomainsMailboxDomainsAreInternal(t *testing.T) {
	t.Parallel()
	snap := dt.New().
		Edit(func(s *directory.Snapshot) { s.Org.AcceptedDomains = nil }).
		Mailbox("a").
		Contact("in", "x@corp.example").
		Contact("out", "x@partner.example").
		Group("G", []string{"a", "in", "out"}).
		Snapshot()
	var known bool
	var inferred []string
	probe := audit.Rule{ID: "probe", Title: "t", Why: "w", Fix: "f", OrgCheck: func(e *audit.Env) []audit.Issue {
		known, inferred = e.AcceptedDomainsKnown(), e.InferredInternalDomains()
		return nil
	}}
	rep, err := audit.Run(context.Background(), snap, []audit.Rule{probe}, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g := group(t, rep, "G"); g.ExternalMembers != 1 || g.External[0].ID != "out" {
		t.Errorf("external = %+v, want only out", g.External)
	}
	if known || !slices.Equal(inferred, []string{"corp.example"}) {
		t.Errorf("known %v inferred %v, want false [corp.example]", known, inferred)
	}
}

// A group whose delivery settings were not read is judged by no rule that
// needs them, shows them as unknown and counts as incomplete. It is not
// assumed to stop outside senders, itself or nested: what is behind it counts
// as reachable, and the group above it is incomplete and names it.
func TestUnknownSettingsAreNotJudged(t *testing.T) {
	t.Parallel()
	unknown := func(g *directory.Group) { g.SettingsUnknown = true }
	snap := dt.New().
		Contact("e1", "e1@partner.example").
		Contact("e2", "e2@partner.example").
		Group("Unread", []string{"e1"}, unknown).
		Group("Open", []string{"e2", "Unread"}, dt.Open).
		Snapshot()
	settingsRule := rule("needs-settings", audit.High, always("judged"))
	settingsRule.NeedsSettings = true
	memberRule := rule("membership", audit.Low, always("counted"))
	rep, err := audit.Run(context.Background(), snap, []audit.Rule{settingsRule, memberRule}, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rulesOf := func(g audit.GroupResult) []string {
		var ids []string
		for _, f := range g.Findings {
			ids = append(ids, f.Rule)
		}
		slices.Sort(ids)
		return ids
	}
	u := group(t, rep, "Unread")
	if diff := cmp.Diff([]string{"membership"}, rulesOf(u)); diff != "" {
		t.Errorf("Unread findings (-want +got):\n%s", diff)
	}
	if !u.SettingsUnknown || !u.Incomplete || rep.Complete {
		t.Errorf("Unread: settingsUnknown %v incomplete %v, report complete %v; want true true false", u.SettingsUnknown, u.Incomplete, rep.Complete)
	}
	for _, s := range u.Settings.Fields() {
		if s.Value != audit.SourceUnknown || s.Source != audit.SourceUnknown {
			t.Errorf("Unread setting %s = %q (%s), want unknown", s.Name, s.Value, s.Source)
		}
	}
	if u.ExternalMembers != 1 || u.ExternalReachable != 1 {
		t.Errorf("Unread: external %d reachable %d, want 1 1", u.ExternalMembers, u.ExternalReachable)
	}
	o := group(t, rep, "Open")
	if diff := cmp.Diff([]string{"membership", "needs-settings"}, rulesOf(o)); diff != "" {
		t.Errorf("Open findings (-want +got):\n%s", diff)
	}
	if o.SettingsUnknown || !o.Incomplete || !slices.Equal(o.NestedSettingsUnknown, []string{"Unread"}) {
		t.Errorf("Open: settingsUnknown %v incomplete %v nested unread %v, want false true [Unread]", o.SettingsUnknown, o.Incomplete, o.NestedSettingsUnknown)
	}
	if o.ExternalMembers != 2 || o.ExternalReachable != 2 {
		t.Errorf("Open: external %d reachable %d, want 2 2 (e1 sits behind a group whose settings are unknown, not known to stop anyone)", o.ExternalMembers, o.ExternalReachable)
	}
}
