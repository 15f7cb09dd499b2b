package audit_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

func rule(id string, sev audit.Severity, check audit.GroupCheck) audit.Rule {
	return audit.Rule{ID: id, Title: "title " + id, Severity: sev, Why: "why", Fix: "fix", Check: check}
}

func always(msg string) audit.GroupCheck {
	return func(*audit.GroupView) []audit.Issue { return []audit.Issue{{Message: msg}} }
}

func TestRunRejectsBadCatalogues(t *testing.T) {
	t.Parallel()
	snap := dt.New().Snapshot()
	ok := rule("fine", audit.Low, always("x"))
	tests := []struct {
		name  string
		rules []audit.Rule
		opt   audit.Options
		want  string
	}{
		{"duplicate id", []audit.Rule{ok, ok}, audit.Options{}, "duplicate id"},
		{"not kebab-case", []audit.Rule{rule("Not_Kebab", audit.Low, always("x"))}, audit.Options{}, "kebab-case"},
		{"no check", []audit.Rule{rule("no-check", audit.Low, nil)}, audit.Options{}, "exactly one of Check and OrgCheck"},
		{"missing why", []audit.Rule{{ID: "bare", Title: "t", Fix: "f", Check: always("x")}}, audit.Options{}, "title, why and fix are required"},
		{"unknown disabled", []audit.Rule{ok}, audit.Options{Disabled: []string{"nope"}}, `disabled rule "nope": no such rule`},
		{"unknown override", []audit.Rule{ok}, audit.Options{Severities: map[string]audit.Severity{"nope": audit.High}}, `severity override for "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.Run(context.Background(), snap, tc.rules, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestRunRecoversPanickingChecks(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("a").Group("Boom", []string{"a"}).Snapshot()
	bad := rule("bad-rule", audit.Low, func(v *audit.GroupView) []audit.Issue {
		var members []string
		_ = members[len(v.Group.Members)] // index out of range: panics
		return nil
	})
	_, err := audit.Run(context.Background(), snap, []audit.Rule{bad}, audit.Options{})
	if err == nil || !strings.Contains(err.Error(), "rule bad-rule panicked on group Boom") {
		t.Errorf("err = %v, want a panic naming the rule and group", err)
	}
}

func TestRunAppliesOverridesAndDisables(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("a").Group("G", []string{"a"}).Snapshot()
	rules := []audit.Rule{rule("first", audit.Low, always("one")), rule("second", audit.Low, always("two"))}
	rep, err := audit.Run(context.Background(), snap, rules, audit.Options{
		Disabled:   []string{"second"},
		Severities: map[string]audit.Severity{"first": audit.Critical},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Groups[0]
	if len(g.Findings) != 1 || g.Findings[0].Rule != "first" || g.Findings[0].Severity != audit.Critical {
		t.Fatalf("findings = %+v, want only first at critical", g.Findings)
	}
	if g.Risk != audit.BandCritical || len(rep.Rules) != 1 {
		t.Errorf("risk %s with %d rules listed, want critical and 1", g.Risk, len(rep.Rules))
	}
}

func TestRunOrdersGroupsAndFindingsDeterministically(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("a").
		Group("Zed", []string{"a"}).
		Group("Alpha", []string{"a"}).
		Group("Risky", []string{"a"}).
		Snapshot()
	rules := []audit.Rule{
		rule("b-low", audit.Low, always("low")),
		rule("a-high", audit.High, func(v *audit.GroupView) []audit.Issue {
			if v.Group.Name == "Risky" {
				return []audit.Issue{{Message: "high"}}
			}
			return nil
		}),
	}
	var first *audit.Report
	for range 5 {
		rep, err := audit.Run(context.Background(), snap, rules, audit.Options{Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range rep.Groups {
			names = append(names, g.Name)
		}
		if diff := cmp.Diff([]string{"Risky", "Alpha", "Zed"}, names); diff != "" {
			t.Fatalf("group order (-want +got):\n%s", diff)
		}
		if got := rep.Groups[0].Findings; got[0].Rule != "a-high" || got[1].Rule != "b-low" {
			t.Fatalf("finding order = %s, %s", got[0].Rule, got[1].Rule)
		}
		if first != nil {
			if diff := cmp.Diff(first, rep, cmp.AllowUnexported(audit.SettingValue{})); diff != "" {
				t.Fatalf("runs differ:\n%s", diff)
			}
		}
		first = rep
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	b := dt.New().Mailbox("a")
	for i := range 3000 {
		b.Group("G"+strconv.Itoa(i), []string{"a"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := audit.Run(ctx, b.Snapshot(), nil, audit.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestOrgFindingsAndSummary(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("a").Group("G", []string{"a"}).Edit(func(s *directory.Snapshot) {
		s.Coverage.AddGap("group-members", "CN=X", "timeout")
	}).Snapshot()
	org := audit.Rule{ID: "org", Title: "t", Severity: audit.Medium, Why: "w", Fix: "f", OrgCheck: func(*audit.Env) []audit.Issue {
		return []audit.Issue{{Message: "org-wide"}}
	}}
	rep, err := audit.Run(context.Background(), snap, []audit.Rule{org, rule("grp", audit.Low, always("g"))}, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.OrgFindings) != 1 || rep.OrgFindings[0].Message != "org-wide" {
		t.Errorf("org findings = %+v", rep.OrgFindings)
	}
	s := rep.Summary
	if s.Findings != 2 || s.ByRule["org"] != 1 || s.ByRule["grp"] != 1 || s.BySeverity[audit.Medium] != 1 || s.ByBand[audit.BandLow] != 1 || s.Gaps != 1 {
		t.Errorf("summary = %+v", s)
	}
	if rep.Complete {
		t.Error("report with a coverage gap is complete")
	}
}

func fixedNow() time.Time { return time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC) }

// An issue marked Lower is reported one step below the rule's severity,
// as configured, and never below info.
func TestIssueLower(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("a").Snapshot()
	tests := []struct {
		rule, override audit.Severity
		want           []audit.Severity // of the plain and the lowered issue
	}{
		{audit.High, -1, []audit.Severity{audit.High, audit.Medium}},
		{audit.High, audit.Critical, []audit.Severity{audit.Critical, audit.High}},
		{audit.Info, -1, []audit.Severity{audit.Info, audit.Info}},
	}
	for _, tt := range tests {
		org := audit.Rule{ID: "org", Title: "t", Severity: tt.rule, Why: "w", Fix: "f", OrgCheck: func(*audit.Env) []audit.Issue {
			return []audit.Issue{{Message: "a plain"}, {Message: "b lowered", Lower: true}}
		}}
		var opt audit.Options
		if tt.override >= 0 {
			opt.Severities = map[string]audit.Severity{"org": tt.override}
		}
		rep, err := audit.Run(context.Background(), snap, []audit.Rule{org}, opt)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]audit.Severity{}
		for _, f := range rep.OrgFindings {
			got[f.Message] = f.Severity
		}
		if got["a plain"] != tt.want[0] || got["b lowered"] != tt.want[1] || len(got) != 2 {
			t.Errorf("rule %s override %d: severities %v, want %v", tt.rule, tt.override, got, tt.want)
		}
	}
}
