package mailflow

// recent remembers values for hashed keys (message IDs) in a fixed,
// direct-mapped table: a key's slot is its hash modulo the size, and a new
// key takes the slot over. It ties the rows of one message together (an
// expansion and its SEND rows, an inbound message and its failure report),
// which sit close together in the logs; memory is fixed and no map is
// touched per row, which matters at millions of rows.
type recent[V any] struct {
	// tags hold 16 bits of each slot's key, 0 for an empty slot. Most
	// look-ups (a delivery of mail no group expanded) find another key;
	// the tags settle those, and at 2 bytes a slot they stay in the cache
	// while gigabytes of log text stream past, where the keys (8 bytes a
	// slot) do not.
	tags []uint16
	keys []uint64
	vals []V
	mask uint64
}

// newRecent makes a table of at least n slots (rounded up to a power of two).
func newRecent[V any](n int) *recent[V] {
	size := 1
	for size < n {
		size <<= 1
	}
	return &recent[V]{tags: make([]uint16, size), keys: make([]uint64, size), vals: make([]V, size), mask: uint64(size - 1)}
}

// tagOf takes the key's top bits (the slot index takes the bottom ones),
// never 0.
func tagOf(k uint64) uint16 { return uint16(k>>48) | 1 }

func (r *recent[V]) put(k uint64, v V) {
	i := k & r.mask
	r.tags[i], r.keys[i], r.vals[i] = tagOf(k), k, v
}

func (r *recent[V]) get(k uint64) (V, bool) {
	i := k & r.mask
	if r.tags[i] != tagOf(k) || r.keys[i] != k {
		var zero V
		return zero, false
	}
	return r.vals[i], true
}

// slot returns k's value to update in place: the one stored for k, or a
// zero value that takes over k's slot, with the value of another key it
// evicted.
func (r *recent[V]) slot(k uint64) (v *V, evicted V) {
	i := k & r.mask
	if r.tags[i] != tagOf(k) || r.keys[i] != k {
		evicted = r.vals[i]
		var zero V
		r.tags[i], r.keys[i], r.vals[i] = tagOf(k), k, zero
	}
	return &r.vals[i], evicted
}

// take returns k's value and frees its slot.
func (r *recent[V]) take(k uint64) (V, bool) {
	v, ok := r.get(k)
	if ok {
		i := k & r.mask
		var zero V
		r.tags[i], r.keys[i], r.vals[i] = 0, 0, zero
	}
	return v, ok
}
