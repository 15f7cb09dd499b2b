package tracking

import "unsafe"

type batch struct {
	events []Event
	strs   []string // backing of the events' Recipients and RecipientStatus
	// buf is the read buffer the events' lines are in (with scanSlack
	// bytes after its length); a record gathered elsewhere is copied
	// out on its own (see parser.own).
	buf []byte
}

// batchPool hands out batches of one size and takes them back, so that a
// warm read allocates nothing and the collector stays idle. Batches put
// back beyond its room are left to the collector.
type batchPool struct {
	free chan *batch
	// bytes is a batch's buffer length, events the events it is made for:
	// as many as rows of Exchange logs fill the buffer.
	bytes, events int
}

func newBatchPool(room, bytes int) *batchPool {
	return &batchPool{
		free:   make(chan *batch, room),
		bytes:  bytes,
		events: max(minBatchEvents, bytes/(batchBytes/batchEvents)),
	}
}

// minBatchEvents keeps a small buffer's batch from growing its events at
// once when its rows are short.
const minBatchEvents = 32

func (p *batchPool) get() *batch {
	select {
	case b := <-p.free:
		return b
	default:
		b := &batch{events: make([]Event, 0, p.events), strs: make([]string, 0, 2*p.events), buf: make([]byte, p.bytes+scanSlack)}
		if testHookBatchMade != nil {
			testHookBatchMade(b.size())
		}
		return b
	}
}

// put returns a batch the caller is done with. Its events are cleared so
// that the pool does not keep the records gathered outside the buffer
// alive.
func (p *batchPool) put(b *batch) {
	if cap(b.events) > 4*p.events {
		// Grown for a buffer of very short rows: keep the buffer, not
		// the events.
		b.events, b.strs = make([]Event, 0, p.events), make([]string, 0, 2*p.events)
	}
	clear(b.events)
	clear(b.strs)
	b.events, b.strs = b.events[:0], b.strs[:0]
	select {
	case p.free <- b:
	default:
	}
}

// size is the memory a batch takes, in bytes, not counting what its
// events point to outside its buffer.
func (b *batch) size() int {
	return cap(b.buf) + cap(b.events)*int(unsafe.Sizeof(Event{})) + cap(b.strs)*int(unsafe.Sizeof(""))
}

// hold copies a list the parser will reuse into the batch. When strs has
// to grow, the lists already held keep the old array, which stays valid.
func (b *batch) hold(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	n := len(b.strs)
	b.strs = append(b.strs, list...)
	return b.strs[n:len(b.strs):len(b.strs)]
}
