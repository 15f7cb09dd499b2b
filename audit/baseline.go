package audit

import (
	"cmp"
	"slices"
	"time"

	"dgaudit/directory"
)

// Baseline is what a comparison needs from a previous run's report: each
// group's identity, score and findings. Reading it from a file belongs to the
// reports package; comparing is here and does no I/O.
type Baseline struct {
	SchemaVersion int
	Source        string
	AuditedAt     time.Time
	// FromReport is set when the baseline is a previous run's report; not
	// when there was none (the first night), and everything is new.
	FromReport bool
	// Tracked is set when the previous run had evidence from message
	// tracking attached (its report has a traffic section).
	Tracked     bool
	Groups      []BaselineGroup
	OrgFindings []FindingRef
}

// BaselineGroup is one group of the previous run.
type BaselineGroup struct {
	ID       string
	Name     string
	Mail     string
	Score    int
	Risk     Band
	Findings []FindingRef
	// ObservedPoints is what tracking evidence added to Score;
	// ObservedUnknown when that cannot be told (a report written before
	// reports said it, of a group at 100 with evidence).
	ObservedPoints  int
	ObservedUnknown bool
}

// FindingRef names a finding by rule and severity, without its message:
// messages carry counts and names that change from run to run without the
// risk changing.
type FindingRef struct {
	Rule     string
	Severity Severity
}

// Change classifies a group against the baseline.
type Change string

// Changes, in the order reports list them.
const (
	// ChangeNew: the group was not in the baseline, or had no findings there,
	// and has findings now.
	ChangeNew Change = "new"
	// ChangeWorsened: the score went up, or it stayed and a rule fires that
	// did not (or more severely).
	ChangeWorsened Change = "worsened"
	// ChangeImproved: the score went down.
	ChangeImproved Change = "improved"
	// ChangeUnchanged: the same findings at the same score.
	ChangeUnchanged Change = "unchanged"
	// ChangeResolved: the group had findings in the baseline and has none now,
	// or is gone.
	ChangeResolved Change = "resolved"
	// ChangeNotRead: the group had findings in the baseline and is missing
	// now while the collection has gaps, or scores lower (or has no findings)
	// now while part of it could not be read: its delivery settings
	// (SettingsUnknown), its membership, its own or a nested group's
	// (MembersIncomplete), a nested group's settings it depends on
	// (NestedSettingsUnknown), or, in manager mode, its first owner
	// (OwnerUnknown); GroupResult.Incomplete is any of them. The
	// organization is not-read when findings were only removed and one of
	// them rests on an area the run did not read (Rule.Reads). Calling it
	// resolved or improved would report a risk as gone on no evidence.
	ChangeNotRead Change = "not-read"
)

// ChangeOrder lists the changes in report order.
var ChangeOrder = []Change{ChangeNew, ChangeWorsened, ChangeImproved, ChangeUnchanged, ChangeResolved, ChangeNotRead}

// Changes is the comparison of a report with a baseline.
type Changes struct {
	BaselineSource    string
	BaselineAuditedAt time.Time
	// Groups lists every group with findings now or in the baseline, with
	// what changed, in report order (new first, then by score).
	Groups []GroupChange
	// Organization is how the organization findings changed; nil when they
	// did not.
	Organization *GroupChange
	// Counts is the number of groups per change.
	Counts map[Change]int
	// ConfigurationOnly is set when one of the two runs had tracking
	// evidence and the other had not. Scores are then compared without
	// the points the evidence added (ObservedTraffic.Added), so that
	// giving or leaving out the logs does not show as a change; Score and
	// PreviousScore are those scores.
	ConfigurationOnly bool
}

// GroupChange is one group's change against the baseline.
type GroupChange struct {
	ID, Name, Mail string
	Change         Change
	Score          int
	PreviousScore  int
	Risk           Band
	PreviousRisk   Band
	// Added are findings that are new, or whose severity rose (with the
	// current severity). Removed are findings no longer present.
	Added   []FindingRef
	Removed []FindingRef
}

