package tracking

// mergeOrder keeps a run's logs that have events left as a binary heap by
// their next event's time, the earlier log in the run first on a tie, so
// that the merge finds the earliest in a comparison or two an event rather
// than by looking at every log: a hundred servers' logs scanned in turn
// cost more than parsing them.
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
	return a < b
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
