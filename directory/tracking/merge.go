package tracking

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
)

// Exchange writes one message's rows on every server and service it passes
// through, each into its own log: the edge's RECEIVE from the Internet, the
// hub's EXPAND and FAIL, the mailbox server's SUBMIT in MSGTRKMS and
// DELIVER in MSGTRKMD, seconds apart. Read one log after another, even hour
// by hour (Interleave), a file of one log comes before the same hours of the
// next, and an analysis that ties rows together as they come finds a row's
// partner either not yet read or out of its window of recent messages,
// depending on which log was given first: the edge first loses the remote
// servers a group's expansions went to, the hub first the servers a report
// came from.
//
// So consecutive files with Exchange's log names (see exchangeLogName) that
// belong to two or more logs (a folder and a service each) are read merged
// by the rows' times, as if one server had logged them all. Each log's
// files are one stream, read in turn: a file's name gives the hour it was
// begun in, and a log rolls over to its next when the file is full, so the
// next may begin hours later on a quiet server and minutes later on a busy
// one; only the rows' times put two logs' files side by side.

// mergeRun is a run of consecutive files with Exchange's log names from two
// or more logs: streams holds each log's files (indexes into the files
// read), in reading order.
type mergeRun struct {
	first, last int
	streams     [][]int
}

// mergeRuns finds the runs to read merged among files, in order. A file
// without an Exchange log name is in none and ends the run before it; a
// run of a single log's files is read as it is.
func mergeRuns(files []string) []mergeRun {
	var runs []mergeRun
	var cur mergeRun
	var logs map[string]int
	flush := func() {
		if len(cur.streams) > 1 {
			runs = append(runs, cur)
		}
		cur, logs = mergeRun{}, nil
	}
	for i, f := range files {
		log, ok := logOf(f)
		if !ok {
			flush()
			continue
		}
		if logs == nil {
			cur.first, logs = i, map[string]int{}
		}
		cur.last = i
		s, seen := logs[log]
		if !seen {
			s = len(cur.streams)
			logs[log] = s
			cur.streams = append(cur.streams, nil)
		}
		cur.streams[s] = append(cur.streams[s], i)
	}
	flush()
	return runs
}

// logOf names the log an Exchange log file belongs to: its folder and
// service (MSGTRK, MSGTRKMS...). ok is false for any other name.
func logOf(path string) (log string, ok bool) {
	m := exchangeLogName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return "", false
	}
	return folderOf(path) + "\x00" + strings.ToUpper(m[1]), true
}

// folderOf names a file's folder however the path spells it (a/x.LOG and
// ./a/x.LOG are in one), so that a log's files are one log to Interleave
// and to the merge alike.
func folderOf(path string) string {
	return filepath.Clean(filepath.Dir(path))
}

