package exchange_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/directory/demo"
	"dgaudit/directory/exchange"
	"dgaudit/directory/exchange/exotest"
	"dgaudit/directory/synthetic"
	"dgaudit/rules"
)

func demoSnapshot(t *testing.T) *directory.Snapshot {
	t.Helper()
	s, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mailEnabled drops what Exchange does not list as a recipient (a group
// with no mail address), which is what a read through Exchange can give.
func mailEnabled(s *directory.Snapshot) *directory.Snapshot {
	c := *s
	c.Groups = slices.DeleteFunc(slices.Clone(s.Groups), func(g directory.Group) bool { return g.Mail == "" })
	c.Normalize()
	return &c
}

// sameObjects fails when got does not hold exactly want's objects and
// settings: nothing lost, nothing duplicated, nothing changed.
func sameObjects(t *testing.T, want, got *directory.Snapshot) {
	t.Helper()
	want, got = mailEnabled(want), mailEnabled(got)
	// Whether an account is disabled is not in the recipient cmdlets'
	// output (it is Get-User's), and no rule reads it.
	opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(directory.User{}, "Disabled")}
	if d := cmp.Diff(want.Groups, got.Groups, opts); d != "" {
		t.Errorf("groups differ (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.Users, got.Users, opts); d != "" {
		t.Errorf("users differ (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.Contacts, got.Contacts, opts); d != "" {
		t.Errorf("contacts differ (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.Org.AcceptedDomains, got.Org.AcceptedDomains, opts); d != "" {
		t.Errorf("accepted domains differ (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.Org.RemoteDomains, got.Org.RemoteDomains, opts); d != "" {
		t.Errorf("remote domains differ (-want +got):\n%s", d)
	}
}

// sameHygiene fails when an on-premises export does not give the demo's
// recipient filter and receive connectors, or an Exchange Online one gives
// any. The cmdlet prints the filter's switches, not msExchAgentsFlags.
func sameHygiene(t *testing.T, want, got *directory.Snapshot, online bool) {
	t.Helper()
	if online {
		if got.Org.RecipientFilter != nil || got.Org.ReceiveConnectors != nil {
			t.Errorf("Exchange Online export: recipient filter %+v, receive connectors %+v; want neither", got.Org.RecipientFilter, got.Org.ReceiveConnectors)
		}
		return
	}
	opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(directory.RecipientFilter{}, "AgentsFlags")}
	if d := cmp.Diff(want.Org.RecipientFilter, got.Org.RecipientFilter, opts); d != "" {
		t.Errorf("recipient filter differs (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.Org.ReceiveConnectors, got.Org.ReceiveConnectors, opts); d != "" {
		t.Errorf("receive connectors differ (-want +got):\n%s", d)
	}
}

// verdicts is what an audit says about each group and the organization:
// rule and severity per finding, and the counts the score depends on.
func verdicts(t *testing.T, s *directory.Snapshot) map[string]string {
	t.Helper()
	now := func() time.Time { return time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC) }
	rep, err := audit.Run(context.Background(), s, rules.All(rules.DefaultConfig()), audit.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, g := range rep.Groups {
		var fs []string
		for _, f := range g.Findings {
			fs = append(fs, fmt.Sprintf("%s/%s", f.Rule, f.Severity))
		}
		slices.Sort(fs)
		out[g.ID] = fmt.Sprintf("%s score=%d risk=%s expanded=%d external=%d reachable=%d incomplete=%v %s",
			g.Mail, g.Score, g.Risk, g.ExpandedRecipients, g.ExternalMembers, g.ExternalReachable, g.Incomplete, strings.Join(fs, ","))
	}
	for _, f := range rep.OrgFindings {
		out["org:"+f.Rule] = f.Severity.String()
	}
	return out
}

// exportVerdicts is what an audit of the demo read from Exchange Online
// must say: the demo's verdicts without recipient-validation-off and
// receive-connector-open-relay. Exchange Online has no recipient filter
// configuration and no receive connectors, and an unread setting is never
// judged.
func exportVerdicts(t *testing.T, demo *directory.Snapshot) map[string]string {
	t.Helper()
	v := verdicts(t, demo)
	for _, rule := range []string{"recipient-validation-off", "receive-connector-open-relay"} {
		if _, ok := v["org:"+rule]; !ok {
			t.Fatalf("the demo lacks %s", rule)
		}
		delete(v, "org:"+rule)
	}
	return v
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	want := demoSnapshot(t)
	// On premises the export carries the recipient filter and the receive
	// connectors, so the audit must say exactly what the demo's says.
	onPremVerdicts, onlineVerdicts := verdicts(t, want), exportVerdicts(t, want)
	for _, online := range []bool{false, true} {
		for _, f := range []exotest.Format{exotest.JSON, exotest.CSV} {
			t.Run(fmt.Sprintf("online=%v/%s", online, f), func(t *testing.T) {
				t.Parallel()
				wantVerdicts := onPremVerdicts
				if online {
					wantVerdicts = onlineVerdicts
				}
				dir := t.TempDir()
				if err := exotest.Shape(want, online).WriteExport(dir, f); err != nil {
					t.Fatal(err)
				}
				got, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if err := got.Validate(); err != nil {
					t.Fatal(err)
				}
				sameObjects(t, want, got)
				sameHygiene(t, want, got, online)
				if d := cmp.Diff(wantVerdicts, verdicts(t, got)); d != "" {
					t.Errorf("audit differs (-demo +export):\n%s", d)
				}
				if !got.CollectedAt.Equal(exotest.ExportedAt) || got.Org.Name != want.Org.Name {
					t.Errorf("manifest not applied: collectedAt %v, organization %q", got.CollectedAt, got.Org.Name)
				}
				// The demo's one dynamic group whose filter was not run has
				// no members in the export: a gap, not an empty group.
				var gaps []string
				for _, g := range got.Coverage.Gaps {
					gaps = append(gaps, g.What+" "+g.Object)
				}
				if len(gaps) == 0 || !slices.Contains(gaps, "group-members 0dd3cb12-6b59-47e6-95a4-4c1dcdf498db") {
					t.Errorf("gaps = %q, want the unread dynamic group among them", gaps)
				}
			})
		}
	}
}

// synthetic is a large organization: groups in the thousands of members
// and nesting, read through the emulator in small pages.
func TestServerLargeOrganization(t *testing.T) {
	t.Parallel()
	want := synthetic.Generate(2000, 4)
	biggest := 0
	for _, g := range want.Groups {
		biggest = max(biggest, len(g.Members))
	}
	if biggest < 1000 {
		t.Fatalf("fixture: biggest group has %d members, want a large one", biggest)
	}
	srv := exotest.NewServer(exotest.Shape(want, true))
	defer srv.Close()
	srv.PageSize = 250
	src := newSource(t, srv, nil)
	got, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, want, got)
	// The only gaps are the groups whose membership the fixture could not
	// read either.
	unknown := map[string]bool{}
	for _, g := range want.Groups {
		if g.MembersUnknown {
			unknown[g.ID] = true
		}
	}
	for _, g := range got.Coverage.Gaps {
		if g.What != directory.CoverGroupMembers || !unknown[g.Object] {
			t.Errorf("unexpected gap %+v", g)
		}
		delete(unknown, g.Object)
	}
	if len(unknown) > 0 {
		t.Errorf("%d groups with unknown members have no gap", len(unknown))
	}
	reqs := srv.CmdletRequests()
	if n := reqs[exchange.CmdDistributionGroupMember] + reqs[exchange.CmdDynamicDistributionGroupMember] + reqs[exchange.CmdUnifiedGroupLinks]; n <= len(got.Groups) {
		t.Errorf("%d member requests for %d groups: the big group's pages were not followed", n, len(got.Groups))
	}
}

func newSource(t *testing.T, srv *exotest.Server, edit func(*exchange.Config)) *exchange.Source {
	t.Helper()
	cfg := exchange.Config{
		URL:        srv.URL,
		Tenant:     srv.Tenant,
		Token:      func(context.Context) (string, error) { return srv.Token, nil },
		HTTPClient: srv.Client(),
		RetryWait:  time.Millisecond,
		Now:        func() time.Time { return exotest.ExportedAt },
	}
	if edit != nil {
		edit(&cfg)
	}
	src, err := exchange.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
