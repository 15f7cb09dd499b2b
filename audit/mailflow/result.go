package mailflow

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"dgaudit/audit"
	"dgaudit/directory/tracking"
)

// Result returns the evidence gathered so far, with the read's statistics.
// It does not change the Analyzer.
func (a *Analyzer) Result(st tracking.Stats) *audit.Traffic {
	t := &audit.Traffic{
		Input:    inputOf(st),
		Start:    a.period.first,
		End:      a.period.last,
		Interval: a.cfg.Interval,
	}
	t.Input.GroupsFromDirectory = a.cfg.IsInternal != nil
	for _, g := range a.groups {
		if l, ok := a.loopOf(g); ok {
			t.Loops = append(t.Loops, l)
		}
	}
	slices.SortFunc(t.Loops, func(x, y audit.Loop) int {
		if c := cmp.Compare(y.Severity, x.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Delivered, x.Delivered); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Expansions, x.Expansions); c != 0 {
			return c
		}
		return cmp.Compare(x.Group, y.Group)
	})
	for addr, r := range a.rewrites {
		g := a.groups[addr]
		t.ReturnPathRewrites = append(t.ReturnPathRewrites, audit.ReturnPathRewrite{
			Group: addr, GroupID: g.id, GroupName: g.name, Events: r.events,
			FirstSeen: r.first, LastSeen: r.last, Senders: top(r.senders, a.cfg.Top),
			SendersTotal: len(r.senders), SendersCapped: r.sendersCapped,
		})
	}
	slices.SortFunc(t.ReturnPathRewrites, func(x, y audit.ReturnPathRewrite) int {
		if c := cmp.Compare(y.Events, x.Events); c != 0 {
			return c
		}
		return cmp.Compare(x.Group, y.Group)
	})
	a.judgeHeld()
	if len(a.learned) == 0 && a.unjudged > 0 {
		t.Unjudged = append(t.Unjudged, fmt.Sprintf("spoofed internal senders: %d messages came from outside, and no internal domain is known to tell an internal sender among them (no directory source, no --internal-domain, and no local delivery, submission or expansion in the logs to learn one from)", a.unjudged))
	}
	a.spoofing(t)
	a.backscatter(t)
	for _, o := range a.oof {
		if o.out < int64(a.cfg.MinStorm) || o.in < int64(a.cfg.MinStorm) {
			continue
		}
		t.OOFStorms = append(t.OOFStorms, audit.OOFStorm{Internal: o.internal, External: o.external, Out: o.out, In: o.in, FirstSeen: o.first, LastSeen: o.last})
	}
	slices.SortFunc(t.OOFStorms, func(x, y audit.OOFStorm) int {
		if c := cmp.Compare(y.Out+y.In, x.Out+x.In); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Internal, y.Internal); c != 0 {
			return c
		}
		return cmp.Compare(x.External, y.External)
	})
	for k := range a.truncated {
		t.Truncated = append(t.Truncated, k)
	}
	slices.Sort(t.Truncated)
	return t
}

func inputOf(st tracking.Stats) audit.TrafficInput {
	in := audit.TrafficInput{Bytes: st.Bytes, Lines: st.Lines, Events: st.Events, Malformed: st.Malformed, MalformedLines: st.MalformedLines,
		Duplicates: st.Duplicates, DuplicatesAtLeast: st.DuplicatesAtLeast,
		Unmatched: st.Unmatched, Failed: st.Failed}
	for _, f := range st.Files {
		in.Files = append(in.Files, audit.TrafficFile{Path: f.Path, Format: string(f.Format), Lines: f.Lines, Events: f.Events, Malformed: f.Malformed,
			MalformedLines: f.MalformedLines, Duplicates: f.Duplicates, Notes: f.Notes, Lacks: f.Lacks, Error: f.Err})
	}
	for _, m := range st.Samples {
		in.MalformedSamples = append(in.MalformedSamples, audit.MalformedLine{File: m.File, Line: m.Line, Lines: m.Lines, Reason: m.Reason})
	}
	return in
}

