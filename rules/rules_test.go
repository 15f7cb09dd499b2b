package rules_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
	"dgaudit/rules"
)

func audited(t *testing.T, snap *directory.Snapshot) *audit.Report {
	t.Helper()
	rep, err := audit.Run(context.Background(), snap, rules.All(rules.DefaultConfig()), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func findingsOf(t *testing.T, rep *audit.Report, name string) (audit.GroupResult, map[string]audit.Finding) {
	t.Helper()
	for _, g := range rep.Groups {
		if g.Name == name {
			m := map[string]audit.Finding{}
			for _, f := range g.Findings {
				m[f.Rule] = f
			}
			return g, m
		}
	}
	t.Fatalf("group %s not audited", name)
	return audit.GroupResult{}, nil
}

// seed001 is the reference NDR-loop list: open (attribute absent), reports to
// the originator, mostly external contacts.
func seed001(edit ...func(*directory.Group)) *dt.Builder {
	return dt.New().
		Mailbox("owner", "staff").
		Contact("paul", "paul@practical365.example").
		Contact("stale", "left-2019@partner.example").
		Contact("sue", "sue@partner.example").
		Group("List", []string{"paul", "stale", "sue", "staff"}, append([]func(*directory.Group){dt.ReportsToOriginator, dt.Owner("owner")}, edit...)...)
}

func TestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		snap    *directory.Snapshot
		group   string
		fire    []string
		notFire []string
	}{
		{
			name: "seed 001 list is an NDR loop", snap: seed001().Snapshot(), group: "List",
			fire:    []string{"open-to-external-senders", "external-members", "reports-to-originator", "ndr-loop-risk"},
			notFire: []string{"oof-storm-risk", "no-owner", "no-delivery-reports", "accept-list-without-auth"},
		},
		{
			// Graph without Exchange Online: the open-looking defaults were
			// never read, so only membership is judged.
			name: "seed 001 list with settings unknown", group: "List",
			snap: seed001(func(g *directory.Group) {
				g.ReportToOriginator, g.ManagedBy, g.SettingsUnknown = directory.Unset, nil, true
			}).Snapshot(),
			fire: []string{"external-members"},
			notFire: []string{"open-to-external-senders", "reports-to-originator", "oof-to-originator", "ndr-loop-risk", "oof-storm-risk",
				"no-delivery-reports", "no-owner", "manager-is-group", "accept-list-without-auth", "moderated-without-auth"},
		},
		{
			name: "same list with authentication required", snap: seed001(dt.Closed).Snapshot(), group: "List",
			fire:    []string{"external-members"},
			notFire: []string{"ndr-loop-risk", "open-to-external-senders", "oof-storm-risk", "reports-to-originator"},
		},
		{
			name: "moderation stops the loop but is explained", snap: seed001(dt.Moderated).Snapshot(), group: "List",
			fire:    []string{"moderated-without-auth"},
			notFire: []string{"ndr-loop-risk", "open-to-external-senders"},
		},
		{
			name: "accept list without auth is spoofable", snap: seed001(dt.AcceptOnlyFrom("staff")).Snapshot(), group: "List",
			fire:    []string{"accept-list-without-auth"},
			notFire: []string{"ndr-loop-risk", "open-to-external-senders"},
		},
		{
			name: "manager mode is not an originator loop", snap: seed001(dt.ReportsToManager).Snapshot(), group: "List",
			notFire: []string{"ndr-loop-risk", "reports-to-originator", "manager-is-group"},
		},
		{
			name: "OOF to originator on an open list with externals",
			snap: dt.New().Mailbox("o").Contact("x", "x@partner.example").
				Group("Oof", []string{"x"}, dt.OOFToOriginator, dt.Owner("o"), dt.ReportsToManager).Snapshot(),
			group: "Oof", fire: []string{"oof-to-originator", "oof-storm-risk"}, notFire: []string{"ndr-loop-risk"},
		},
		{
			name: "OOF storm needs the organization to let replies out",
			snap: dt.New().Mailbox("o").Contact("x", "x@partner.example").
				Group("Oof", []string{"x"}, dt.OOFToOriginator, dt.Owner("o")).
				Edit(func(s *directory.Snapshot) { s.Org.RemoteDomains[0].AllowedOOFType = directory.OOFNone }).Snapshot(),
			group: "Oof", fire: []string{"oof-to-originator"}, notFire: []string{"oof-storm-risk"},
		},
		{
			name: "dynamic groups send OOF to the originator by default",
			snap: dt.New().Mailbox("o").Contact("x", "x@partner.example").
				Group("Dyn", []string{"x"}, dt.Kind(directory.Dynamic), dt.Owner("o")).Snapshot(),
			group: "Dyn", fire: []string{"oof-to-originator", "oof-storm-risk"},
		},
		{
			name: "externals behind an authenticated nested group are not reachable",
			snap: dt.New().Mailbox("o").Contact("x", "x@partner.example").
				Group("Top", []string{"Inner"}, dt.ReportsToOriginator, dt.Owner("o")).
				Group("Inner", []string{"x"}, dt.Closed, dt.Owner("o")).Snapshot(),
			group: "Top", fire: []string{"external-members", "open-to-external-senders"}, notFire: []string{"ndr-loop-risk"},
		},
		{
			name: "externals two levels down are found",
			snap: dt.New().Mailbox("o").Contact("x", "x@partner.example").
				Group("Top", []string{"Mid"}, dt.ReportsToOriginator, dt.Owner("o")).
				Group("Mid", []string{"Low"}, dt.Owner("o")).
				Group("Low", []string{"x"}, dt.Owner("o")).Snapshot(),
			group: "Top", fire: []string{"ndr-loop-risk"},
		},
		{
			name: "external list member",
			snap: dt.New().Mailbox("o").Contact("l", "all-staff@partner.example").
				Group("G", []string{"l"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot(),
			group: "G", fire: []string{"external-member-is-list"},
		},
		{
			name: "person-like external member is not a list",
			snap: dt.New().Mailbox("o").Contact("p", "jane.doe@partner.example").
				Group("G", []string{"p"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot(),
			group: "G", notFire: []string{"external-member-is-list"},
		},
		{
			name: "contact pointing back at the group itself",
			snap: dt.New().Mailbox("o").Contact("loop", "g@corp.example").
				Group("G", []string{"loop", "o"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot(),
			group: "G", fire: []string{"contact-routes-internal"}, notFire: []string{"external-members"},
		},
		{
			name: "manager mode with a group as first owner",
			snap: dt.New().Mailbox("o").
				Group("Owners", []string{"o"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).
				Group("G", []string{"o"}, dt.Closed, dt.ReportsToManager, dt.Owner("Owners", "o")).Snapshot(),
			group: "G", fire: []string{"manager-is-group"},
		},
		{
			name: "both report flags off",
			snap: dt.New().Mailbox("o").
				Group("G", []string{"o"}, dt.Closed, dt.Owner("o"), func(g *directory.Group) { g.ReportToOriginator = directory.False }).Snapshot(),
			group: "G", fire: []string{"no-delivery-reports"},
		},
		{
			name:  "empty group without owner",
			snap:  dt.New().Group("G", nil, dt.Closed, dt.ReportsToOriginator).Snapshot(),
			group: "G", fire: []string{"empty-group", "no-owner"},
		},
		{
			name: "cycle",
			snap: dt.New().Mailbox("o").
				Group("A", []string{"B", "o"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).
				Group("B", []string{"A"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot(),
			group: "A", fire: []string{"membership-cycle"}, notFire: []string{"empty-group"},
		},
		{
			name: "unresolved member is not scored as clean or empty",
			snap: dt.New().Mailbox("o").
				Group("G", []string{"CN=Elsewhere,DC=other,DC=example"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot(),
			group: "G", fire: []string{"unresolved-members"}, notFire: []string{"empty-group"},
		},
		{
			name: "clean group",
			snap: dt.New().Mailbox("o", "p").
				Group("Clean", []string{"o", "p"}, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot(),
			group: "Clean",
		},
		{
			name: "Microsoft 365 groups are closed unless allowed",
			snap: dt.New().Mailbox("o").Contact("x", "x@partner.example").
				Group("M365", []string{"x", "o"}, dt.Kind(directory.Microsoft365), dt.ReportsToOriginator, dt.Owner("o")).Snapshot(),
			group: "M365", fire: []string{"external-members"}, notFire: []string{"open-to-external-senders", "ndr-loop-risk"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, got := findingsOf(t, audited(t, tc.snap), tc.group)
			for _, id := range tc.fire {
				if _, ok := got[id]; !ok {
					t.Errorf("%s did not fire; findings: %v", id, keys(got))
				}
			}
			for _, id := range tc.notFire {
				if _, ok := got[id]; ok {
					t.Errorf("%s fired: %s", id, got[id].Message)
				}
			}
			if tc.fire == nil && tc.notFire == nil && len(got) > 0 {
				t.Errorf("clean group has findings %v", keys(got))
			}
			if len(got) == 0 && (g.Score != 0 || g.Risk != audit.BandNone) {
				t.Errorf("no findings but score %d band %s", g.Score, g.Risk)
			}
		})
	}
}

func TestNDRLoopGroupIsCritical(t *testing.T) {
	t.Parallel()
	g, got := findingsOf(t, audited(t, seed001().Snapshot()), "List")
	if g.Risk != audit.BandCritical {
		t.Fatalf("seed 001 list scored %d (%s), want critical", g.Score, g.Risk)
	}
	f := got["ndr-loop-risk"]
	if f.Evidence.Count != 3 || len(f.Evidence.Members) != 3 {
		t.Errorf("evidence count %d with %d samples, want 3 external recipients", f.Evidence.Count, len(f.Evidence.Members))
	}
	var auth audit.Setting
	for _, s := range f.Evidence.Settings {
		if s.Name == "RequireSenderAuthenticationEnabled" {
			auth = s
		}
	}
	if auth.Value != "false" || auth.Source != audit.SourceDefault || auth.Attribute != "msExchRequireAuthToSendTo" {
		t.Errorf("auth evidence = %+v, want false from the default", auth)
	}
	_, closed := findingsOf(t, audited(t, seed001(dt.Closed).Snapshot()), "List")
	if _, ok := closed["ndr-loop-risk"]; ok {
		t.Error("closed list carries ndr-loop-risk")
	}
}

func TestEvidenceSamplesAreCapped(t *testing.T) {
	t.Parallel()
	b := dt.New().Mailbox("o")
	var members []string
	for i := range 40 {
		id := "c" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		b.Contact(id, id+"@partner.example")
		members = append(members, id)
	}
	b.Group("Big", members, dt.ReportsToOriginator, dt.Owner("o"))
	_, got := findingsOf(t, audited(t, b.Snapshot()), "Big")
	f := got["external-members"]
	if f.Evidence.Count != 40 || len(f.Evidence.Members) != rules.DefaultConfig().MaxSamples {
		t.Errorf("count %d samples %d", f.Evidence.Count, len(f.Evidence.Members))
	}
	if !strings.Contains(f.Message, "40 external recipients (40 direct, 0 through nested groups) at partner.example (40)") {
		t.Errorf("message = %q", f.Message)
	}
}

func TestOrganizationRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*directory.Snapshot)
		want []string
	}{
		{"defaults let OOF out", func(*directory.Snapshot) {}, []string{"external-oof-allowed"}},
		{"OOF blocked", func(s *directory.Snapshot) { s.Org.RemoteDomains[0].AllowedOOFType = directory.OOFNone }, nil},
		{"internal relay domain", func(s *directory.Snapshot) {
			s.Org.AcceptedDomains = append(s.Org.AcceptedDomains, directory.AcceptedDomain{Domain: "relay.example", Type: directory.InternalRelay})
		}, []string{"external-oof-allowed", "internal-relay-domain"}},
		{"coexistence and external relay domains are not relays of unknown recipients", func(s *directory.Snapshot) {
			s.Org.AcceptedDomains = append(s.Org.AcceptedDomains,
				directory.AcceptedDomain{Domain: "corp.mail.onmicrosoft.com", Type: directory.InternalRelay, Coexistence: true},
				directory.AcceptedDomain{Domain: "ext.example", Type: directory.ExternalRelay})
		}, []string{"external-oof-allowed"}},
		{"NDRs suppressed to a partner, not by default", func(s *directory.Snapshot) {
			s.Org.RemoteDomains = append(s.Org.RemoteDomains,
				directory.RemoteDomain{Name: "Old", DomainPattern: "old.example", NDREnabled: directory.False},
				directory.RemoteDomain{Name: "Unset", DomainPattern: "unset.example"})
		}, []string{"external-oof-allowed", "remote-domain-ndr-disabled"}},
		{"legacy OOF to a partner, auto-replies off there or not", func(s *directory.Snapshot) {
			// AutoReplyEnabled governs the replies of client rules:
			// out-of-office replies still go to Quiet.
			s.Org.RemoteDomains = append(s.Org.RemoteDomains,
				directory.RemoteDomain{Name: "Partner", DomainPattern: "partner.example", AllowedOOFType: directory.OOFExternalLegacy},
				directory.RemoteDomain{Name: "Quiet", DomainPattern: "quiet.example", AllowedOOFType: directory.OOFInternalLegacy, AutoReplyEnabled: directory.False})
		}, []string{"external-oof-allowed", "remote-domain-legacy-oof", "remote-domain-legacy-oof"}},
		{"nothing known", func(s *directory.Snapshot) {
			s.Org = directory.Organization{}
			s.Coverage = directory.Coverage{}
		}, []string{"accepted-domains-unknown", "remote-domains-unknown"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := audited(t, dt.New().Mailbox("a").Edit(tc.edit).Snapshot())
			var got []string
			for _, f := range rep.OrgFindings {
				got = append(got, f.Rule)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("org findings %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCatalogue(t *testing.T) {
	t.Parallel()
	all := rules.All(rules.DefaultConfig())
	if err := audit.ValidateRules(all); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ndr-loop-risk", "oof-storm-risk"} {
		if !slices.ContainsFunc(all, func(r audit.Rule) bool { return r.ID == id }) {
			t.Errorf("catalogue lacks %s", id)
		}
	}
	cmdlet := regexp.MustCompile(`(Set|Remove|Add|New|Get)-[A-Za-z]+`)
	for _, r := range all {
		if !cmdlet.MatchString(r.Fix) && r.Scope() == audit.ScopeGroup {
			t.Errorf("%s: fix names no Exchange cmdlet", r.ID)
		}
		if len(r.Tags) == 0 {
			t.Errorf("%s: no tags", r.ID)
		}
	}
}

func keys(m map[string]audit.Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A group whose membership was not read says why, from the gap the
// collector recorded for it, in the finding itself.
func TestUnresolvedMembersSaysWhy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, gapObject, want string
	}{
		{"gap recorded for the group", "", `its membership was not read (filter: base OU=Staff does not exist); counts are lower bounds`},
		{"gap of another group", "other-id", "its membership was not read; counts are lower bounds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			snap := dt.New().Mailbox("o").Group("Dyn", nil, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot()
			g := &snap.Groups[0]
			g.MembersUnknown = true
			object := tt.gapObject
			if object == "" {
				object = g.ID
			}
			snap.Coverage.AddGap(directory.CoverGroupMembers, object, "filter: base OU=Staff does not exist")
			_, f := findingsOf(t, audited(t, snap), "Dyn")
			if got := f["unresolved-members"].Message; got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
		})
	}
}

// contact-routes-internal reports at most MaxSamples contacts, one finding
// each; when it leaves some out, every finding says how many there are in
// all, so that the admin does not take the ten for the whole list.
func TestContactRoutesInternalSaysTotal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		contacts   int
		wantSuffix string
		wantCount  int
	}{
		{"all reported", 3, "", 0},
		{"ten of twelve", 12, " (10 of 12 such contacts reported)", 12},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := dt.New().Mailbox("o")
			members := []string{"o"}
			for i := range tt.contacts {
				id := fmt.Sprintf("back%02d", i)
				b.Contact(id, id+"@corp.example")
				members = append(members, id)
			}
			rep := audited(t, b.Group("G", members, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot())
			g, _ := findingsOf(t, rep, "G")
			var got []audit.Finding
			for _, f := range g.Findings {
				if f.Rule == "contact-routes-internal" {
					got = append(got, f)
				}
			}
			if want := min(tt.contacts, rules.DefaultConfig().MaxSamples); len(got) != want {
				t.Fatalf("%d findings, want %d", len(got), want)
			}
			for _, f := range got {
				if !strings.HasSuffix(f.Message, "inside the organization"+tt.wantSuffix) {
					t.Errorf("message %q does not end in %q", f.Message, tt.wantSuffix)
				}
				if f.Evidence.Count != tt.wantCount {
					t.Errorf("%s: evidence count %d, want %d", f.Message, f.Evidence.Count, tt.wantCount)
				}
			}
		})
	}
}

// external-oof-allowed rests on AllowedOOFType alone: AutoReplyEnabled
// governs the automatic replies of client rules, not out-of-office replies,
// so it is neither offered as an alternative fix nor shown as evidence.
func TestExternalOOFAllowedRestsOnAllowedOOFType(t *testing.T) {
	t.Parallel()
	for _, r := range rules.All(rules.DefaultConfig()) {
		if r.ID == "external-oof-allowed" && strings.Contains(r.Fix, "(or -AutoReplyEnabled") {
			t.Errorf("fix offers AutoReplyEnabled as an alternative to AllowedOOFType: %s", r.Fix)
		}
	}
	rep := audited(t, dt.New().Mailbox("a").Edit(func(s *directory.Snapshot) {
		s.Org.RemoteDomains[0].AutoReplyEnabled = directory.False
	}).Snapshot())
	var found bool
	for _, f := range rep.OrgFindings {
		if f.Rule != "external-oof-allowed" {
			continue
		}
		found = true
		var names []string
		for _, s := range f.Evidence.Settings {
			names = append(names, s.Name)
		}
		if !slices.Equal(names, []string{"AllowedOOFType"}) {
			t.Errorf("evidence settings %v, want only AllowedOOFType", names)
		}
	}
	if !found {
		t.Error("external-oof-allowed did not fire with auto-replies off: out-of-office replies still leave")
	}
}

// A contact routing back to the group itself is reported even when it comes
// last among more contacts than the findings are cut to: it is the one that
// loops.
func TestContactRoutesInternalLoopFirst(t *testing.T) {
	t.Parallel()
	b := dt.New().Mailbox("o")
	members := []string{"o"}
	for i := range 12 {
		id := fmt.Sprintf("back%02d", i)
		b.Contact(id, id+"@"+dt.Org)
		members = append(members, id)
	}
	b.Contact("self", "g@"+dt.Org)
	members = append(members, "self")
	rep := audited(t, b.Group("G", members, dt.Closed, dt.ReportsToOriginator, dt.Owner("o")).Snapshot())
	g, _ := findingsOf(t, rep, "G")
	var msgs []string
	for _, f := range g.Findings {
		if f.Rule == "contact-routes-internal" {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != rules.DefaultConfig().MaxSamples || !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "this group's own address: a loop") }) {
		t.Errorf("contact-routes-internal findings %q: want %d, the contact that loops to the group among them", msgs, rules.DefaultConfig().MaxSamples)
	}
}