// Compare classifies every group of rep against the baseline, matching groups
// by object ID so that renames do not show as changes. Suppressed findings of
// rep do not count: Compare sees what the score sees.
func Compare(rep *Report, base *Baseline) *Changes {
	prev := make(map[string]*BaselineGroup, len(base.Groups))
	for i := range base.Groups {
		prev[base.Groups[i].ID] = &base.Groups[i]
	}
	ch := &Changes{BaselineSource: base.Source, BaselineAuditedAt: base.AuditedAt, Counts: map[Change]int{},
		ConfigurationOnly: base.FromReport && (rep.Traffic != nil) != base.Tracked}
	for _, c := range ChangeOrder {
		ch.Counts[c] = 0
	}
	// scored is a score and band as compared: without the evidence's
	// points when only one run had evidence.
	scored := func(score, points int, band Band) (int, Band) {
		if !ch.ConfigurationOnly || points == 0 {
			return score, band
		}
		return score - points, BandOf(score - points)
	}
	seen := make(map[string]bool, len(rep.Groups))
	for i := range rep.Groups {
		g := &rep.Groups[i]
		seen[g.ID] = true
		gc := GroupChange{ID: g.ID, Name: g.Name, Mail: g.Mail, PreviousRisk: BandNone}
		points := 0
		if g.Observed != nil {
			points = g.Observed.Added
		}
		gc.Score, gc.Risk = scored(g.Score, points, g.Risk)
		var before []FindingRef
		if p := prev[g.ID]; p != nil {
			gc.PreviousScore, gc.PreviousRisk = scored(p.Score, p.ObservedPoints, p.Risk)
			if ch.ConfigurationOnly && p.ObservedUnknown {
				// The previous configuration score is not known: judge
				// the group by its findings alone.
				gc.PreviousScore, gc.PreviousRisk = gc.Score, gc.Risk
			}
			before = p.Findings
		}
		now := refsOf(g.Findings)
		gc.Added, gc.Removed = diffRefs(before, now)
		gc.Change = classify(len(before) > 0, len(now) > 0, gc.Added, gc.Score, gc.PreviousScore)
		if g.Incomplete && (gc.Change == ChangeImproved || gc.Change == ChangeResolved) {
			// Part of the group was not read (its settings, its own
			// membership or a nested group's, the first owner its
			// reports go to): findings that depend on it
			// are missing for want of data, not because the group was
			// fixed. Either part will do, so the umbrella flag is the
			// one to ask.
			gc.Change = ChangeNotRead
		}
		g.Change = gc.Change
		if len(before) == 0 && len(now) == 0 {
			continue
		}
		ch.Groups = append(ch.Groups, gc)
	}
	// A group missing from a collection with gaps may only have been
	// missed; a tracking log that could not be read says nothing about it.
	gone := ChangeResolved
	if slices.ContainsFunc(rep.Coverage.Gaps, func(g directory.Gap) bool { return !isTrackingGap(g) }) {
		gone = ChangeNotRead
	}
	for i := range base.Groups {
		p := &base.Groups[i]
		if seen[p.ID] || len(p.Findings) == 0 {
			continue
		}
		gc := GroupChange{ID: p.ID, Name: p.Name, Mail: p.Mail, Change: gone, Risk: BandNone, Removed: p.Findings}
		gc.PreviousScore, gc.PreviousRisk = scored(p.Score, p.ObservedPoints, p.Risk)
		ch.Groups = append(ch.Groups, gc)
	}
	rank := func(c Change) int { return slices.Index(ChangeOrder, c) }
	slices.SortStableFunc(ch.Groups, func(a, b GroupChange) int {
		if c := cmp.Compare(rank(a.Change), rank(b.Change)); c != 0 {
			return c
		}
		if c := cmp.Compare(max(b.Score, b.PreviousScore), max(a.Score, a.PreviousScore)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, g := range ch.Groups {
		ch.Counts[g.Change]++
	}
	added, removed := diffRefs(base.OrgFindings, refsOf(rep.OrgFindings))
	if len(added) > 0 || len(removed) > 0 {
		org := GroupChange{Name: "(organization)", Added: added, Removed: removed, Change: ChangeImproved}
		switch {
		case len(added) > 0:
			org.Change = ChangeWorsened
		case slices.ContainsFunc(removed, func(r FindingRef) bool { return inputsUnread(rep, r.Rule) }):
			// A finding gone because what it judges was not read this
			// time (receive connectors behind a permissions error, say)
			// was not fixed, as for a group that was not read in full.
			org.Change = ChangeNotRead
		}
		ch.Organization = &org
	}
	return ch
}

// inputsUnread reports whether the run did not read one of the coverage
// areas the rule's verdict rests on (RuleInfo.Reads): a gap for it, or no
// record of it read at all (a source that does not collect it).
func inputsUnread(rep *Report, rule string) bool {
	i := slices.IndexFunc(rep.Rules, func(r RuleInfo) bool { return r.ID == rule })
	if i < 0 {
		return false
	}
	for _, what := range rep.Rules[i].Reads {
		if rep.Coverage.HasGap(what) || !rep.Coverage.Has(what) {
			return true
		}
	}
	return false
}

func classify(had, has bool, added []FindingRef, score, prevScore int) Change {
	switch {
	case !had && has:
		return ChangeNew
	case had && !has:
		return ChangeResolved
	case score > prevScore:
		return ChangeWorsened
	case score < prevScore:
		// A fix can bring a lesser finding (both report flags off after
		// turning off reports to the originator, say); the group still
		// improved, and Added still lists what is new.
		return ChangeImproved
	case len(added) > 0:
		return ChangeWorsened
	}
	return ChangeUnchanged
}

// refsOf reduces findings to one ref per rule (see ReduceRefs).
func refsOf(fs []Finding) []FindingRef {
	refs := make([]FindingRef, len(fs))
	for i, f := range fs {
		refs[i] = FindingRef{Rule: f.Rule, Severity: f.Severity}
	}
	return ReduceRefs(refs)
}

// ReduceRefs keeps one ref per rule, at the rule's highest severity (a
// rule may report a group more than once), in first-seen order. A
// baseline read from a report is reduced with it as the current run is.
func ReduceRefs(refs []FindingRef) []FindingRef {
	out := make([]FindingRef, 0, len(refs))
	for _, f := range refs {
		if i := slices.IndexFunc(out, func(r FindingRef) bool { return r.Rule == f.Rule }); i >= 0 {
			out[i].Severity = max(out[i].Severity, f.Severity)
			continue
		}
		out = append(out, f)
	}
	return out
}

// diffRefs returns the refs of now that are absent from before or more
// severe there, and the rules of before absent from now.
func diffRefs(before, now []FindingRef) (added, removed []FindingRef) {
	sevOf := func(refs []FindingRef, rule string) (Severity, bool) {
		for _, r := range refs {
			if r.Rule == rule {
				return r.Severity, true
			}
		}
		return Info, false
	}
	for _, r := range now {
		if s, ok := sevOf(before, r.Rule); !ok || r.Severity > s {
			added = append(added, r)
		}
	}
	for _, r := range before {
		if _, ok := sevOf(now, r.Rule); !ok {
			removed = append(removed, r)
		}
	}
	return added, removed
}

// NewOrWorseAtLeast reports whether the comparison has a finding at or above
// min that is new or more severe than in the baseline: the test behind
// --fail-on-new.
func (c *Changes) NewOrWorseAtLeast(min Severity) bool {
	at := func(refs []FindingRef) bool {
		for _, r := range refs {
			if r.Severity >= min {
				return true
			}
		}
		return false
	}
	if c.Organization != nil && at(c.Organization.Added) {
		return true
	}
	for _, g := range c.Groups {
		if at(g.Added) {
			return true
		}
	}
	return false
}
