package mailflow

import (
	"slices"

	"dgaudit/directory/tracking"
)

// A message a group expanded comes back into the same group under its own
// Message-ID when one of the group's external members is itself a list (or
// forwards) that includes the group: nothing about it is a report, so the
// rounds of reports do not see it. Exchange expands a message for a group
// once (a second expansion inside the organization is logged as
// DUPLICATEEXPAND or RESOLVER.ADR.AlreadyExpanded), so the same message
// expanded by the same group again is a return when the last expansion
// reached someone outside and it came back within Config.RoundGap: one
// announcement reaching a group of internal members through three outside
// lists, or an application reusing one Message-ID every day, is no loop.
// Where it came back from is not asked: with several servers' logs, the
// edge's RECEIVE from outside may be read long after the hub's expansion.

// reentry is the last expansion of one message by one group.
type reentry struct {
	// last is when (Unix milliseconds, 0 for none).
	last int64
	// outside is set when it reached an external recipient.
	outside bool
}

// reenter records an expansion of ev's message by g. It returns the time of
// the group's last expansion of the message when this one is a return (see
// above), and the record whose outside the caller sets once it knows whether
// this expansion reached outside (nil without a Message-ID).
func (a *Analyzer) reenter(g *groupAgg, ev *tracking.Event) (prev int64, isReturn bool, rec *reentry) {
	if ev.MessageID == "" {
		return 0, false, nil
	}
	k := hash(ev.MessageID)*1099511628211 ^ g.addrHash
	now := ev.Time.UnixMilli()
	r, _ := a.reentries.slot(k)
	prev = r.last
	isReturn = prev != 0 && prev != now && r.outside && absDiff(now, prev) <= a.roundGap*1000
	if prev != now {
		r.last, r.outside = now, false
	}
	return prev, isReturn, r
}

// returnAgg is a message that came back into a group.
type returnAgg struct {
	// times are its distinct expansion times (Unix milliseconds, sorted,
	// at most perReturnTimes), so that a row read twice counts once
	// whatever the order.
	times []int64
	// count is its expansions after the first (exact where times stops at
	// its cap), recipients the members those reached.
	count, recipients int64
	span
}

const perReturnTimes = 256

// returns is how many times the message came back.
func (r *returnAgg) returns() int64 { return int64(len(r.times)) - 1 }

// returnOf records a return of ev's message into g, the group having
// expanded it last at prev. It returns nil when the expansion was already
// counted (the same row read twice) or the group's returning messages are at
// their cap.
func (a *Analyzer) returnOf(g *groupAgg, ev *tracking.Event, prev int64) (r *returnAgg, dup bool) {
	k := hash(ev.MessageID)
	r = g.returns[k]
	if r == nil {
		if len(g.returns) >= a.cfg.MaxPerGroup {
			a.truncated["returning messages per group"] = true
			return nil, false
		}
		if g.returns == nil {
			g.returns = map[uint64]*returnAgg{}
		}
		r = &returnAgg{times: []int64{prev}}
		g.returns[k] = r
	}
	now := ev.Time.UnixMilli()
	i, found := slices.BinarySearch(r.times, now)
	if found {
		return nil, true
	}
	if len(r.times) < perReturnTimes {
		r.times = slices.Insert(r.times, i, now)
	}
	return r, false
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}
