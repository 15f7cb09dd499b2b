package mailflow

import (
	"time"

	"dgaudit/directory/tracking"
)

// A message a group expanded comes back into the same group under its own
// Message-ID when one of the group's external members is itself a list (or
// forwards) that includes the group: nothing about it is a report, so the
// round counting of reports does not see it. Exchange expands a message for
// a group once (a second expansion inside the organization is logged as
// DUPLICATEEXPAND or RESOLVER.ADR.AlreadyExpanded), so the same message
// expanded by the same group again at another time has left the
// organization and come back.

// reentry is how often one message was expanded by one group, and when last.
type reentry struct {
	n    int64
	last int64 // Unix seconds
}

// reenter records an expansion of ev's message by g and returns how many
// times the group has expanded it, 1 for the first.
//
// An expansion logged at the very second of the last one is the same
// expansion read twice (overlapping exports, the same file given twice),
// not a return.
func (a *Analyzer) reenter(g *groupAgg, ev *tracking.Event) int64 {
	if ev.MessageID == "" {
		return 1
	}
	k := hash(ev.MessageID)*1099511628211 ^ hash(g.addr)
	now := ev.Time.Unix()
	r, _ := a.reentries.slot(k)
	switch {
	case r.n == 0:
		r.n = 1
	case r.last != now:
		r.n++
	}
	r.last = now
	return r.n
}

// seeReentry adds a return of a message into g: n is how many times the
// group has now expanded it.
func (g *groupAgg) seeReentry(n int64, t time.Time, recips int64) {
	if n == 2 {
		g.reentered++
	}
	g.reentries++
	g.reentryRecips += recips
	g.maxReentry = max(g.maxReentry, n)
	g.reentrySpan.see(t)
}
