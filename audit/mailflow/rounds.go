package mailflow

import (
	"math"
	"math/bits"
	"slices"
	"strings"
)

// A loop is a chain of rounds: a report (bounce or automatic reply) comes
// into the group, the group passes it on, a member's server or responder
// answers it with another report, and so on. Reports with the same root
// subject are not enough to call it one: three members each answering one
// post once, or one partner's out-of-office answering a weekly post ten
// weeks running, are single reports, not rounds.
//
// Two things count rounds of one root subject:
//   - the distinct depths of report prefixes seen ("Undeliverable:",
//     "Undeliverable: Undeliverable:", ...): each deeper report is a report
//     of a report, whoever sent it and however long it took. Where they
//     reach MinRounds they alone count (see rounds);
//   - otherwise, and the larger wins, one reporter's reports in its
//     largest cluster of Config.RoundSpacing slots with no pause over
//     Config.RoundGap: reports of one round arrive together, and loop
//     rounds follow each other within seconds to minutes (a "Delivery
//     Status Notification (Failure)" replaces the subject, an
//     out-of-office answers "Automatic reply:" once however deep). A
//     cluster's first slot is a round, and each later one unless it
//     answers a fresh post.
//
// A fresh post is the group's own ordinary (not a report) expansion of a
// message with the root subject, a reply in its thread included, from
// anyone but one of the group's outside members. Each post is answered once,
// by a reporter's first report after it within ten minutes (chains): one
// partner's out-of-office or a ticket system answering each of six posts of
// "Weekly status" sent minutes apart answers six posts once each, one
// round. A loop is the answer itself coming back and being answered again,
// which no post starts: posts in a busy thread take a round off the count
// each, and hide a loop only when one falls before every one of its
// rounds. An outside member's mail is no post (by its sender or its return
// path), nor a forward from an outside member's domain (isPost): in a loop
// through a member who forwards or redirects the list's mail back to it,
// the copies are the loop's own traffic. Reports that
// replace the subject share the empty root, which no post ties them to: a
// member's server bouncing each of several posts that way within the gap
// still counts as rounds.
//
// All of these are sets, so the count does not depend on the order rows are
// read in (a newest-first export, one server's folder after another's),
// as long as none is full: a reporter keeps its earliest and latest slots
// and the stretches between, a root its earliest posts (see
// perReporterSlots, perRootPosts), and posts read before any report of
// their root wait in a small table (heldPosts) that keeps the latest few of
// each root and that other roots' posts may take over.

// reporterRun is the time slots of one reporter's reports of one root
// subject.
type reporterRun struct {
	reporter uint64
	// slots are sorted and distinct: the earliest and the latest
	// perReporterSlots/2 of them, so that neither a loop that runs for
	// hours nor ordinary reports before it hide where it ends.
	slots []int64
	// counts are the reports in each slot and the members they reached,
	// so that a loop's figures leave out the reports outside its span.
	counts []slotCount
	// dropped is set when slots between those were left out; middle is
	// the stretches they fall in, each with no pause over the gap the run
	// was given, sorted, the maxStretches biggest of them (broken is set
	// when there were more): a loop among answers to posts, or the middle
	// of a long one, lives on there (runChains).
	dropped, broken bool
	middle          []stretch
}

type slotCount struct{ reports, recipients int32 }

// perRootReporters bounds the reporters tracked for one root subject, and
// perReporterSlots the slots of each: a list of hundreds of members may
// each answer a post once; a responder answering an alert every quarter of
// an hour for ten days, or a loop of three hours, fits (past that, see
// reporterRun.middle). perRootPosts bounds the slots of the root's posts: a
// monitoring alert's subject posted every five minutes for eight weeks,
// which a responder may answer at any time (128 KB, for a subject with a
// report only).
const (
	perRootReporters = 64
	perRootPosts     = 16384
)

// perReporterSlots is a variable only for the tests, which run what a
// reporter's left-out slots do with fewer of them.
var perReporterSlots = 1024

// addReport records a report of the root at slot with depth prefixes,
// which reached recipients members.
func (r *rootAgg) addReport(reporter uint64, slot int64, depth int, recipients, gap int64) {
	r.depths |= 1 << min(depth, 63)
	r.runOf(reporter).add(slot, recipients, gap, r.posts)
	if depth >= 2 {
		r.deep.add(slot, recipients, deepGap*gap, nil)
	}
}

// add records a report at slot. A run keeps its perReporterSlots/2
// earliest and latest slots (values leave the middle only, and one left
// out is never among the earliest or latest again, so which stay does not
// depend on the order they come in); the ones left out go to its middle's
// stretches, which gap splits, where posts are the root's (leftOut).
func (run *reporterRun) add(slot, recipients, gap int64, posts []int64) {
	i, found := slices.BinarySearch(run.slots, slot)
	if !found {
		run.slots = slices.Insert(run.slots, i, slot)
		run.counts = slices.Insert(run.counts, i, slotCount{})
	}
	c := &run.counts[i]
	if c.reports < math.MaxInt32 {
		c.reports++
	}
	c.recipients = int32(min(int64(c.recipients)+recipients, math.MaxInt32))
	if h := perReporterSlots / 2; len(run.slots) > perReporterSlots {
		run.leftOut(run.slots[h], run.counts[h], gap, posts)
		run.slots = slices.Delete(run.slots, h, h+1)
		run.counts = slices.Delete(run.counts, h, h+1)
	}
}

