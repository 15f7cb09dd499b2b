package tracking

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// Batch sizes of the parallel reader. A batch is the unit handed from a
// parsing goroutine to the caller's: one read buffer's worth of lines, and
// their events, whose strings point into the buffer, so it stays valid
// however far the parser has read on. Each batch handed over wakes the
// caller: batches of about a thousand events ran the 2 GB benchmark about
// 0.25 s faster than half as many (interleaved runs), and smaller ones
// slower.
const (
	// batchBytes is the read buffer's size: about 900 rows of Exchange
	// logs. A batch with more rows than batchEvents grows.
	batchBytes  = 256 << 10
	batchEvents = 1024
	// batchesInFlight is how many batches one file per worker may hold
	// waiting for the caller: each worker's file gets its share, at least
	// minAhead. With the files-ahead gate it bounds memory (about 0.75 MB
	// a batch): small files that finish early can hold up to that share
	// each as well, about twice batchesInFlight in all. A larger share
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
// batches before the next file's. Memory is bounded whatever the input's
// size: a file's worker runs a bounded number of batches ahead, and no
// worker starts a file filesAhead or more past the caller's, even when
// files are small enough to be parsed whole while the caller is still on an
// earlier one.
//
// The files of runs (mergeRuns) are the exception: the workers leave them,
// and once the caller reaches a run, a goroutine per log parses its files
// in turn while the caller merges their rows by time (readRun). So are the
// exports of groups (exportGroups), a goroutine parsing each of their runs.
//
// scans are the files' export scans (nil for a file that is none): an
// export read whole reads its dates as its scan says. d passes over the
// rows read before from another export (nil when no file takes part).
func readParallel(ctx context.Context, files []string, runs []mergeRun, groups []exportGroup, scans []*exportScan, d *dedup, opt Options, fn func(*Event) error) (Stats, error) {
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
	// Room for the batches that exist at once when files are larger than a
	// worker's share (each worker's queue, the one it hands over and the
	// next it fills, and the caller's), so that once warm such a read
	// allocates nothing and the collector stays idle. Batches beyond it,
	// held by small files waiting whole, are left to the collector.
	pool := newBatchPool(opt.Workers*(ahead+2)+1, batchBytes)
	// gates[i] is closed once file i may be started: when the caller has
	// reached file i-filesAhead+1, so no worker is filesAhead files or
	// more ahead of it. Files are taken in order, so the caller's own file
	// is always open to its worker.
	filesAhead := 2 * opt.Workers
	gates := make([]chan struct{}, len(files))
	for i := range gates {
		gates[i] = make(chan struct{})
	}
	opened := 0
	openTo := func(n int) {
		for ; opened < min(n, len(gates)); opened++ {
			close(gates[opened])
		}
	}
	openTo(filesAhead - 1)
	merged := make([]bool, len(files))
	for _, r := range runs {
		for i := r.first; i <= r.last; i++ {
			merged[i] = true
		}
	}
	for _, g := range groups {
		for i := g.first; i <= g.last; i++ {
			merged[i] = true
		}
	}
	var next atomic.Int64
	for range min(opt.Workers, len(files)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				if merged[i] {
					continue
				}
				select {
				case <-gates[i]:
				case <-ctx.Done():
				}
				// Both may be ready: select picks either.
				if err := ctx.Err(); err != nil {
					jobs[i].err = err
					close(jobs[i].batches)
					continue
				}
				if testHookWorkerAt != nil {
					testHookWorkerAt(i)
				}
				parseJob(ctx, files[i], opt, jobs[i], pool, hooks{section: scans[i].whole()})
				close(jobs[i].batches)
			}
		})
	}
	for at := 0; at < len(jobs); at++ {
		job := jobs[at]
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if testHookCallerAt != nil {
			testHookCallerAt(at)
		}
		if len(groups) > 0 && groups[0].first == at {
			// The group counts as one file for the workers' lead.
			g := groups[0]
			groups = groups[1:]
			openTo(g.last + filesAhead)
			gst, err := readExportGroup(ctx, files, g, d, opt, fn)
			st.add(&gst, opt.MaxSamples)
			if err != nil {
				return st, err
			}
			at = g.last
			continue
		}
		if len(runs) > 0 && runs[0].first == at {
			// The run counts as one file for the workers' lead.
			r := runs[0]
			runs = runs[1:]
			openTo(r.last + filesAhead)
			err := readRun(ctx, files, r, jobs, nil, nil, nil, opt, fn)
			for i := r.first; i <= r.last; i++ {
				st.add(&jobs[i].st, opt.MaxSamples)
			}
			if err != nil {
				return st, err
			}
			at = r.last
			continue
		}
		openTo(at + filesAhead)
		fileFn := d.filter(at, fn)
		for b := range job.batches {
			for k := range b.events {
				if err := fileFn(&b.events[k]); err != nil {
					cancel()
					wg.Wait()
					st.add(&job.st, opt.MaxSamples)
					return st, err
				}
			}
			pool.put(b)
		}
		if job.err != nil {
			st.add(&job.st, opt.MaxSamples)
			return st, job.err
		}
		st.add(&job.st, opt.MaxSamples)
	}
	return st, nil
}

