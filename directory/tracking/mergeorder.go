package tracking

// mergeOrder keeps a run's logs that have events left as a binary heap by
// their next event's time, so that the merge finds the earliest in a
// comparison or two an event rather than by looking at every log: a
// hundred servers' logs scanned in turn cost more than parsing them. On a
// tie the event that comes first in a message's passage does (see
// passageRank), then the earlier log in the run.
type mergeOrder struct {
	logs []runCursor
	heap []int // indexes into logs; heap[0] is the log to read from
}

// before reports whether log a's next event comes before log b's.
func (o *mergeOrder) before(a, b int) bool {
	ca, cb := &o.logs[a], &o.logs[b]
	if ca.sec != cb.sec {
		return ca.sec < cb.sec
	}
	if ca.nsec != cb.nsec {
		return ca.nsec < cb.nsec
	}
	if ca.rank != cb.rank {
		return ca.rank < cb.rank
	}
	return a < b
}

// passageRank orders the events of one moment on several servers as a
// message passes through a server's stages: submitted or received, then
// expanded and routed, then handed on or failed, then reported on (the
// report of a failure is made after it), then sent out or delivered (a
// report too is sent after it is made). Exports give whole seconds, in
// which an edge's RECEIVE and the hub's EXPAND or DSN of the same message
// often fall: read in the logs' order, the hub's report came before the
// arrival it answers when the hub's log was given first. Across a relay
// hop the order is not kept: a hub's RECEIVE of a second comes before the
// edge's SEND that handed the message over (sends to the organization's
// own servers count for nothing).
func passageRank(eventID string) uint8 {
	switch eventID {
	case "SUBMIT":
		return 0
	case "RECEIVE":
		return 1
	case "TRANSFER", "FAIL":
		return 3
	case "DSN":
		return 4
	case "SEND", "DELIVER":
		return 5
	}
	return 2
}

func (o *mergeOrder) push(k int) {
	o.heap = append(o.heap, k)
	for i := len(o.heap) - 1; i > 0; {
		up := (i - 1) / 2
		if !o.before(o.heap[i], o.heap[up]) {
			break
		}
		o.heap[i], o.heap[up] = o.heap[up], o.heap[i]
		i = up
	}
}

// popFirst drops the first log, whose events are all read.
func (o *mergeOrder) popFirst() {
	last := len(o.heap) - 1
	o.heap[0] = o.heap[last]
	o.heap = o.heap[:last]
	o.fixFirst()
}

// fixFirst puts the first log back in its place once its next event has
// changed: usually it stays first, which costs a comparison with each of
// its two children.
func (o *mergeOrder) fixFirst() {
	h := o.heap
	for i := 0; ; {
		least, l := i, 2*i+1
		if l >= len(h) {
			return
		}
		if o.before(h[l], h[least]) {
			least = l
		}
		if r := l + 1; r < len(h) && o.before(h[r], h[least]) {
			least = r
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}

// inPassageOrder puts an export's events of one moment in passageRank
// order, leaving the rest in theirs. An export gives whole seconds, so a
// second's rows of an edge (RECEIVE, SEND) and of a hub (EXPAND, DELIVER)
// tie at the merge: ranking only each export's next row, the edge's SEND
// went before the hub's EXPAND it belongs to whenever the hub's next row
// was a DELIVER of the same second. A batch is in time order but for a
// few rows, so an insertion sort moves little.
func inPassageOrder(evs []Event) {
	for i := 1; i < len(evs); i++ {
		if !rankedBefore(&evs[i], &evs[i-1]) {
			continue
		}
		e := evs[i]
		j := i
		for ; j > 0 && rankedBefore(&e, &evs[j-1]); j-- {
			evs[j] = evs[j-1]
		}
		evs[j] = e
	}
}

// rankedBefore reports whether a comes before b at one moment.
func rankedBefore(a, b *Event) bool {
	return a.Time.Equal(b.Time) && passageRank(a.EventID) < passageRank(b.EventID)
}