// outside is the reports and their recipients in the slots kept, and the
// stretches left out, before from or after to.
func (r *rootAgg) outside(from, to int64) (reports, recipients int64) {
	for _, run := range r.runs {
		for i, s := range run.slots {
			if s < from || s > to {
				reports += int64(run.counts[i].reports)
				recipients += int64(run.counts[i].recipients)
			}
		}
		for _, m := range run.middle {
			if m.last < from || m.first > to {
				reports += m.reports
				recipients += m.recipients
			}
		}
	}
	return reports, recipients
}

// addPost records a fresh post of the root at slot.
func (r *rootAgg) addPost(slot int64) {
	r.posts = insertEarliest(r.posts, slot, perRootPosts)
}

// insertEarliest adds v to s, sorted, keeping its limit earliest values
// (two posts in one slot are two posts, each answered once): which they are
// does not depend on the order they come in.
func insertEarliest(s []int64, v int64, limit int) []int64 {
	i, _ := slices.BinarySearch(s, v)
	if i >= limit {
		return s
	}
	if len(s) >= limit {
		s = s[:limit-1]
	}
	return slices.Insert(s, i, v)
}

// postsIn is how many of the root's posts fall in the slots from to to.
func (r *rootAgg) postsIn(from, to int64) int64 {
	i, _ := slices.BinarySearch(r.posts, from)
	j, _ := slices.BinarySearch(r.posts, to+1)
	return int64(j - i)
}

// chain is one cluster of a reporter's slots with no pause over the round
// gap: its first and last slot, the last that was a round (end: slots
// after it answered posts), their indexes in the run, and its rounds.
type chain struct {
	first, last, end, rounds int64
	from, to                 int
	// begin and later are the first and last slots after the first that
	// were rounds (0 for none); answered is set when the first slot used
	// up a post's credit too (it is a round all the same, as a chain's
	// first).
	begin, later int64
	answered     bool
}

// chains calls fn with each chain of run's kept slots; gap is RoundGap in
// slots. With answers set, a slot that answers a post is no round (but for
// a chain's first); otherwise every slot is one.
//
// Each post is answered once: the posts not yet answered, up to a sixth of
// the gap old (answerWindow), are a credit a slot uses up before it counts
// as a round, so that a burst of replies answered after a delay longer
// than their spacing is as many answers, not rounds. Posts nobody answered
// must not take rounds off a loop that comes later: an out-of-office
// answers each sender once, and a busy thread's replies before a loop are
// mostly unanswered.
func (r *rootAgg) chains(run reporterRun, gap int64, answers bool, fn func(c chain)) {
	var c chain
	// posts[next:seen] are the posts not yet answered.
	next, seen := 0, 0
	for i, s := range run.slots {
		newChain := i == 0 || s-run.slots[i-1] > gap
		if newChain {
			if i > 0 {
				fn(c)
			}
			c = chain{first: s, end: s, from: i}
		}
		credit := false
		if answers {
			for seen < len(r.posts) && r.posts[seen] <= s {
				seen++
			}
			for next < seen && r.posts[next] < s-max(gap/answerWindow, 1) {
				next++
			}
			if credit = next < seen; credit {
				next++
			}
		}
		switch {
		case newChain:
			c.rounds, c.end, c.answered = 1, s, credit
		case !credit:
			c.rounds++
			c.end, c.later = s, s
			if c.begin == 0 {
				c.begin = s
			}
		}
		c.last, c.to = s, i
	}
	if len(run.slots) > 0 {
		fn(c)
	}
}

// runOf returns reporter's run, making room for it when needed: the run
// with the fewest slots (a member that answered once) gives way, of those
// the one whose last slot is latest. A looping responder is often the
// first to answer a post, and would be the first to go in the order it
// came in, before its second round.
func (r *rootAgg) runOf(reporter uint64) *reporterRun {
	for i := range r.runs {
		if r.runs[i].reporter == reporter {
			return &r.runs[i]
		}
	}
	if len(r.runs) < perRootReporters {
		r.runs = append(r.runs, reporterRun{reporter: reporter})
		return &r.runs[len(r.runs)-1]
	}
	least := 0
	for i, run := range r.runs {
		l := r.runs[least]
		if len(run.slots) < len(l.slots) || len(run.slots) == len(l.slots) && len(l.slots) > 0 && run.slots[len(run.slots)-1] > l.slots[len(l.slots)-1] {
			least = i
		}
	}
	r.runs[least] = reporterRun{reporter: reporter, slots: r.runs[least].slots[:0], counts: r.runs[least].counts[:0]}
	return &r.runs[least]
}

// stacked reports whether the root's reports stack prefixes deep enough to
// be a loop by their depths alone.
func (r *rootAgg) stacked(minRounds int64) bool {
	return r.depths>>2 != 0 && int64(bits.OnesCount64(r.depths)) >= minRounds
}