// readRun reads a run's files, a goroutine per log parsing that log's
// files in turn, and calls fn with their events merged by time: the
// earliest of the logs' next events first (on a tie, see mergeOrder).
// Each log's own order stands, so a row a server logged out of time
// order keeps its place in that log. A log's goroutine runs a bounded
// number of batches ahead of the merge, whatever the number and size of its
// files, and the run's batches together take about the memory of the
// workers' (runSizing). readRun returns once every goroutine it started is
// done, so that the files' stats can be read.
//
// secs, when set, are the runs of exports the files are (see
// readExportGroup), one a stream, and srcs the streams' dupSources for d,
// which passes over the rows read before from another (nil for logs).
func readRun(ctx context.Context, files []string, r mergeRun, jobs []*fileJob, secs []*section, srcs []int32, d *dedup, opt Options, fn func(*Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	share, bytes := runSizing(len(r.streams))
	// Each log: its share in the channel, the batch being filled, the one
	// it is handing over and the one at the merge.
	pool := newBatchPool(len(r.streams)*(share+3), bytes)
	logs := make([]runCursor, len(r.streams))
	for k, stream := range r.streams {
		ch := make(chan *batch, share)
		logs[k] = runCursor{batches: ch, files: stream}
		for _, i := range stream {
			// The log's files all hand their batches to its one channel.
			jobs[i].batches = ch
		}
		wg.Go(func() {
			defer close(ch)
			for _, i := range stream {
				if err := ctx.Err(); err != nil {
					jobs[i].err = err
					continue
				}
				// The logs' goroutines already read side by side: a
				// read-ahead goroutine per log would only add its
				// buffers.
				h := hooks{noReadAhead: true}
				if secs != nil {
					h.section, h.moments = secs[i], true
				}
				parseJob(ctx, files[i], opt, jobs[i], pool, h)
			}
		})
	}
	order := mergeOrder{logs: logs}
	for k := range logs {
		if err := logs[k].fill(ctx, jobs, pool); err != nil {
			return err
		}
		if logs[k].b != nil {
			order.push(k)
		}
	}
	for len(order.heap) > 0 {
		k := order.heap[0]
		c := &logs[k]
		if ev := &c.b.events[c.i]; d == nil || d.fresh(ev, srcs[k]) {
			if err := fn(ev); err != nil {
				return err
			}
		}
		if c.i++; c.i == len(c.b.events) {
			pool.put(c.b)
			c.b = nil
			if err := c.fill(ctx, jobs, pool); err != nil {
				return err
			}
			if c.b == nil {
				order.popFirst()
				continue
			}
		} else {
			c.at(c.i)
		}
		order.fixFirst()
	}
	return nil
}

// runCursor is where the merge is in one log: the batch and event it is
// at, nil once the log's files are read.
type runCursor struct {
	batches chan *batch
	files   []int
	b       *batch
	i       int
	// sec and nsec are the time of the event at i, as Unix seconds and
	// nanoseconds: the merge compares them once or twice an event, and
	// time.Time's comparison costs several times as much.
	sec  int64
	nsec int32
	// rank is the event's passageRank, for ties.
	rank uint8
}

// at moves the cursor to event i of its batch.
func (c *runCursor) at(i int) {
	ev := &c.b.events[i]
	c.i, c.sec, c.nsec, c.rank = i, ev.Time.Unix(), int32(ev.Time.Nanosecond()), passageRank(ev.EventID)
}

// fill moves the cursor to its log's next batch with events; b stays nil
// at the end of the log. A file's error (its parse was cancelled), or
// ctx's, ends the merge: a batch at a time, the caller's cancel is seen
// while the logs' rows are still coming.
func (c *runCursor) fill(ctx context.Context, jobs []*fileJob, pool *batchPool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for b := range c.batches {
		if len(b.events) > 0 {
			c.b = b
			c.at(0)
			return nil
		}
		pool.put(b)
	}
	// The channel is closed once the log's goroutine is done with every
	// file: their errors are set.
	for _, i := range c.files {
		if err := jobs[i].err; err != nil {
			return err
		}
	}
	return nil
}

// runBatches is the memory a run's batches may take together, in batches
// of the workers' size: about what the workers' reader holds (see
// readParallel), so that a folder of a hundred servers' logs is read in the
// memory of one server's. minRunBatchBytes is the smallest buffer a log
// gets, some thirty rows: below it, handing batches over would cost more
// than parsing them.
const (
	runBatches       = 40
	minRunBatchBytes = 8 << 10
)

// runSizing gives a run of logs its batches: share, how many a log's
// goroutine may have waiting for the merge, and bytes, their buffers'
// size. With few logs each gets the workers' size and its part of
// batchesInFlight; with more, each gets a single batch waiting and smaller
// ones, down to minRunBatchBytes, past which memory grows with the number
// of logs (about 100 MB for a thousand).
func runSizing(logs int) (share, bytes int) {
	share = max(1, batchesInFlight/logs)
	bytes = batchBytes * runBatches / (logs * (share + 3))
	return share, min(batchBytes, max(minRunBatchBytes, bytes&^4095))
}
