package tracking

import "unsafe"

// carryLastMoment moves the events of cur's last moment (its last second,
// in an export) to the front of next, copied out of cur's buffer, so that
// they are put in passage order with the rest of that second's rows, which
// may begin next. Sorted batch by batch, a second that straddled two
// batches kept a hub's DELIVER at the end of one before its EXPAND at the
// start of the next, and the merge sent an edge's SEND of that second
// ahead of the expansion it belongs to: an edge's export given first lost
// 158 of a loop's 23,908 sends to the remote server.
//
// A row is copied once at most: carried rows lead the next batch, so they
// are its last moment again only when the whole batch is one moment, which
// stays. A second of more rows than a batch holds is still sorted in parts
// (one of a loop storm's at its peak, with the 8 KB batches of a merge of
// many logs).
func carryLastMoment(cur, next *batch) {
	evs := cur.events
	i := len(evs) - 1
	for i > 0 && evs[i-1].Time.Equal(evs[len(evs)-1].Time) {
		i--
	}
	if i == 0 {
		return
	}
	moved := evs[i:]
	size := 0
	for k := range moved {
		eachString(&moved[k], func(s *string) { size += len(*s) })
	}
	arena := make([]byte, 0, size)
	keep := func(s *string) {
		n := len(arena)
		arena = append(arena, *s...)
		*s = unsafe.String(unsafe.SliceData(arena[n:]), len(*s))
	}
	for k := range moved {
		ev := moved[k]
		eachString(&ev, keep)
		// The lists are cur's (batch.hold): they move to next's.
		ev.Recipients = next.hold(ev.Recipients)
		ev.RecipientStatus = next.hold(ev.RecipientStatus)
		next.events = append(next.events, ev)
	}
	clear(moved)
	cur.events = evs[:i]
}
