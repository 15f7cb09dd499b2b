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
// by hour (Interleave), a whole hour of one log comes before the same hour
// of the next, and an analysis that ties rows together as they come finds
// a row's partner either not yet read or out of its window of recent
// messages, depending on which log was given first: the edge first loses
// the remote servers a group's expansions went to, the hub first the
// servers a report came from.
//
// So consecutive files of one period (Exchange's log names, see
// logNameKey) that belong to different logs (a folder and a service each)
// are read merged by the rows' times, as if one server had logged them
// all. A log's roll-over files within the period are one stream, read in
// turn: they follow each other in time.

// mergeRun is a run of consecutive files of one period, from two or more
// logs: streams holds each log's files (indexes into the files read), in
// reading order.
type mergeRun struct {
	first, last int
	streams     [][]int
}

// mergeRuns finds the runs to read merged among files, in order. A file
// without an Exchange log name is in none; nor is a period of a single
// log, which is read as it is.
func mergeRuns(files []string) []mergeRun {
	var runs []mergeRun
	var cur mergeRun
	var period string
	var logs map[string]int
	flush := func() {
		if len(cur.streams) > 1 {
			runs = append(runs, cur)
		}
		cur, period, logs = mergeRun{}, "", nil
	}
	for i, f := range files {
		p, log, ok := logOf(f)
		if !ok {
			flush()
			continue
		}
		if logs == nil || p != period {
			flush()
			cur.first, period, logs = i, p, map[string]int{}
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

// logOf names the period of an Exchange log file and the log it belongs
// to: its folder and service (MSGTRK, MSGTRKMS...).
func logOf(path string) (period, log string, ok bool) {
	dir, base := filepath.Split(path)
	m := exchangeLogName.FindStringSubmatch(base)
	if m == nil {
		return "", "", false
	}
	period, _, ok = logNameKey(base)
	return period, dir + "\x00" + strings.ToUpper(m[1]), ok
}

// readRun reads a run's files, a goroutine per log parsing that log's
// files in turn, and calls fn with their events merged by time: the
// earliest of the logs' next events first, the earlier log in the run on a
// tie. Each log's own order stands, so a row a server logged out of time
// order keeps its place in that log. It returns once every goroutine it
// started is done, so that the jobs' stats can be read.
func readRun(ctx context.Context, files []string, r mergeRun, jobs []*fileJob, opt Options, free chan *batch, fn func(*Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	for _, stream := range r.streams {
		wg.Go(func() {
			for _, i := range stream {
				if err := ctx.Err(); err != nil {
					jobs[i].err = err
					close(jobs[i].batches)
					continue
				}
				parseJob(ctx, files[i], opt, jobs[i], free)
			}
		})
	}
	logs := make([]runCursor, len(r.streams))
	for k, stream := range r.streams {
		logs[k].files = stream
		if err := logs[k].fill(ctx, jobs, free); err != nil {
			return err
		}
	}
	for {
		next := -1
		for k := range logs {
			c := &logs[k]
			if c.b != nil && (next < 0 || c.b.events[c.i].Time.Before(logs[next].b.events[logs[next].i].Time)) {
				next = k
			}
		}
		if next < 0 {
			return nil
		}
		c := &logs[next]
		if err := fn(&c.b.events[c.i]); err != nil {
			return err
		}
		if c.i++; c.i == len(c.b.events) {
			recycle(c.b, free)
			c.b = nil
			if err := c.fill(ctx, jobs, free); err != nil {
				return err
			}
		}
	}
}

// runCursor is where the merge is in one log: the batch and event it is
// at, nil once the log's files are read.
type runCursor struct {
	files []int
	b     *batch
	i     int
}

// fill moves the cursor to its log's next batch with events, going on to
// the log's next file when one ends; b stays nil at the end of the last.
// A file's error, or ctx's, ends the merge: a batch at a time, the
// caller's cancel is seen while the logs' rows are still coming.
func (c *runCursor) fill(ctx context.Context, jobs []*fileJob, free chan *batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for len(c.files) > 0 {
		job := jobs[c.files[0]]
		for b := range job.batches {
			if len(b.events) > 0 {
				c.b, c.i = b, 0
				return nil
			}
			recycle(b, free)
		}
		if job.err != nil {
			return job.err
		}
		c.files = c.files[1:]
	}
	return nil
}
