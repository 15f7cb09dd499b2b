package mailflow

// recent remembers values for hashed keys (message IDs) in a fixed,
// direct-mapped table: a key's slot is its hash modulo the size, and a new
// key takes the slot over. It ties the rows of one message together (an
// expansion and its SEND rows, an inbound message and its failure report),
// which sit close together in the logs; memory is fixed and no map is
// touched per row, which matters at millions of rows.
type recent[V any] struct {
	// keys and vals are parallel: a look-up that finds another key (most
	// do: a delivery of mail no group expanded) reads only keys, half the
	// memory of key and value together, so more of it stays in the cache.
	keys []uint64
	vals []V
	mask uint64
	// used has a bit per slot that has ever held a key. It is small enough
	// to stay in the L1 cache, and while the table fills, look-ups that
	// find their slot never used stop there.
	used []uint64
}

// newRecent makes a table of at least n slots (rounded up to a power of two).
func newRecent[V any](n int) *recent[V] {
	size := 1
	for size < n {
		size <<= 1
	}
	return &recent[V]{keys: make([]uint64, size), vals: make([]V, size), mask: uint64(size - 1), used: make([]uint64, (size+63)/64)}
}

// slotKey keeps 0 free to mean an empty slot.
func slotKey(k uint64) uint64 {
	if k == 0 {
		return 1
	}
	return k
}

func (r *recent[V]) put(k uint64, v V) {
	k = slotKey(k)
	i := k & r.mask
	r.used[i/64] |= 1 << (i % 64)
	r.keys[i], r.vals[i] = k, v
}

func (r *recent[V]) get(k uint64) (V, bool) {
	k = slotKey(k)
	i := k & r.mask
	if r.used[i/64]&(1<<(i%64)) == 0 || r.keys[i] != k {
		var zero V
		return zero, false
	}
	return r.vals[i], true
}

// slot returns k's value to update in place: the one stored for k, or a
// zero value that takes over k's slot, with the value of another key it
// evicted.
func (r *recent[V]) slot(k uint64) (v *V, evicted V) {
	k = slotKey(k)
	i := k & r.mask
	r.used[i/64] |= 1 << (i % 64)
	if r.keys[i] != k {
		evicted = r.vals[i]
		var zero V
		r.keys[i], r.vals[i] = k, zero
	}
	return &r.vals[i], evicted
}

// take returns k's value and frees its slot.
func (r *recent[V]) take(k uint64) (V, bool) {
	k = slotKey(k)
	i := k & r.mask
	var zero V
	if r.keys[i] != k {
		return zero, false
	}
	v := r.vals[i]
	r.keys[i], r.vals[i] = 0, zero
	return v, true
}
