package demotest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/directory/demo"
	"dgaudit/rules"
)

func auditDemo(t *testing.T) *audit.Report {
	t.Helper()
	s, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC) }
	rep, err := audit.Run(context.Background(), s, rules.All(rules.DefaultConfig()), audit.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// scenario is what one demo group must produce. The counts were worked out
// by hand from the scenario descriptions in internal/build, not read back
// from the engine.
type scenario struct {
	rules []string // exactly the rules that fire, in any order
	band  audit.Band
	// expanded, external and reachable are ExpandedRecipients,
	// ExternalMembers and ExternalReachable.
	expanded, external, reachable int
}

var scenarios = map[string]scenario{
	// Seed 001: the NDR loop. 2 mailboxes + 25 external contacts.
	"Partner Announcements": {
		rules: []string{"ndr-loop-risk", "open-to-external-senders", "external-members", "reports-to-originator"},
		band:  audit.BandCritical, expanded: 27, external: 25, reachable: 25,
	},
	// Seed 002: the out-of-office storm. 12 mailboxes + 3 reseller contacts.
	"Sales Inquiries": {
		rules: []string{"oof-storm-risk", "open-to-external-senders", "external-members", "oof-to-originator"},
		band:  audit.BandHigh, expanded: 15, external: 3, reachable: 3,
	},
	"Reseller Price Updates": {
		rules: []string{"ndr-loop-risk", "oof-storm-risk", "open-to-external-senders", "external-members", "reports-to-originator", "oof-to-originator"},
		band:  audit.BandCritical, expanded: 17, external: 15, reachable: 15,
	},
	// External contacts two levels down: 3 + 1 mailboxes, 6 + 6 contacts.
	"Industry Forum": {
		rules: []string{"ndr-loop-risk", "open-to-external-senders", "external-members", "reports-to-originator"},
		band:  audit.BandCritical, expanded: 16, external: 12, reachable: 12,
	},
	"Industry Forum Members": {
		rules: []string{"open-to-external-senders", "external-members"},
		band:  audit.BandMedium, expanded: 13, external: 12, reachable: 12,
	},
	"Industry Forum - EMEA": {
		rules: []string{"open-to-external-senders", "external-members"},
		band:  audit.BandMedium, expanded: 6, external: 6, reachable: 6,
	},
	"Industry Forum - Americas": {
		rules: []string{"open-to-external-senders", "external-members"},
		band:  audit.BandMedium, expanded: 6, external: 6, reachable: 6,
	},
	// Same shape, but the middle group requires authentication: nothing
	// external is reachable from outside, so no NDR loop.
	"Standards Liaison": {
		rules: []string{"open-to-external-senders", "external-members", "reports-to-originator"},
		band:  audit.BandMedium, expanded: 9, external: 5, reachable: 0,
	},
	"Standards Liaison Members": {
		rules: []string{"external-members"},
		band:  audit.BandLow, expanded: 7, external: 5, reachable: 0,
	},
	"Standards Liaison - Delegates": {
		rules: []string{"open-to-external-senders", "external-members"},
		band:  audit.BandMedium, expanded: 5, external: 5, reachable: 5,
	},
	// all-staff@partner.example and members-l@lists.supplier.example.
	"Research Collaboration": {
		rules: []string{"external-member-is-list", "open-to-external-senders", "external-members"},
		band:  audit.BandMedium, expanded: 9, external: 5, reachable: 5,
	},
	// Contacts whose target is inside the organization (internal recipients).
	"Sales Leadership":  {rules: []string{"contact-routes-internal"}, band: audit.BandMedium, expanded: 6},
	"Facilities Alerts": {rules: []string{"contact-routes-internal"}, band: audit.BandMedium, expanded: 10},
	"Research Staff":    {rules: []string{"contact-routes-internal"}, band: audit.BandMedium, expanded: 25},
	// A three-group cycle: 4 + 6 + 8 mailboxes reached from any of them.
	"Project Atlas":           {rules: []string{"membership-cycle"}, band: audit.BandLow, expanded: 18},
	"Project Atlas Core":      {rules: []string{"membership-cycle"}, band: audit.BandLow, expanded: 18},
	"Project Atlas Extended":  {rules: []string{"membership-cycle"}, band: audit.BandLow, expanded: 18},
	"IT Change Notifications": {rules: []string{"manager-is-group"}, band: audit.BandMedium, expanded: 61},
	"Board of Directors": {
		rules: []string{"accept-list-without-auth", "external-members", "reports-to-originator"},
		band:  audit.BandMedium, expanded: 7, external: 4, reachable: 0,
	},
	"Press Inquiries": {rules: []string{"moderated-without-auth"}, band: audit.BandNone, expanded: 4},
	"Careers":         {rules: []string{"open-to-external-senders"}, band: audit.BandMedium, expanded: 5},
	"Office Closures": {rules: []string{"no-delivery-reports"}, band: audit.BandLow, expanded: 7},
	// Every delivery attribute absent: open, no reports, so no NDR loop.
	"Retirees Newsletter": {
		rules: []string{"open-to-external-senders", "external-members", "no-delivery-reports"},
		band:  audit.BandMedium, expanded: 12, external: 10, reachable: 10,
	},
	"Q3 Offsite 2021":       {rules: []string{"empty-group"}, band: audit.BandLow, expanded: 0},
	"Printer Alerts":        {rules: []string{"no-owner"}, band: audit.BandLow, expanded: 4},
	"Legacy Migration Team": {rules: []string{"unresolved-members"}, band: audit.BandMedium, expanded: 4},
	"All Contractors":       {rules: []string{"unresolved-members"}, band: audit.BandMedium, expanded: 0},
	// Dynamic group with computed members, OOF and authentication absent.
	"Supplier Contacts": {
		rules: []string{"oof-storm-risk", "open-to-external-senders", "external-members", "oof-to-originator", "large-blast-radius"},
		band:  audit.BandHigh, expanded: 110, external: 110, reachable: 110,
	},
	// 1,150 department mailboxes + 6 remote mailboxes.
	"All Staff": {rules: []string{"large-blast-radius"}, band: audit.BandLow, expanded: 1156},
	// Microsoft 365 group with a guest and three contractors' mail users.
	"Joint Venture Planning": {
		rules: []string{"open-to-external-senders", "external-members"},
		band:  audit.BandMedium, expanded: 7, external: 4, reachable: 4,
	},
}

// clean groups must have no findings at all, with their expected sizes.
var clean = map[string]int{
	"Engineering Department":      310,
	"Sales Department":            216,
	"Operations Department":       170,
	"Customer Support Department": 140,
	"Finance Department":          110,
	"Marketing Department":        80,
	"IT Department":               60,
	"Human Resources Department":  40,
	"Legal Department":            30,
	"Executive Team":              9,
	"IT Operations":               12,
	"EMEA Sales":                  40,
	"Cloud Pilot Users":           6,
	"Marketing Campaign Team":     8,
	"Month-End Close":             15,
	"Architecture Review":         10,
}

func findingIDs(fs []audit.Finding) []string {
	ids := make([]string, 0, len(fs))
	for _, f := range fs {
		ids = append(ids, f.Rule)
	}
	slices.Sort(ids)
	return ids
}

func TestScenarios(t *testing.T) {
	rep := auditDemo(t)
	seen := map[string]bool{}
	for _, g := range rep.Groups {
		if seen[g.Name] {
			t.Errorf("group %s reported twice", g.Name)
		}
		seen[g.Name] = true
		got := findingIDs(g.Findings)
		if size, ok := clean[g.Name]; ok {
			if len(got) != 0 || g.Score != 0 || g.Risk != audit.BandNone {
				t.Errorf("clean group %s: findings %v, score %d, band %s; want none, 0, none", g.Name, got, g.Score, g.Risk)
			}
			if g.ExpandedRecipients != size || g.ExternalMembers != 0 {
				t.Errorf("clean group %s: %d recipients (%d external), want %d (0)", g.Name, g.ExpandedRecipients, g.ExternalMembers, size)
			}
			continue
		}
		sc, ok := scenarios[g.Name]
		if !ok {
			t.Errorf("group %s is in the report but not in this test's scenarios", g.Name)
			continue
		}
		want := slices.Clone(sc.rules)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: rules %v, want %v", g.Name, got, want)
		}
		if g.Risk != sc.band {
			t.Errorf("%s: band %s (score %d), want %s", g.Name, g.Risk, g.Score, sc.band)
		}
		if g.ExpandedRecipients != sc.expanded || g.ExternalMembers != sc.external || g.ExternalReachable != sc.reachable {
			t.Errorf("%s: expanded/external/reachable = %d/%d/%d, want %d/%d/%d", g.Name,
				g.ExpandedRecipients, g.ExternalMembers, g.ExternalReachable, sc.expanded, sc.external, sc.reachable)
		}
	}
	for name := range scenarios {
		if !seen[name] {
			t.Errorf("scenario group %s is missing from the report", name)
		}
	}
	for name := range clean {
		if !seen[name] {
			t.Errorf("clean group %s is missing from the report", name)
		}
	}
	if len(clean) < 8 {
		t.Errorf("only %d clean groups, want at least 8", len(clean))
	}
	// A group without a mail address is not a recipient and is not audited.
	if seen["FS-Finance-Modify"] {
		t.Error("the group without a mail address was audited")
	}
}

