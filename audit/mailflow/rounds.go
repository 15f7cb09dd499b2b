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
//     (Failure)" replaces the subject), the distinct
//     Config.RoundSpacing slots one reporter's reports fell in, in the
//     largest cluster with no pause over Config.RoundGap and no fresh post
//     of the root in between: reports of one round arrive together, and
//     loop rounds follow each other within seconds to minutes.
//
// A fresh post is the group's own ordinary (not a report) expansion of a
// message with the root subject, whoever sent it, a reply in its thread
// included: a report in the post's slot or a later one, with none of the
// reporter's in between, answers that post and starts the reporter's chain
// anew. One partner's out-of-office or a ticket system answering each of six
// posts of "Weekly status" sent minutes apart answers six posts once each; a
// loop is the answer itself coming back and being answered again, which no
// post starts. A post between two rounds of a loop splits it, and the longer
// side counts: a slow loop whose every round a reply in the thread
// interrupts is not found by its rounds. Reports that replace the subject
// share the empty root, which no post ties them to: posts restart no chain
// of theirs, and a member's server bouncing each of several posts that way
// within the gap still counts as rounds.
//
// All of these are sets, so the count does not depend on the order rows are
// read in (a newest-first export, one server's folder after another's),
// as long as none is full: each keeps its earliest entries (see
// perReporterSlots, perRootPosts), and posts read before any report of
// their root wait in a small table (heldPosts) that keeps a few of each
// root and that other roots' posts may take over.

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
// run 64 rounds. perRootPosts bounds the slots of the root's posts: twice a
// reporter's, for the posts a responder does not answer (an out-of-office
// answers each sender once).
const (
	perRootReporters = 32
	perReporterSlots = 64
	perRootPosts     = 2 * perReporterSlots
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
		var n int64
		for i, s := range run.slots {
			if i == 0 || s-run.slots[i-1] > gap || r.postAfter(run.slots[i-1], s) {
				n = 0
			}
			n++
			best = max(best, n)
		}
	}
	return best
}

// chainExtent is the first and last slot of the chains of rounds that make
// the root a loop: each reporter's longest chain (the earliest of equal
// ones) of minRounds rounds or more. ok is false when no chain is that long,
// or when prefixes stack: those rounds are counted by depth, and a late
// round of a doubling loop may arrive long after the one before. Other
// reports of the root (an out-of-office answering a post of the same
// subject a month before) are not the loop's, and must not stretch its
// first and last seen nor thin its rate.
func (r *rootAgg) chainExtent(gap, minRounds int64) (from, to int64, ok bool) {
	if r.depths>>2 != 0 {
		return 0, 0, false
	}
	for _, run := range r.runs {
		var n, best, first, bestFirst, bestLast int64
		for i, s := range run.slots {
			if i == 0 || s-run.slots[i-1] > gap || r.postAfter(run.slots[i-1], s) {
				n, first = 0, s
			}
			n++
			if n > best {
				best, bestFirst, bestLast = n, first, s
			}
		}
		if best < minRounds {
			continue
		}
		if !ok || bestFirst < from {
			from = bestFirst
		}
		if !ok || bestLast > to {
			to = bestLast
		}
		ok = true
	}
	return from, to, ok
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