// Test hooks: the caller begins on a file; a worker begins parsing one; a
// batch is allocated.
var (
	testHookCallerAt, testHookWorkerAt func(file int)
	testHookBatchMade                  func(bytes int)
)

// parseJob parses one file into batches on job.batches, which the caller
// closes. It gives up when ctx ends (the caller stopped).
func parseJob(ctx context.Context, path string, opt Options, job *fileJob, pool *batchPool, h hooks) {
	cur := pool.get()
	stopped := false
	// renew hands over the batch whose buffer the lines read so far are
	// in, and goes on in the next one's with the unread tail: every event
	// parsed so far is in cur, since the parser asks for more input only
	// between rows. The tail is copied before the hand-over, after which
	// the caller may recycle the buffer to another worker.
	//
	// At the end of the file renew is called with a nil tail, and the
	// batch is handed over whole; before it, an export merged with others
	// keeps its batch's last second back for the next batch (carryLastMoment).
	renew := func(tail []byte) []byte {
		if stopped || len(cur.events) == 0 {
			cur.events, cur.strs = cur.events[:0], cur.strs[:0]
			copy(cur.buf, tail)
			return cur.buf
		}
		nb := pool.get()
		copy(nb.buf, tail)
		if h.moments {
			inPassageOrder(cur.events)
			if tail != nil {
				carryLastMoment(cur, nb)
			}
		}
		select {
		case job.batches <- cur:
		case <-ctx.Done():
			stopped = true
			pool.put(cur)
		}
		cur = nb
		return cur.buf
	}
	slot := func() *Event {
		if len(cur.events) == cap(cur.events) {
			cur.events = slices.Grow(cur.events, len(cur.events))
		}
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
	h.buf, h.slot, h.renew = cur.buf, slot, renew
	err := readPathWith(ctx, path, opt, &job.st, h, add)
	if err == nil {
		renew(nil)
		if stopped {
			err = ctx.Err()
		}
	}
	pool.put(cur)
	job.err = err
}

// add merges the stats of a later file into s, as the sequential reader
// would have counted them.
func (s *Stats) add(f *Stats, maxSamples int) {
	s.Files = append(s.Files, f.Files...)
	s.Bytes += f.Bytes
	s.Lines += f.Lines
	s.Events += f.Events
	s.Malformed += f.Malformed
	s.MalformedLines += f.MalformedLines
	s.Duplicates += f.Duplicates
	s.Failed += f.Failed
	for _, m := range f.Samples {
		if len(s.Samples) >= maxSamples {
			break
		}
		s.Samples = append(s.Samples, m)
	}
}
