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

// TestCompareCountsTrafficEvidence: Run attaches tracking evidence before it
// summarises and compares, so a live loop that starts or stops is a change
// when both runs read logs; when only one of them did, the groups are
// compared on configuration alone and the logs given or left out are no
// change.
func TestCompareCountsTrafficEvidence(t *testing.T) {
	t.Parallel()
	snap := func() *directory.Snapshot {
		// G1 is open with an external member: a configuration score well
		// under 100, so a loop's points show.
		return dt.New().Contact("x", "x@partner.example").Group("G1", []string{"x"}, dt.Open).Snapshot()
	}
	loop := func() *audit.Traffic {
		return &audit.Traffic{Loops: []audit.Loop{{Group: "g1@corp.example", GroupID: "G1", Expansions: 40, Signals: []string{"re-expansion"}}}}
	}
	quiet := func() *audit.Traffic { return &audit.Traffic{} }
	cat := rules.All(rules.DefaultConfig())
	run := func(t *testing.T, tr *audit.Traffic, base *audit.Baseline) *audit.Report {
		t.Helper()
		rep, err := audit.Run(context.Background(), snap(), cat, audit.Options{Traffic: tr, Baseline: base})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	// baselineOf is what reports.ReadJSON gives for the report rep.
	baselineOf := func(rep *audit.Report) *audit.Baseline {
		b := &audit.Baseline{FromReport: true, Tracked: rep.Traffic != nil}
		for _, g := range rep.Groups {
			bg := audit.BaselineGroup{ID: g.ID, Name: g.Name, Mail: g.Mail, Score: g.Score, Risk: g.Risk}
			if g.Observed != nil {
				bg.ObservedPoints = g.Observed.Added
			}
			for _, f := range g.Findings {
				bg.Findings = append(bg.Findings, audit.FindingRef{Rule: f.Rule, Severity: f.Severity})
			}
			b.Groups = append(b.Groups, bg)
		}
		return b
	}
	configScore := run(t, nil, nil).Groups[0].Score
	if configScore == 0 || configScore >= 85 {
		t.Fatalf("G1 scores %d on configuration: the case needs a finding below critical", configScore)
	}
	tests := []struct {
		name        string
		before, now func() *audit.Traffic
		want        audit.Change
		configOnly  bool
	}{
		{"loop starts", quiet, loop, audit.ChangeWorsened, false},
		{"loop stops", loop, quiet, audit.ChangeImproved, false},
		{"loop goes on", loop, loop, audit.ChangeUnchanged, false},
		{"logs left out after a loop", loop, nil, audit.ChangeUnchanged, true},
		{"logs given for the first time", nil, loop, audit.ChangeUnchanged, true},
		{"no logs either time", nil, nil, audit.ChangeUnchanged, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var before, now *audit.Traffic
			if tt.before != nil {
				before = tt.before()
			}
			if tt.now != nil {
				now = tt.now()
			}
			rep := run(t, now, baselineOf(run(t, before, nil)))
			ch := rep.Changes
			if len(ch.Groups) != 1 {
				t.Fatalf("changes %+v", ch.Groups)
			}
			g := ch.Groups[0]
			if g.Change != tt.want || ch.ConfigurationOnly != tt.configOnly {
				t.Errorf("change %q (score %d -> %d), configuration only %v; want %q, %v",
					g.Change, g.PreviousScore, g.Score, ch.ConfigurationOnly, tt.want, tt.configOnly)
			}
			if tt.configOnly && (g.Score != configScore || g.PreviousScore != configScore) {
				t.Errorf("compared scores %d -> %d, want the configuration's %d both times", g.PreviousScore, g.Score, configScore)
			}
			// The summary counts the band the evidence raised the group to.
			looping := now != nil && len(now.Loops) > 0
			if got := rep.Summary.ByBand[audit.BandCritical]; got != map[bool]int{true: 1, false: 0}[looping] {
				t.Errorf("summary counts %d critical groups (live loop: %v)", got, looping)
			}
		})
	}
	t.Run("first run", func(t *testing.T) {
		t.Parallel()
		// No previous report (the first night): everything is new, and
		// there is no second run to compare on configuration with.
		rep := run(t, loop(), &audit.Baseline{})
		if ch := rep.Changes; ch.ConfigurationOnly || len(ch.Groups) != 1 || ch.Groups[0].Change != audit.ChangeNew || ch.Groups[0].Score != 100 {
			t.Errorf("first run: configuration only %v, %+v", ch.ConfigurationOnly, ch.Groups)
		}
	})
	t.Run("older report of a group at 100", func(t *testing.T) {
		t.Parallel()
		// What evidence added to a group at 100 is not known from a report
		// written before reports said: the findings decide.
		base := baselineOf(run(t, loop(), nil))
		base.Groups[0].ObservedPoints, base.Groups[0].ObservedUnknown = 0, true
		g := run(t, nil, base).Changes.Groups[0]
		if g.Change != audit.ChangeUnchanged || g.PreviousScore != configScore {
			t.Errorf("change %q, score %d -> %d; want unchanged at %d", g.Change, g.PreviousScore, g.Score, configScore)
		}
	})
}

