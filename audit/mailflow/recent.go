package mailflow

// recent remembers values for hashed keys (message IDs) in a fixed table
// of slot pairs: a key's pair is picked by its hash, a new key takes the
// pair's first slot, the key there moves to the second, and the one that
// was in the second, the older, is dropped. It ties the rows of one
// message together (an expansion and its SEND rows, an inbound message and
// its failure report), which sit close together in the logs; memory is
// fixed and no map is touched per row, which matters at millions of rows.
//
// A slot of its own for every key (direct mapping) lost a message whenever
// one other message of the few read between its rows took the slot: two
// of 6,069 backscatter reports, with 65,536 slots, when an edge's and a
// hub's exports were merged (a second's rows of the two servers then come
// apart), and 62 with 256 slots. A pair is lost only to two of them (none
// and one), and its second slot is in the first one's cache line.
type recent[V any] struct {
	slots
	vals []V
}

// slots are recent's keys, apart from its values, so that finding a key
// is plain code rather than code for each type of value.
type slots struct {
	// tags hold 16 bits of each slot's key, 0 for an empty slot. Most
	// look-ups (a delivery of mail no group expanded) find another key:
	// the tags settle those, and at 2 bytes a slot they stay in the cache
	// while gigabytes of log text stream past, where the keys (8 bytes a
	// slot) do not.
	tags []uint16
	keys []uint64
	// pair masks a hash to its pair's first slot.
	pair uint64
}

// newRecent makes a table of at least n slots (rounded up to a power of
// two, two at least).
func newRecent[V any](n int) *recent[V] {
	size := 2
	for size < n {
		size <<= 1
	}
	return &recent[V]{slots: slots{tags: make([]uint16, size), keys: make([]uint64, size), pair: uint64(size-1) &^ 1}, vals: make([]V, size)}
}

// tagOf takes the key's top bits (the slot index takes the bottom ones),
// never 0.
func tagOf(k uint64) uint16 { return uint16(k>>48) | 1 }

// find returns the slot k is in, ok false when it is in neither of its
// pair's. The newest key, the one most looked up, is in the first slot.
func (s *slots) find(k uint64) (i uint64, ok bool) {
	i, t := k&s.pair, tagOf(k)
	if s.tags[i] != t || s.keys[i] != k {
		i++
	}
	return i, s.tags[i] == t && s.keys[i] == k
}

// place returns k's slot, claiming one when k has none: the first of its
// pair, whose key moves to the second (moved set), dropping the key there.
// The caller moves the value.
func (s *slots) place(k uint64) (i uint64, claimed, moved bool) {
	if i, ok := s.find(k); ok {
		return i, false, false
	}
	i = k & s.pair
	if s.tags[i] != 0 {
		s.tags[i+1], s.keys[i+1] = s.tags[i], s.keys[i]
		moved = true
	}
	s.tags[i], s.keys[i] = tagOf(k), k
	return i, true, moved
}

func (r *recent[V]) put(k uint64, v V) {
	i, _, moved := r.place(k)
	if moved {
		r.vals[i+1] = r.vals[i]
	}
	r.vals[i] = v
}

func (r *recent[V]) get(k uint64) (v V, ok bool) {
	i, ok := r.find(k)
	if ok {
		v = r.vals[i]
	}
	return v, ok
}

// slot returns k's value to update in place: the one stored for k, or a
// zero value in a slot k takes, with the value of the key it dropped. The
// pointer is good until the next put or slot: a new key of the pair moves
// the value to the pair's second slot.
func (r *recent[V]) slot(k uint64) (v *V, evicted V) {
	i, claimed, moved := r.place(k)
	if claimed {
		if moved {
			evicted, r.vals[i+1] = r.vals[i+1], r.vals[i]
		}
		var zero V
		r.vals[i] = zero
	}
	return &r.vals[i], evicted
}

// take returns k's value and frees its slot.
func (r *recent[V]) take(k uint64) (v V, ok bool) {
	i, ok := r.find(k)
	if ok {
		v = r.vals[i]
		var zero V
		r.tags[i], r.keys[i], r.vals[i] = 0, 0, zero
	}
	return v, ok
}

// front returns k's value to update in place, as slot does, with k moved
// to its pair's first slot: a key kept in use (a flood's count) then
// outlives keys put after it and not used again, which a new key of the
// pair would otherwise drop first. The pointer is good until the next
// put, slot or front.
func (r *recent[V]) front(k uint64) *V {
	i, ok := r.find(k)
	if !ok {
		v, _ := r.slot(k)
		return v
	}
	if j := k & r.pair; i != j {
		r.tags[i], r.tags[j] = r.tags[j], r.tags[i]
		r.keys[i], r.keys[j] = r.keys[j], r.keys[i]
		r.vals[i], r.vals[j] = r.vals[j], r.vals[i]
		i = j
	}
	return &r.vals[i]
}
