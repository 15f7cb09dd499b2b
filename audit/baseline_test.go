package audit_test

import (
	"context"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
	"dgaudit/rules"
)

// TestCompareIncompleteIsNotRead: a group that scores lower now only because
// part of it could not be read (its settings, its own membership, or a nested
// group's membership) is not-read against the baseline, never improved or
// resolved; a group read in full that scores lower did improve.
func TestCompareIncompleteIsNotRead(t *testing.T) {
	t.Parallel()
	// The baseline: G1, an open group reporting to the originator whose two
	// external contacts are in an open nested group.
	before := func() *dt.Builder {
		return dt.New().Contact("x", "x@partner.example").Contact("y", "y@partner.example").
			Group("Inner", []string{"x", "y"}, dt.Open).
			Group("G1", []string{"Inner"}, dt.Open, dt.ReportsToOriginator)
	}
	edit := func(id string, f func(g *directory.Group, cov *directory.Coverage)) func(*directory.Snapshot) {
		return func(s *directory.Snapshot) {
			for i := range s.Groups {
				if s.Groups[i].ID == id {
					f(&s.Groups[i], &s.Coverage)
				}
			}
		}
	}
	membersUnread := func(g *directory.Group, cov *directory.Coverage) {
		g.Members, g.MembersUnknown = nil, true
		cov.AddGap("group-members", g.ID, "access denied")
	}
	tests := []struct {
		name        string
		group, edit string
		now         func(g *directory.Group, cov *directory.Coverage)
		want        audit.Change
	}{
		{"settings unknown", "G1", "G1", func(g *directory.Group, cov *directory.Coverage) {
			g.SettingsUnknown = true
			g.RequireSenderAuth, g.ReportToOriginator = directory.Unset, directory.Unset
			cov.AddGap("group-settings", g.ID, "access denied")
		}, audit.ChangeNotRead},
		{"members unknown", "G1", "G1", membersUnread, audit.ChangeNotRead},
		{"nested members unknown", "G1", "Inner", membersUnread, audit.ChangeNotRead},
		{"fixed and read in full", "G1", "G1", func(g *directory.Group, _ *directory.Coverage) {
			g.RequireSenderAuth = directory.True
		}, audit.ChangeImproved},
		{"emptied and read in full", "G1", "G1", func(g *directory.Group, _ *directory.Coverage) {
			g.Members = nil
		}, audit.ChangeImproved},
	}
	cat := rules.All(rules.DefaultConfig())
	run := func(t *testing.T, s *directory.Snapshot) *audit.Report {
		t.Helper()
		rep, err := audit.Run(context.Background(), s, cat, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	baseline := func(rep *audit.Report) *audit.Baseline {
		b := &audit.Baseline{}
		for _, g := range rep.Groups {
			bg := audit.BaselineGroup{ID: g.ID, Name: g.Name, Mail: g.Mail, Score: g.Score, Risk: g.Risk}
			for _, f := range g.Findings {
				bg.Findings = append(bg.Findings, audit.FindingRef{Rule: f.Rule, Severity: f.Severity})
			}
			b.Groups = append(b.Groups, bg)
		}
		return b
	}
	base := baseline(run(t, before().Snapshot()))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := run(t, before().Edit(edit(tt.edit, tt.now)).Snapshot())
			ch := audit.Compare(rep, base)
			var got *audit.GroupChange
			for i := range ch.Groups {
				if ch.Groups[i].ID == tt.group {
					got = &ch.Groups[i]
				}
			}
			if got == nil {
				t.Fatalf("%s not in the comparison: %+v", tt.group, ch.Groups)
			}
			if got.Score >= got.PreviousScore || got.PreviousScore == 0 {
				t.Fatalf("the case must lower the score to test anything: %d -> %d", got.PreviousScore, got.Score)
			}
			if got.Change != tt.want {
				t.Errorf("change %q (score %d -> %d, removed %v), want %q", got.Change, got.PreviousScore, got.Score, got.Removed, tt.want)
			}
		})
	}
}
