package mailflow

import "time"

// A loop is a chain of rounds: a report (bounce or automatic reply) comes
// into the group, the group passes it on, a member's server or responder
// answers it with another report, and so on. Reports with the same root
// subject are not enough to call it one: three members each answering one
// post once, or one partner's out-of-office answering a weekly newsletter
// ten weeks running, are single reports, not rounds. So rounds are counted
// per root subject and per reporter (the sender of the report), and only
// while the reports follow each other closely (Config.RoundGap); within such
// a chain a report is a new round when it is a report of a report (its
// prefix stack is deeper than any before it in the chain) or, for reporters
// that do not stack prefixes (a "Delivery Status Notification (Failure)"
// replaces the subject), when it comes at least Config.RoundSpacing after
// the chain's last round: reports of one round arrive together.

// reporterRun is one reporter's chain of rounds for one root subject.
type reporterRun struct {
	reporter uint64
	// last is the time of the reporter's last report, lastRound that of
	// the last one counted as a round (Unix seconds).
	last, lastRound int64
	deepest         int
	rounds          int64
}

// perRootReporters bounds the reporters tracked for one root subject: a list
// of hundreds of members may each answer a post once. When it is full, the
// reporter heard from least recently gives way; the rounds it reached are
// already in the root's maxRounds.
const perRootReporters = 32

// round records a report from reporter at t with depth report prefixes and
// returns the rounds of its chain.
func (r *rootAgg) round(reporter uint64, t time.Time, depth int, gap, spacing int64) int64 {
	now := t.Unix()
	run := r.runOf(reporter, now)
	switch {
	case run.rounds == 0 || absDiff(now, run.last) > gap:
		run.rounds, run.deepest, run.lastRound = 1, depth, now
	case depth > run.deepest:
		run.rounds++
		run.deepest, run.lastRound = depth, now
	case absDiff(now, run.lastRound) >= spacing:
		run.rounds++
		run.lastRound = now
	}
	run.last = now
	r.maxRounds = max(r.maxRounds, run.rounds)
	return run.rounds
}

// runOf returns reporter's chain, making room for it when needed.
func (r *rootAgg) runOf(reporter uint64, now int64) *reporterRun {
	for i := range r.runs {
		if r.runs[i].reporter == reporter {
			return &r.runs[i]
		}
	}
	if len(r.runs) < perRootReporters {
		r.runs = append(r.runs, reporterRun{reporter: reporter})
		return &r.runs[len(r.runs)-1]
	}
	stalest := 0
	for i := range r.runs {
		if r.runs[i].last < r.runs[stalest].last {
			stalest = i
		}
	}
	r.runs[stalest] = reporterRun{reporter: reporter}
	return &r.runs[stalest]
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

// reporterOf names who sent a report, for telling rounds from parallel
// reports: its sender, or "<>" for a report that names none.
func reporterOf(sender string) string {
	if sender == "" || sender == "<>" {
		return "<>"
	}
	return sender
}