// Every rule of the catalogue fires on the demo, except the two that report
// missing organization data: the demo has both accepted and remote domains.
func TestEveryRuleFires(t *testing.T) {
	rep := auditDemo(t)
	fired := map[string]int{}
	for _, f := range rep.OrgFindings {
		fired[f.Rule]++
	}
	for _, g := range rep.Groups {
		for _, f := range g.Findings {
			fired[f.Rule]++
		}
	}
	notOnDemo := map[string]bool{"accepted-domains-unknown": true, "remote-domains-unknown": true}
	for _, r := range rules.All(rules.DefaultConfig()) {
		switch {
		case notOnDemo[r.ID] && fired[r.ID] > 0:
			t.Errorf("rule %s fired on the demo, which has that data", r.ID)
		case !notOnDemo[r.ID] && fired[r.ID] == 0:
			t.Errorf("rule %s fires on no demo group", r.ID)
		}
	}
	if !slices.ContainsFunc(rep.OrgFindings, func(f audit.Finding) bool { return f.Rule == "external-oof-allowed" }) {
		t.Error("external-oof-allowed is not an organization finding")
	}
	// Seeds 003/004: the demo's recipient filter does not validate
	// recipients, once for the organization, from the stored flags.
	if n := fired["recipient-validation-off"]; n != 1 {
		t.Errorf("recipient-validation-off fired %d times, want once", n)
	}
	i := slices.IndexFunc(rep.OrgFindings, func(f audit.Finding) bool { return f.Rule == "recipient-validation-off" })
	if i < 0 || !slices.Contains(rep.OrgFindings[i].Evidence.Settings, audit.Setting{Name: "AgentsFlags", Attribute: "msExchAgentsFlags", Value: "3", Source: audit.SourceSet}) {
		t.Errorf("recipient-validation-off is not an organization finding with msExchAgentsFlags 3")
	}
	// Seeds 003/004: the demo's "Relay" connector lets anonymous senders
	// relay from anywhere; the default frontend connector does not.
	if n := fired["receive-connector-open-relay"]; n != 1 {
		t.Errorf("receive-connector-open-relay fired %d times, want once", n)
	}
	i = slices.IndexFunc(rep.OrgFindings, func(f audit.Finding) bool { return f.Rule == "receive-connector-open-relay" })
	if i < 0 || rep.OrgFindings[i].Severity != audit.High || !strings.Contains(rep.OrgFindings[i].Message, `receive connector EX01\Relay`) {
		t.Errorf("receive-connector-open-relay is not a high organization finding for EX01\\Relay")
	}
}

