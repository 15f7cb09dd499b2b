package mailflow

import (
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
// Two things count rounds of one root subject, and the larger wins:
//   - the distinct depths of report prefixes seen ("Undeliverable:",
//     "Undeliverable: Undeliverable:", ...): each deeper report is a report
//     of a report, whoever sent it and however long it took;
//   - where no report stacks prefixes (a "Delivery Status Notification
//     (Failure)" replaces the subject), one reporter's reports in its
//     largest cluster of Config.RoundSpacing slots with no pause over
//     Config.RoundGap: reports of one round arrive together, and loop
//     rounds follow each other within seconds to minutes. A cluster's first
//     slot is a round, and each later one unless it answers a fresh post.
//
// A fresh post is the group's own ordinary (not a report) expansion of a
// message with the root subject from an internal sender, a reply in its
// thread included. A reporter's report answers it when the post came after
// the reporter's report before: one partner's out-of-office or a ticket
// system answering each of six posts of "Weekly status" sent minutes apart
// answers six posts once each, one round. A loop is the answer itself coming
// back and being answered again, which no post starts: posts in a busy
// thread take a round off the count each, and hide a loop only when one
// falls between every two of its rounds. Mail from outside is no post: in a
// loop through an outside member who forwards the list's mail back to it,
// the forwarded copies are the loop's own traffic. Reports that replace
// the subject share the empty root, which no post ties them to: a member's
// server bouncing each of several posts that way within the gap still
// counts as rounds.
//
// All of these are sets, so the count does not depend on the order rows are
// read in (a newest-first export, one server's folder after another's),
// as long as none is full: each keeps its earliest entries (see
// perReporterSlots, perRootPosts), and posts read before any report of
// their root wait in a small table (heldPosts) that keeps the latest few of
// each root and that other roots' posts may take over.

// reporterRun is the time slots of one reporter's reports of one root
// subject.
type reporterRun struct {
	reporter uint64
	// slots are sorted and distinct, the earliest perReporterSlots of
	// them.
	slots []int64
}

// perRootReporters bounds the reporters tracked for one root subject, and
// perReporterSlots the slots of each: a list of hundreds of members may
// each answer a post once, and a loop has shown itself long before it has
// run 64 rounds. perRootPosts bounds the slots of the root's posts: a
// monitoring alert's subject posted every quarter of an hour for six weeks,
// which a responder may answer at any time.
const (
	perRootReporters = 32
	perReporterSlots = 64
	perRootPosts     = 4096
)

// addReport records a report of the root at slot with depth prefixes.
func (r *rootAgg) addReport(reporter uint64, slot int64, depth int) {
	r.depths |= 1 << min(depth, 63)
	run := r.runOf(reporter)
	run.slots = insertEarliest(run.slots, slot, perReporterSlots)
}

// addPost records a fresh post of the root at slot.
func (r *rootAgg) addPost(slot int64) {
	r.posts = insertEarliest(r.posts, slot, perRootPosts)
}

// insertEarliest adds v to s, sorted and distinct, keeping its limit
// earliest values: which they are does not depend on the order they come
// in.
func insertEarliest(s []int64, v int64, limit int) []int64 {
	i, found := slices.BinarySearch(s, v)
	if found || i >= limit {
		return s
	}
	if len(s) >= limit {
		s = s[:limit-1]
	}
	return slices.Insert(s, i, v)
}

// postAfter reports whether the root has a post in the slots after from up
// to and including to.
func (r *rootAgg) postAfter(from, to int64) bool {
	i, _ := slices.BinarySearch(r.posts, from+1)
	return i < len(r.posts) && r.posts[i] <= to
}

// chain is one cluster of a reporter's slots with no pause over the round
// gap: its first and last slot and its rounds.
type chain struct{ first, last, rounds int64 }

// chains calls fn with each of run's chains; gap is RoundGap in slots.
func (r *rootAgg) chains(run reporterRun, gap int64, fn func(c chain)) {
	var c chain
	for i, s := range run.slots {
		switch {
		case i == 0 || s-run.slots[i-1] > gap:
			if i > 0 {
				fn(c)
			}
			c = chain{first: s, rounds: 1}
		case !r.postAfter(run.slots[i-1], s):
			c.rounds++
		}
		c.last = s
	}
	if len(run.slots) > 0 {
		fn(c)
	}
}

// runOf returns reporter's run, making room for it when needed: the run
// with the fewest slots (a member that answered once) gives way.
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
	for i := range r.runs {
		if len(r.runs[i].slots) < len(r.runs[least].slots) {
			least = i
		}
	}
	r.runs[least] = reporterRun{reporter: reporter, slots: r.runs[least].slots[:0]}
	return &r.runs[least]
}

