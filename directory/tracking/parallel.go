package tracking

import (
	"context"
	"sync"
	"sync/atomic"
)

// Batch sizes of the parallel reader. A batch is the unit handed from a
// parsing goroutine to the caller's; its events' strings live in its own
// buffer, so it stays valid however far the parser has read on. Each batch
// handed over wakes the caller: 1024 events a batch ran the 2 GB benchmark
// about 0.25 s faster than 512 (interleaved runs), and smaller ones slower.
const (
	batchEvents = 1024
	batchBytes  = 384 << 10
	// batchesInFlight is how many batches all files together may hold
	// waiting for the caller: each worker's file gets its share, at least
	// minAhead. It bounds memory (about 0.9 MB a batch). A larger share
	// lets a worker get further into its file before the caller reaches
	// it, but the events go cold in memory meanwhile and copying them in
	// and out costs more than the parallelism gains: 16 a worker was the
	// best trade measured on a shared 2-core machine.
	batchesInFlight = 32
	minAhead        = 4
	// maxWorkers caps the default number of workers: beyond it the one
	// goroutine that analyses is the bottleneck anyway.
	maxWorkers = 8
)

type batch struct {
	events []Event
	strs   []string // backing of the events' Recipients and RecipientStatus
	buf    []byte   // the records the events' strings point into
}

// fileJob is one file on its way from a worker to the caller.
type fileJob struct {
	batches chan *batch
	// st and err are the worker's; the caller reads them once batches is
	// closed.
	st  Stats
	err error
}

// readParallel parses files in opt.Workers goroutines and calls fn from
// this one, file after file and line after line, as the sequential Read
// does: the workers take files in order, and the caller drains each file's
// batches before the next file's. A worker runs a bounded number of batches
// ahead, so memory is bounded whatever the input's size.
func readParallel(ctx context.Context, files []string, opt Options, fn func(*Event) error) (Stats, error) {
	var st Stats
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	ahead := max(minAhead, batchesInFlight/opt.Workers)
	jobs := make([]*fileJob, len(files))
	for i := range jobs {
		jobs[i] = &fileJob{batches: make(chan *batch, ahead)}
	}
	// Room for every batch that can exist at once (each worker's queue and
	// the one it fills, and the caller's), so that once warm the read
	// allocates nothing and the collector stays idle.
	free := make(chan *batch, opt.Workers*(ahead+1)+1)
	var next atomic.Int64
	for range min(opt.Workers, len(files)) {
		wg.Go(func() {
			buf := newLineBuffer()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				parseJob(ctx, files[i], opt, jobs[i], buf, free)
			}
		})
	}
	for _, job := range jobs {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		for b := range job.batches {
			for k := range b.events {
				if err := fn(&b.events[k]); err != nil {
					cancel()
					wg.Wait()
					st.add(&job.st, opt.MaxSamples)
					return st, err
				}
			}
			recycle(b, free)
		}
		if job.err != nil {
			st.add(&job.st, opt.MaxSamples)
			return st, job.err
		}
		st.add(&job.st, opt.MaxSamples)
	}
	return st, nil
}

// parseJob parses one file into batches on job.batches, closing it at the
// end. It gives up when ctx ends (the caller stopped).
func parseJob(ctx context.Context, path string, opt Options, job *fileJob, buf []byte, free chan *batch) {
	defer close(job.batches)
	cur := newBatch(free)
	stopped := false
	flush := func() {
		if len(cur.events) == 0 {
			cur.buf = cur.buf[:0]
			return
		}
		select {
		case job.batches <- cur:
			cur = newBatch(free)
		case <-ctx.Done():
			stopped = true
			cur.events, cur.strs, cur.buf = cur.events[:0], cur.strs[:0], cur.buf[:0]
		}
	}
	keep := func(line []byte) []byte {
		if len(cur.events) == cap(cur.events) || len(cur.buf)+len(line) > cap(cur.buf) {
			flush()
			if len(line) > cap(cur.buf) {
				cur.buf = make([]byte, 0, len(line))
			}
		}
		// Appending never moves buf: it was checked to have room, and the
		// strings of earlier events point into it.
		n := len(cur.buf)
		cur.buf = append(cur.buf, line...)
		return cur.buf[n:len(cur.buf):len(cur.buf)]
	}
	// keep has made room for the record's event before slot is asked.
	slot := func() *Event {
		return &cur.events[:len(cur.events)+1][len(cur.events)]
	}
	add := func(ev *Event) error {
		if stopped {
			return ctx.Err()
		}
		cur.events = cur.events[:len(cur.events)+1]
		ev.Recipients = cur.hold(ev.Recipients)
		ev.RecipientStatus = cur.hold(ev.RecipientStatus)
		return nil
	}
	err := readPathWith(ctx, path, opt, &job.st, hooks{buf: buf, keep: keep, slot: slot}, add)
	if err == nil {
		flush()
		if stopped {
			err = ctx.Err()
		}
	}
	job.err = err
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

func newBatch(free chan *batch) *batch {
	select {
	case b := <-free:
		return b
	default:
		return &batch{events: make([]Event, 0, batchEvents), strs: make([]string, 0, 2*batchEvents), buf: make([]byte, 0, batchBytes)}
	}
}

// recycle returns a batch the caller is done with. Its events are cleared
// so that the pool does not keep strings of long-gone files alive.
func recycle(b *batch, free chan *batch) {
	if cap(b.buf) > batchBytes {
		return // the buffer of one very long record: let it go
	}
	clear(b.events)
	clear(b.strs)
	b.events, b.strs, b.buf = b.events[:0], b.strs[:0], b.buf[:0]
	select {
	case free <- b:
	default:
	}
}

// add merges the stats of a later file into s, as the sequential reader
// would have counted them.
func (s *Stats) add(f *Stats, maxSamples int) {
	s.Files = append(s.Files, f.Files...)
	s.Bytes += f.Bytes
	s.Lines += f.Lines
	s.Events += f.Events
	s.Malformed += f.Malformed
	s.Failed += f.Failed
	for _, m := range f.Samples {
		if len(s.Samples) >= maxSamples {
			break
		}
		s.Samples = append(s.Samples, m)
	}
}
