package mailflow

// recent remembers values for hashed keys (message IDs) in a fixed,
// direct-mapped table: a key's slot is its hash modulo the size, and a new
// key takes the slot over. It ties the rows of one message together (an
// expansion and its SEND rows, an inbound message and its failure report),
// which sit close together in the logs; memory is fixed and no map is
// touched per row, which matters at millions of rows.
type recent[V any] struct {
	// Key and value share a slot, so a look-up costs one cache miss, not
	// two: the table is larger than the caches and keys are random.
	slots []slot[V]
	mask  uint64
	// used has a bit per slot that has ever held a key. It is small enough
	// to stay in the L1 cache, and most look-ups (a delivery of mail no
	// group expanded) find their slot never used and stop there, without
	// the cache miss of reading the slot.
	used []uint64
}

type slot[V any] struct {
	key uint64
	val V
}

// newRecent makes a table of at least n slots (rounded up to a power of two).
func newRecent[V any](n int) *recent[V] {
	size := 1
	for size < n {
		size <<= 1
	}
	return &recent[V]{slots: make([]slot[V], size), mask: uint64(size - 1), used: make([]uint64, (size+63)/64)}
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
	r.slots[i] = slot[V]{k, v}
}

func (r *recent[V]) get(k uint64) (V, bool) {
	k = slotKey(k)
	i := k & r.mask
	if r.used[i/64]&(1<<(i%64)) == 0 {
		var zero V
		return zero, false
	}
	s := &r.slots[i]
	if s.key != k {
		var zero V
		return zero, false
	}
	return s.val, true
}

// slot returns k's value to update in place: the one stored for k, or a
// zero value that takes over k's slot, with the value of another key it
// evicted.
func (r *recent[V]) slot(k uint64) (v *V, evicted V) {
	k = slotKey(k)
	i := k & r.mask
	r.used[i/64] |= 1 << (i % 64)
	s := &r.slots[i]
	if s.key != k {
		evicted = s.val
		*s = slot[V]{key: k}
	}
	return &s.val, evicted
}

// take returns k's value and frees its slot.
func (r *recent[V]) take(k uint64) (V, bool) {
	k = slotKey(k)
	s := &r.slots[k&r.mask]
	if s.key != k {
		var zero V
		return zero, false
	}
	v := s.val
	*s = slot[V]{}
	return v, true
}