// rounds is the root's count of rounds; gap is RoundGap in slots. Where
// reports stack prefixes to a loop the depths count them, and the slots are
// left out: the thousands of reports of a late round of a doubling loop
// take many slots to arrive. One report a prefix deeper than the rest (a
// dead member's server bouncing one copy of an out-of-office loop) stacks
// nothing: the slots count.
func (r *rootAgg) rounds(gap, minRounds int64) int64 {
	best := int64(bits.OnesCount64(r.depths))
	if r.stacked(minRounds) {
		return best
	}
	for _, run := range r.runs {
		r.runChains(run, gap, true, func(c chain) { best = max(best, c.rounds) })
	}
	return best
}

// chainExtent is the first and last slot of the chains of rounds that make
// the root a loop (where reports do not stack prefixes; see loopSpan for
// those that do), so that other reports of the root (an out-of-office
// answering a post of the same subject a month before) neither stretch its
// first and last seen nor thin its rate: it spans each reporter's chain
// with the most rounds (the earliest of equal ones; see runChains) that has
// minRounds or more, to its last round where answers to posts went on
// past it for more than the gap (they are not the loop's); ok is false when
// none has.
func (r *rootAgg) chainExtent(gap, minRounds int64) (from, to int64, ok bool) {
	for _, run := range r.runs {
		best := r.bestChain(run, gap, true)
		if best.rounds < minRounds {
			continue
		}
		first, last := best.first, best.last
		if best.begin != 0 && best.begin-first > gap {
			// Answers to posts came before its rounds, for over the
			// gap: they are not the loop's either.
			first = best.begin
		}
		if last-best.end > gap {
			last = best.end
		}
		if !ok || first < from {
			from = first
		}
		if !ok || last > to {
			to = last
		}
		ok = true
	}
	return from, to, ok
}

// bestChain is run's chain with the most rounds, the earliest of equal
// ones.
func (r *rootAgg) bestChain(run reporterRun, gap int64, answers bool) chain {
	var best chain
	r.runChains(run, gap, answers, func(c chain) {
		if c.rounds > best.rounds || c.rounds == best.rounds && c.first < best.first {
			best = c
		}
	})
	return best
}

// answerWindow divides the round gap into how long a post waits for its
// answer: ten minutes of the hour. Out-of-office replies and bounces come
// within seconds to minutes, and a ticket system polls every few.
const answerWindow = 6

// deepGap is the pause, in round gaps, that ends a loop whose reports
// stack prefixes: its rounds may come hours apart (a remote server
// retrying), where one report of a report a week away is no round of it.
const deepGap = 24

// stackedExtent is the first and last slot of a loop whose reports stack
// prefixes: the cluster of its reports two or more deep with no pause over
// deepGap round gaps that holds the most of them (the earliest of equal
// ones), from the first round's report before it to its last.
func (r *rootAgg) stackedExtent(gap int64) (from, to int64) {
	best := r.bestChain(r.deep, deepGap*gap, false)
	from, to = best.first, best.last
	// The first round is the report just before, at the loop's pace (twice
	// its rounds' mean interval, at least the gap, at most deepGap gaps),
	// and those before it with no pause over the gap.
	pace := gap
	if best.rounds > 1 {
		pace = min(max(2*(best.last-best.first)/(best.rounds-1), gap), deepGap*gap)
	}
	first, found := from, false
	for _, run := range r.runs {
		if i, _ := slices.BinarySearch(run.slots, from); i > 0 {
			if p := run.slots[i-1]; from-p <= pace && (!found || p > first) {
				first, found = p, true
			}
		}
	}
	from = first
	for {
		prev := from
		for _, run := range r.runs {
			i, _ := slices.BinarySearch(run.slots, from)
			if i > 0 && from-run.slots[i-1] <= gap {
				prev = min(prev, run.slots[i-1])
			}
		}
		if prev == from {
			return from, to
		}
		from = prev
	}
}

// reporterOf names who sent a report. A person's or responder's address
// names it; a bounce address names its domain, less a host label: several
// MX hosts of one provider bounce as MAILER-DAEMON@mx1..., @mx2... in
// turn. A report that names no sender is named by the server it came from
// outside (when its RECEIVE was read before), or else "<>".
func (a *Analyzer) reporterOf(sender, messageID string) string {
	if sender == "" || sender == "<>" {
		if in, ok := a.inbound.get(hash(messageID)); ok && messageID != "" {
			return in.src
		}
		return "<>"
	}
	if !isReportSender(sender) {
		return sender
	}
	_, domain, _ := strings.Cut(sender, "@")
	if label, parent, ok := strings.Cut(domain, "."); ok && label != "" {
		// Keep "partner.co.uk" whole: only a parent with a label longer
		// than a second-level suffix's (co, com, ac, gov) or with three
		// labels is an organization's own domain.
		first, _, _ := strings.Cut(parent, ".")
		if strings.Contains(parent, ".") && (len(first) > 3 || strings.Count(parent, ".") >= 2) {
			return parent
		}
	}
	return domain
}