// The seed incident in detail: the finding names the stale contacts as
// reachable, and the settings show which values were set and which absent.
func TestSeedNDRLoop(t *testing.T) {
	rep := auditDemo(t)
	i := slices.IndexFunc(rep.Groups, func(g audit.GroupResult) bool { return g.Name == "Partner Announcements" })
	if i < 0 {
		t.Fatal("Partner Announcements not in the report")
	}
	g := rep.Groups[i]
	if g.Risk != audit.BandCritical || g.Findings[0].Rule != "ndr-loop-risk" {
		t.Fatalf("band %s, first finding %s; want critical ndr-loop-risk", g.Risk, g.Findings[0].Rule)
	}
	if s := g.Settings.RequireSenderAuth.Setting(); s.Value != "false" || s.Source != audit.SourceDefault {
		t.Errorf("RequireSenderAuth = %+v, want false from the default (attribute absent)", s)
	}
	if s := g.Settings.ReportToOriginator.Setting(); s.Value != "true" || s.Source != audit.SourceSet {
		t.Errorf("ReportToOriginator = %+v, want true, set", s)
	}
	domains := map[string]int{}
	stale := 0
	for _, e := range g.External {
		domains[e.Domain]++
		if strings.Contains(e.Name, "(left ") || strings.Contains(e.Name, "(retired)") {
			stale++
		}
		if e.BlockedBy != "" || len(e.Via) != 0 {
			t.Errorf("%s: blocked by %q via %v; want a direct, reachable member", e.Name, e.BlockedBy, e.Via)
		}
	}
	if len(domains) < 3 || stale < 3 {
		t.Errorf("%d partner domains and %d stale contacts; want several of each", len(domains), stale)
	}
	// The worst groups sort first.
	if top := rep.Groups[0].Risk; top != audit.BandCritical {
		t.Errorf("first group in the report is %s (%s)", rep.Groups[0].Name, top)
	}
}