// TestCompareGoneDespiteTrackingGaps: a group deleted since the baseline is
// resolved even when a tracking log had a malformed line; only a gap in the
// directory's collection makes it not-read.
func TestCompareGoneDespiteTrackingGaps(t *testing.T) {
	t.Parallel()
	cat := rules.All(rules.DefaultConfig())
	both := dt.New().Contact("x", "x@partner.example").
		Group("G1", []string{"x"}, dt.Open).Group("G2", []string{"x"}, dt.Open)
	prev, err := audit.Run(context.Background(), both.Snapshot(), cat, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := &audit.Baseline{FromReport: true}
	for _, g := range prev.Groups {
		bg := audit.BaselineGroup{ID: g.ID, Name: g.Name, Score: g.Score, Risk: g.Risk}
		for _, f := range g.Findings {
			bg.Findings = append(bg.Findings, audit.FindingRef{Rule: f.Rule, Severity: f.Severity})
		}
		base.Groups = append(base.Groups, bg)
	}
	tests := []struct {
		name   string
		dirGap bool
		want   audit.Change
	}{
		{"tracking gap only", false, audit.ChangeResolved},
		{"directory gap", true, audit.ChangeNotRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			snap := dt.New().Contact("x", "x@partner.example").Group("G1", []string{"x"}, dt.Open).Snapshot()
			if tt.dirGap {
				snap.Coverage.AddGap("group-members", "G9", "access denied")
			}
			tr := &audit.Traffic{Input: audit.TrafficInput{Files: []audit.TrafficFile{{Path: "MSGTRK1.LOG", Malformed: 1}}}}
			rep, err := audit.Run(context.Background(), snap, cat, audit.Options{Traffic: tr, Baseline: base})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, g := range rep.Changes.Groups {
				if g.ID == "G2" {
					found = true
					if g.Change != tt.want {
						t.Errorf("deleted G2: %q, want %q", g.Change, tt.want)
					}
				}
			}
			if !found {
				t.Errorf("deleted G2 not in the changes: %+v", rep.Changes.Groups)
			}
			if rep.Complete {
				t.Error("a malformed tracking line left the run complete")
			}
		})
	}
}

// TestRunCountsTrackingGaps: a tracking file that was not read to its end,
// or had lines that were not events, is a gap of the run and in its summary.
func TestRunCountsTrackingGaps(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("a").Group("G1", []string{"a"}, dt.Closed).Snapshot()
	tr := &audit.Traffic{Input: audit.TrafficInput{Files: []audit.TrafficFile{
		{Path: "MSGTRK1.LOG", Malformed: 3},
		{Path: "MSGTRK2.LOG", Error: "unexpected EOF in gzip"},
		{Path: "MSGTRK3.LOG"},
	}}}
	rep, err := audit.Run(context.Background(), snap, rules.All(rules.DefaultConfig()), audit.Options{Traffic: tr})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Complete || rep.Summary.Gaps != 2 || len(rep.Coverage.Gaps) != 2 {
		t.Fatalf("complete %v, summary gaps %d, gaps %+v; want two gaps", rep.Complete, rep.Summary.Gaps, rep.Coverage.Gaps)
	}
	if g := rep.Coverage.Gaps[1]; g.Object != "MSGTRK2.LOG" || g.Reason != "unexpected EOF in gzip" {
		t.Errorf("gap %+v", g)
	}
}