// rounds is the root's count of rounds; gap is RoundGap in slots. Where
// reports stack prefixes the depths count them, and the slots are left out:
// the thousands of reports of a late round of a doubling loop take many
// slots to arrive.
func (r *rootAgg) rounds(gap int64) int64 {
	best := int64(bits.OnesCount64(r.depths))
	if r.depths>>2 != 0 {
		return best
	}
	for _, run := range r.runs {
		r.chains(run, gap, func(c chain) { best = max(best, c.rounds) })
	}
	return best
}

// chainExtent is the first and last slot of the chains of rounds that make
// the root a loop, so that other reports of the root (an out-of-office
// answering a post of the same subject a month before) neither stretch its
// first and last seen nor thin its rate. Where reports stack prefixes it is
// the cluster of all reporters' slots, with no pause over the gap, that
// holds the most of them: depth counts those rounds, and one round's
// reports come from many members' servers. Otherwise it spans each
// reporter's chain with the most rounds (the earliest of equal ones) that
// has minRounds or more; ok is false when none has. open is set when the
// extent ends at the last slot a full run could keep: the loop may have
// gone on.
func (r *rootAgg) chainExtent(gap, minRounds int64) (from, to int64, open, ok bool) {
	full := func(run reporterRun, last int64) bool {
		return len(run.slots) == perReporterSlots && run.slots[len(run.slots)-1] == last
	}
	if r.depths>>2 != 0 {
		var all []int64
		for _, run := range r.runs {
			all = append(all, run.slots...)
		}
		slices.Sort(all)
		all = slices.Compact(all)
		var bestN int
		for i := 0; i < len(all); {
			j := i + 1
			for j < len(all) && all[j]-all[j-1] <= gap {
				j++
			}
			if j-i > bestN {
				bestN, from, to = j-i, all[i], all[j-1]
			}
			i = j
		}
		for _, run := range r.runs {
			if len(run.slots) > 0 && run.slots[len(run.slots)-1] >= from && run.slots[len(run.slots)-1] <= to {
				open = open || full(run, run.slots[len(run.slots)-1])
			}
		}
		return from, to, open, bestN > 0
	}
	for _, run := range r.runs {
		var best chain
		r.chains(run, gap, func(c chain) {
			if c.rounds > best.rounds {
				best = c
			}
		})
		if best.rounds < minRounds {
			continue
		}
		if !ok || best.first < from {
			from = best.first
		}
		if !ok || best.last > to {
			to = best.last
		}
		open = open || full(run, best.last)
		ok = true
	}
	return from, to, open, ok
}

// reporterOf names who sent a report. A person's or responder's address
// names it; a bounce address names its domain, less a host label: several
// MX hosts of one provider bounce as MAILER-DAEMON@mx1..., @mx2... in
// turn. A report that names no sender is named by the server it came from
// outside (when its RECEIVE was read before), or else "<>".
func (a *Analyzer) reporterOf(sender, messageID string) string {
	if sender == "" || sender == "<>" {
		if host, ok := a.inbound.get(hash(messageID)); ok && messageID != "" {
			return host
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
