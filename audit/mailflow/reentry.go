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

// reentry is the last expansion of one message by one group. It is a slot
// of a table of Config.Window slots: 16 bytes, kept so (see slots_test.go).
type reentry struct {
	// last is when (Unix milliseconds, 0 for none).
	last int64
	// outside is set when it reached an external recipient; returned when
	// it was counted as a return (an Exchange Online member row of the
	// same time then counts to it, see arrivalRow).
	outside, returned bool
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
		r.last, r.outside, r.returned = now, false, false
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
	// first is the expansion that was not counted: the first read, which
	// need not be the earliest (an export newest first).
	first int64
	// root is the report's root when the message is a report (a bounce
	// that comes back under its own Message-ID): it is then one looping
	// message with the root's rounds, not a second one (see loopOf).
	root *rootAgg
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
		r = &returnAgg{times: []int64{prev}, first: prev}
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

// In Exchange Online a group's expansion lists no members: each member has a
// row of its own, with the arrival's Received time, and a message that comes
// back gets a new trace ID under the same Message-ID. A member row counts
// toward the return it belongs to, the arrival with its time, so that a
// return reaches as many members as it does on premises. The export lists
// the newest messages first and one message's rows in no promised order: a
// row of an arrival whose expansion has not been read yet is held, as a
// count, until the expansion says whether it is a return (takeArrival).
// Rows of the first arrival read before its expansion wait in early.

// arrivalKey is the key of the arrival of a message (h, its hash) at time
// now (Unix milliseconds).
func arrivalKey(h uint64, now int64) uint64 {
	return mix(uint64(now), h)
}

// arrivalRow counts a member row of Exchange Online's, of message h that g
// expanded, toward the return it belongs to, or holds it for its arrival's
// expansion to come.
func (a *Analyzer) arrivalRow(g *groupAgg, h uint64, ev *tracking.Event) {
	now := ev.Time.UnixMilli()
	r, _ := a.reentries.get(h*1099511628211 ^ g.addrHash)
	if r.last == now && !r.returned {
		// The common case: a row after its expansion, which was no return.
		return
	}
	ret := g.returns[h]
	switch {
	case r.last == now:
		// A row after its expansion, which was a return.
		if ret == nil {
			return
		}
	case ret != nil && ret.counted(now):
		// A row of a return read before the last expansion.
	case ret != nil && now == ret.first:
		// A row of the expansion that was not counted.
		return
	default:
		// Its arrival's expansion is yet to come.
		ret = nil
	}
	for _, m := range ev.Recipients {
		m = lower(m)
		if m == g.addr || !a.onceAt(h, m, now) {
			continue
		}
		if ret != nil {
			ret.recipients++
			continue
		}
		if a.arrivals == nil {
			a.arrivals = newRecent[uint32](a.cfg.Window)
		}
		n, _ := a.arrivals.slot(arrivalKey(h, now))
		*n++
	}
}

// counted reports whether the expansion at now was counted as a return.
func (r *returnAgg) counted(now int64) bool {
	_, found := slices.BinarySearch(r.times, now)
	return found && now != r.first
}

// takeArrival returns the member rows held for the arrival of message h at
// now, freeing their place.
func (a *Analyzer) takeArrival(h uint64, now int64) int64 {
	if a.arrivals == nil {
		return 0
	}
	n, _ := a.arrivals.take(arrivalKey(h, now))
	return int64(n)
}

// onceAt reports whether a member row of message h at now is new: an
// export read twice, or two that overlap, count its members once.
func (a *Analyzer) onceAt(h uint64, member string, now int64) bool {
	k := (h*1099511628211^hash(member))*1099511628211 ^ uint64(now)
	return a.onceKey(k*31 + 'A')
}