// Nesting: reachable external recipients record the path, and a nested group
// that requires authentication is named as what blocks outside senders.
func TestNestedPaths(t *testing.T) {
	rep := auditDemo(t)
	byName := map[string]audit.GroupResult{}
	for _, g := range rep.Groups {
		byName[g.Name] = g
	}
	forum := byName["Industry Forum"]
	if forum.ExternalDirect != 0 || forum.NestedGroups != 3 {
		t.Errorf("Industry Forum: %d direct external, %d nested groups; want 0, 3", forum.ExternalDirect, forum.NestedGroups)
	}
	for _, e := range forum.External {
		if len(e.Via) != 2 || e.Via[0] != "Industry Forum Members" || e.BlockedBy != "" {
			t.Errorf("Industry Forum: %s via %v blocked by %q; want two levels, reachable", e.Name, e.Via, e.BlockedBy)
		}
	}
	for _, e := range byName["Standards Liaison"].External {
		if e.BlockedBy != "Standards Liaison Members" {
			t.Errorf("Standards Liaison: %s blocked by %q, want Standards Liaison Members", e.Name, e.BlockedBy)
		}
	}
	if n := byName["All Staff"].NestedGroups; n != 9 {
		t.Errorf("All Staff nests %d groups, want 9", n)
	}
}

// The demo is complete as collected (no coverage gaps), but two groups have
// membership that could not be resolved, so the report as a whole is not.
func TestCompleteness(t *testing.T) {
	rep := auditDemo(t)
	if !rep.Coverage.Complete() || rep.Summary.Gaps != 0 {
		t.Errorf("demo coverage has gaps: %+v", rep.Coverage.Gaps)
	}
	var incomplete []string
	for _, g := range rep.Groups {
		if g.Incomplete {
			incomplete = append(incomplete, g.Name)
		}
	}
	slices.Sort(incomplete)
	if want := []string{"All Contractors", "Legacy Migration Team"}; !slices.Equal(incomplete, want) {
		t.Errorf("incomplete groups %v, want %v", incomplete, want)
	}
	if rep.Complete {
		t.Error("report is complete although two groups have unresolved membership")
	}
}
