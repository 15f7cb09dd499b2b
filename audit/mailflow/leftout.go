package mailflow

import (
	"cmp"
	"slices"
)

// A reporter keeps perReporterSlots slots; past that, the ones between its
// earliest and latest half are left out, and kept only as the stretches
// they fall in, with their counts: enough to count a loop among many
// answers to posts, or the middle of a long one, as rounds.

// stretch is a run of n left-out slots with no pause over the gap, with
// their reports and the members those reached.
type stretch struct {
	first, last            int64
	n, reports, recipients int64
}

// maxStretches bounds a run's middle.
const maxStretches = 4

// leftOut records slot, with its counts, dropped from the middle of the
// run. Of more than maxStretches the one with the fewest rounds gives way
// (its slots less the root's posts among them as read so far: the days of
// answers to alerts around a loop, not the loop), of equal ones the latest.
func (run *reporterRun) leftOut(slot int64, c slotCount, gap int64, posts []int64) {
	run.dropped = true
	merged := stretch{slot, slot, 1, int64(c.reports), int64(c.recipients)}
	kept := run.middle[:0]
	for _, m := range run.middle {
		if m.first-gap <= merged.last && merged.first <= m.last+gap {
			merged = stretch{min(m.first, merged.first), max(m.last, merged.last), m.n + merged.n, m.reports + merged.reports, m.recipients + merged.recipients}
		} else {
			kept = append(kept, m)
		}
	}
	i, _ := slices.BinarySearchFunc(kept, merged, func(a, b stretch) int { return cmp.Compare(a.first, b.first) })
	run.middle = slices.Insert(kept, i, merged)
	if len(run.middle) > maxStretches {
		rounds := func(m stretch) int64 {
			lo, _ := slices.BinarySearch(posts, m.first)
			hi, _ := slices.BinarySearch(posts, m.last+1)
			return m.n - int64(hi-lo)
		}
		least := 0
		for j, m := range run.middle {
			if rounds(m) <= rounds(run.middle[least]) {
				least = j
			}
		}
		run.middle, run.broken = slices.Delete(run.middle, least, least+1), true
	}
}

// runChains calls fn with each of run's chains, the slots it left out
// included: the chain that reaches its last earliest slot goes on through
// the stretch of left-out slots it runs into, and on into the chain its
// latest slots begin with when that stretch runs into it too; the other
// stretches are chains of their own. A stretch's rounds are its slots less
// the posts among them.
func (r *rootAgg) runChains(run reporterRun, gap int64, answers bool, fn func(c chain)) {
	h := perReporterSlots / 2
	if !run.dropped || len(run.slots) <= h {
		r.chains(run, gap, answers, fn)
		return
	}
	// after is the rounds of a stretch joined after slot prev: its slots
	// less the posts since prev, which some of them answered.
	after := func(prev int64, m stretch) int64 {
		if !answers {
			return m.n
		}
		return max(m.n-r.postsIn(prev+1, m.last), 0)
	}
	alone := func(m stretch) int64 { return max(after(m.first-1, m), 1) }
	// join adds late to c, which it goes on from: late's first slot is no
	// round when it answered a post.
	join := func(c *chain, late chain) {
		n, begin, end := late.rounds, late.first, late.end
		if answers && late.answered {
			n, begin, end = n-1, late.begin, late.later
		}
		if n > 0 {
			c.rounds += n
			c.end = end
			if c.begin == 0 {
				c.begin = begin
			}
		}
		c.last, c.to = late.last, late.to
	}
	// through adds the stretch m to c, which it goes on from.
	through := func(c *chain, m stretch) {
		if n := after(c.last, m); n > 0 {
			c.rounds += n
			c.end = m.last
			if c.begin == 0 {
				c.begin = m.first
			}
		}
		c.last = m.last
	}
	mids := run.middle
	var early, late chain
	r.chains(run, gap, answers, func(c chain) {
		switch {
		case c.from < h && c.to >= h:
			// It spans the middle: every stretch is in it, between
			// slots h-1 and h, no more than the gap apart.
			for _, m := range mids {
				if n := after(run.slots[h-1], m); n > 0 {
					c.rounds += n
					c.end = max(c.end, m.last)
				}
			}
			mids = nil
			fn(c)
		case c.to == h-1:
			early = c
		case c.from == h:
			late = c
		default:
			fn(c)
		}
	})
	if early.rounds > 0 && len(mids) > 0 && mids[0].first-early.last <= gap {
		m := mids[0]
		mids = mids[1:]
		through(&early, m)
		if !run.broken && len(mids) == 0 && late.rounds > 0 && late.first-m.last <= gap {
			join(&early, late)
			late = chain{}
		}
	}
	if late.rounds > 0 && len(mids) > 0 && late.first-mids[len(mids)-1].last <= gap {
		// The stretch just before the latest slots runs into them.
		m := mids[len(mids)-1]
		mids = mids[:len(mids)-1]
		c := chain{first: m.first, last: m.last, end: m.last, rounds: alone(m), from: -1, to: -1}
		join(&c, late)
		late = c
	}
	if early.rounds > 0 {
		fn(early)
	}
	if late.rounds > 0 {
		fn(late)
	}
	for _, m := range mids {
		fn(chain{first: m.first, last: m.last, end: m.last, rounds: alone(m), from: -1, to: -1})
	}
}