// loopOf decides whether a group's traffic is a loop: one message went
// round through it MinRounds times or more (as a chain of reports from one
// reporter, see rounds.go, or as itself coming back into the group after
// leaving the organization, see reentry.go), or report prefixes stacked
// MinDepth deep. Occasional bounces to a list are normal and are not loops.
func (a *Analyzer) loopOf(g *groupAgg) (audit.Loop, bool) {
	// Only messages that went round MinRounds times make up the loop's
	// figures: the group's other reports (a stray bounce last week, a
	// message that came back once) are not its traffic.
	minRounds := int64(a.cfg.MinRounds)
	var looping, rounds, returns, recips, traffic int64
	var looped span
	// loops adds one message that went round n times to the figures.
	loops := func(n, recipients, expansions int64, s span) {
		if n < minRounds {
			return
		}
		looping++
		recips += recipients
		traffic += expansions
		looped.see(s.first)
		looped.see(s.last)
	}
	gap := max(a.roundGap/a.roundSpacing, 1)
	for _, r := range g.roots {
		n := r.rounds(gap, minRounds)
		rounds = max(rounds, n)
		s, reports, recipients := a.loopSpan(r, gap, minRounds)
		loops(n, recipients, reports, s)
	}
	for _, r := range g.returns {
		returns = max(returns, r.returns())
		// A report that came back under its own Message-ID is its root's
		// rounds too: where those made it a looping message, the root's
		// figures (its expansions, returns included) are the message's.
		if r.root != nil && r.root.rounds(gap, minRounds) >= minRounds {
			continue
		}
		loops(r.returns(), r.recipients, r.count, r.span)
	}
	if rounds < minRounds && returns < minRounds && g.maxDepth < a.cfg.MinDepth {
		return audit.Loop{}, false
	}
	l := audit.Loop{
		Group: g.addr, GroupID: g.id, GroupName: g.name,
		FirstSeen: looped.first, LastSeen: looped.last,
		Expansions: g.expansions, Delivered: g.delivered,
		Inbound: g.inbound, Bounces: g.bounces,
		LoopingMessages: looping, MaxRounds: max(rounds, returns), MaxDepth: g.maxDepth,
		Timeline: a.timeline(g.buckets),
	}
	if looped.first.IsZero() {
		l.FirstSeen, l.LastSeen = g.first, g.last
	}
	if looping > 0 {
		l.Amplification = float64(recips) / float64(looping)
	}
	if rounds >= minRounds {
		l.Signals = append(l.Signals, "re-expansion")
	}
	if returns >= minRounds {
		l.Signals = append(l.Signals, "message-reentry")
	}
	if g.maxDepth >= 2 {
		l.Signals = append(l.Signals, "nested-subject")
	}
	if g.nullBounces > 0 {
		l.Signals = append(l.Signals, "null-return-path")
	}
	for addr := range g.senders {
		if _, ok := g.external[addr]; ok {
			l.ReentryMembers = append(l.ReentryMembers, addr)
		}
	}
	slices.Sort(l.ReentryMembers)
	// Both sides of the match may have dropped addresses at their caps.
	l.ReentryMembersTotal, l.ReentryMembersCapped = len(l.ReentryMembers), g.sendersCapped || g.externalCapped
	if len(l.ReentryMembers) > a.cfg.Top {
		l.ReentryMembers = l.ReentryMembers[:a.cfg.Top]
	}
	if len(l.ReentryMembers) > 0 {
		l.Signals = append(l.Signals, "member-reentry")
	}
	if _, ok := a.rewrites[g.addr]; ok {
		l.Signals = append(l.Signals, "return-path-rewrite")
	}
	slices.Sort(l.Signals)
	for _, c := range l.Timeline {
		if c.N > l.PeakPerInterval {
			l.PeakPerInterval, l.PeakAt = c.N, c.At
		}
	}
	// The rate is the looping messages' own traffic over their own span:
	// the group's other reports (a stray bounce last week) are not the
	// loop's.
	if span := l.LastSeen.Sub(l.FirstSeen); span > 0 && traffic > 0 {
		l.PerHour = float64(traffic) / span.Hours()
	}
	l.External = top(g.external, a.cfg.Top)
	l.ExternalTotal, l.ExternalCapped = len(g.external), g.externalCapped
	l.InboundServers = top(g.inServers, a.cfg.Top)
	l.InboundServersTotal, l.InboundServersCapped = len(g.inServers), g.inCapped
	l.OutboundServers = top(g.outServers, a.cfg.Top)
	l.OutboundServersTotal, l.OutboundServersCapped = len(g.outServers), g.outCapped
	l.Severity = audit.High
	if l.MaxRounds >= 10 || l.PeakPerInterval >= 100 || g.maxDepth >= 5 {
		l.Severity = audit.Critical
	}
	return l, true
}

// loopSpan is a looping root's first and last seen, and its reports and
// their recipients in that span: its reports', cut to the loop's. Where
// reports stack prefixes, it spans their deep reports' cluster and the
// first round before it (stackedExtent); otherwise its chains of rounds
// (chainExtent). A side cut off
// that way is as exact as a round's slot, RoundSpacing. The reports cut off
// are those of the slots the reporters keep (rounds.go).
func (a *Analyzer) loopSpan(r *rootAgg, gap, minRounds int64) (s span, reports, recipients int64) {
	s, reports, recipients = r.span, r.reports, r.recipients
	var from, to int64
	ok := r.stacked(minRounds) && len(r.deep.slots) > 0
	if ok {
		from, to = r.stackedExtent(gap)
	} else {
		from, to, ok = r.chainExtent(gap, minRounds)
	}
	if !ok {
		return s, reports, recipients
	}
	if lo := time.Unix(from*a.roundSpacing, 0).UTC(); s.first.Before(lo) {
		s.first = lo
	}
	if hi := time.Unix((to+1)*a.roundSpacing-1, 0).UTC(); s.last.After(hi) {
		s.last = hi
	}
	n, rc := r.outside(from, to)
	return s, reports - n, max(recipients-rc, 0)
}

func (a *Analyzer) timeline(b map[int64]int64) []audit.Count {
	out := make([]audit.Count, 0, len(b))
	for k, n := range b {
		out = append(out, audit.Count{At: time.Unix(k*a.interval, 0).UTC(), N: n})
	}
	slices.SortFunc(out, func(x, y audit.Count) int { return x.At.Compare(y.At) })
	return out
}

// top returns the n busiest keys, ties by key.
func top(m map[string]int64, n int) []audit.AddressCount {
	out := make([]audit.AddressCount, 0, len(m))
	for k, v := range m {
		out = append(out, audit.AddressCount{Address: k, N: v})
	}
	slices.SortFunc(out, func(x, y audit.AddressCount) int {
		if c := cmp.Compare(y.N, x.N); c != 0 {
			return c
		}
		return cmp.Compare(x.Address, y.Address)
	})
	if len(out) > n {
		out = out[:n]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
