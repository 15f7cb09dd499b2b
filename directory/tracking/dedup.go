package tracking

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Admins export overlapping windows: the last 48 hours every day, or
// Get-MessageTraceV2 for days 1 to 10 and then 5 to 15. Every row of the
// overlap is in two exports, and every count made of it doubles: a loop's
// expansions, the reports a source sends in an hour (a doubled count can
// cross a threshold), spoofed messages. So a row already read from another
// export is passed over, and counted (FileStats.Duplicates).
//
// A row is one by the values read from it (rowHash), its time to the
// second and its status in any case: a message trace saved as a Graph page
// gives "delivered" and milliseconds where Export-Csv gives "Delivered"
// and whole seconds. Rows are counted by source (an export, or a run of
// one): two equal rows of one source are two rows (two deliveries in the
// same second), and a row is passed on as many times as the source that
// holds it most (dupEntry), whatever order the sources' rows come in.
//
// Only rows that say which server wrote them are matched across sources:
// Get-MessageTrackingLog exports with a ServerHostname or ServerIp column,
// and message traces (the tenant's, one for all its servers). Two servers
// log equal rows in the same second (a loop's bounces, load-balanced), and
// without the server a copy cannot be told from the other server's row;
// passing a genuine row over hides what it counts, so such rows are kept,
// and the file says that the overlap may be counted twice. Raw logs are
// left alone: ReadOnce reads a log named twice, or copied under another
// folder with the same name and content, once, and a server never writes a
// row into two logs; a log and an export of the same period are not
// matched.
//
// Rows are looked for only where they can be, so that exports that
// overlap no other cost nothing, and those that overlap by a part little
// more. A Get-MessageTrackingLog export's rows are looked at only at the
// times another export holds too (its scan's first and last, see spans).
// Such exports are read in time order and merged by time when they
// overlap (exportGroups), so a row's copy comes within runBackstep of the
// latest time read: a row is kept in mind for dupWindow of the merge's
// times and let go after, and memory stays that of a few minutes' rows,
// whatever the exports' sizes. Message traces are read one after another,
// newest first, so a row's copy comes a whole export later: their rows are
// kept until maxKeptRows, the oldest then let go, and the file read then
// says so, and the count of duplicates is then a lower bound
// (Stats.DuplicatesAtLeast); the last trace read keeps none. So are the
// rows of exports that overlap but are read in turn (the same export given
// twice).

// dupWindow is how long, in the merge's time, a row of an export read in
// time order is looked for in the others: a run is in time order to within
// runBackstep (see runTracker), so a copy comes no later than that.
const dupWindow = 2 * runBackstep

// maxKeptRows caps the rows kept of exports read in file order (message
// traces): some 100 MB (measured: about 100 bytes a row, in the map of rows
// seen and the queue, at the cap).
const maxKeptRows = 1 << 20

// dupMode is how a file's rows take part.
type dupMode uint8

const (
	// dupNone: the file is a log, or an export no other overlaps.
	dupNone dupMode = iota
	// dupTimed: an export read in time order; its rows are let go once
	// the merge is dupWindow past them.
	dupTimed
	// dupKept: an export read in file order; its rows are kept.
	dupKept
)

// dedup passes over the rows read from more than one export. It runs in
// the goroutine that calls fn, so it needs no lock.
type dedup struct {
	mode []dupMode // by file
	dups []int64   // by file: the rows passed over
	seen map[uint64]dupEntry
	// counts holds, for the rows read from a third source on (rare: three
	// exports of one overlap), those sources' counts so far.
	counts map[uint64][]srcCount
	// timed holds the rows of dupTimed files in the order read, to be let
	// go dupWindow after; kept those of dupKept files, up to maxKeptRows.
	timed fifo[timedRow]
	kept  fifo[uint64]
	// clock is the latest second of a dupTimed row read.
	clock int64
	// spans are by file: the times, in Unix seconds, that another export
	// overlapping it holds too, nil for every time (see within).
	spans [][]span
	// keptFrom and keptTo are the earliest and latest second of the rows
	// put in kept.
	keptFrom, keptTo int64
	seed             maphash.Seed
	// lookOnly is by file: no file read after it can hold its rows, so
	// they are looked for but not kept.
	lookOnly []bool
	// full: the file whose row first let one go for maxKeptRows, -1 if
	// none did.
	full int
	// unmatched is by file: the files it overlaps whose rows cannot be
	// matched with its own, as neither's name their server.
	unmatched [][]int
	// otherColumns is by file: the files it overlaps whose rows have other
	// columns, so that a row of both may not be found as one.
	otherColumns [][]int
	// unsplit is by file: its runs are other servers' or copies, and
	// nothing in the rows tells which.
	unsplit []bool
	files   []string
	// traces are the files read in file order, one after another (message
	// traces), when there are two or more: see limitTraces.
	traces []int
}

// limitTraces narrows the rows of message traces looked for, and kept, to
// the times the other traces hold (spanOf each: its earliest and latest
// time, ok false when it holds none), so that the rows kept are those of
// the traces' overlaps, not of whole traces: days 1 to 10 and 5 to 15
// keep days 5 to 10, whichever comes first. A trace read newest first
// holds the overlap at its start, which the cap would let go first.
func (d *dedup) limitTraces(workers int, spanOf func(i int) (span, bool)) {
	if d == nil || len(d.traces) < 2 {
		return
	}
	spans := make([]span, len(d.traces))
	has := make([]bool, len(d.traces))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(workers, 1))
	for k, i := range d.traces {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			spans[k], has[k] = spanOf(i)
		})
	}
	wg.Wait()
	for k, i := range d.traces {
		var others []span
		for o := range d.traces {
			if o != k && has[o] {
				others = append(others, spans[o])
			}
		}
		d.spans[i] = merged(others)
		if d.spans[i] == nil {
			// No other holds a row: nothing to look for; an empty list,
			// as nil is every time.
			d.spans[i] = []span{}
		}
	}
}

// dupEntry is a row read: the first two sources (exports, or runs of
// one) that held it and how many times each did so far, and the most times
// one did (kept); a third source's counts on are in dedup.counts (more).
// Each source's rows are counted apart, as they come interleaved (exports
// merged by time, whose copies of an hour repeated at the end of summer
// time come A, B, A, B). Two sources fit in the entry, as small as one
// source's was: a whole trace given twice keeps no more than once.
type dupEntry struct {
	src  [2]int32
	n    [2]uint16
	kept uint16
	more bool
}

// noSource marks an entry's second source before one holds the row.
const noSource = -1

// srcCount is how many times source src held a row so far.
type srcCount struct {
	src int32
	n   uint16
}

// serverKnown reports whether an export's rows say which server wrote
// them, so that a row of one source equal to another's is a copy of it.
func serverKnown(s *exportScan) bool {
	return s != nil && (s.lay.at[colServerHost] >= 0 || s.lay.at[colServerIP] >= 0)
}

// sameColumns reports whether two exports read the same columns: rows of
// exports with other columns (Select-Object of other properties) differ in
// those, and are not found as one.
func sameColumns(a, b *exportScan) bool {
	for c := range a.lay.at {
		if (a.lay.at[c] >= 0) != (b.lay.at[c] >= 0) {
			return false
		}
	}
	return true
}

type timedRow struct {
	sec  int64
	hash uint64
}

// dupSource names a stream of rows: its file, and its run in the file
// (see readExportGroup). Two runs of one file overlap when the file is
// two exports one after the other (Export-Csv -Append), whose rows are
// two reads of one row as two files' are.
func dupSource(file, run int) int32 { return int32(file<<8 | run&0xff) }

// newDedup decides how each of files takes part, from the exports' scans
// and the groups they are read merged in; nil when none takes part.
func newDedup(files []string, scans []*exportScan, groups []exportGroup) *dedup {
	d := &dedup{mode: make([]dupMode, len(files)), dups: make([]int64, len(files)), spans: make([][]span, len(files)), full: -1, files: files,
		lookOnly: make([]bool, len(files)), unmatched: make([][]int, len(files)), otherColumns: make([][]int, len(files)), unsplit: make([]bool, len(files))}
	groupOf := make([]int, len(files)) // files read merged share one
	for i := range groupOf {
		groupOf[i] = -1 - i
	}
	for k, g := range groups {
		for i := g.first; i <= g.last; i++ {
			groupOf[i] = k
		}
	}
	// Get-MessageTrackingLog exports: those whose times overlap another's
	// (ends included: exports that meet at a second may both hold it),
	// and those of runs that may overlap each other.
	var byFirst []int
	for i, s := range scans {
		if timed(s) {
			byFirst = append(byFirst, i)
		}
		if s != nil && s.split() {
			if !serverKnown(s) {
				// Its runs are other servers' as likely as copies
				// (Export-Csv -Append), and the rows do not say.
				d.unsplit[i] = true
				continue
			}
			// Its runs' times are not known apart: the whole file may
			// hold a copy of any of its rows.
			d.mode[i] = dupTimed
			d.spans[i] = []span{{s.first.Unix(), s.last.Unix()}}
		}
	}
	slices.SortStableFunc(byFirst, func(a, b int) int { return scans[a].first.Compare(scans[b].first) })
	for k, a := range byFirst {
		for _, b := range byFirst[k+1:] {
			if scans[b].first.After(scans[a].last) {
				break
			}
			if !serverKnown(scans[a]) || !serverKnown(scans[b]) {
				d.unmatched[a] = append(d.unmatched[a], b)
				d.unmatched[b] = append(d.unmatched[b], a)
				continue
			}
			if !sameColumns(scans[a], scans[b]) {
				d.otherColumns[a] = append(d.otherColumns[a], b)
				d.otherColumns[b] = append(d.otherColumns[b], a)
			}
			d.mode[a] = max(d.mode[a], dupTimed)
			d.mode[b] = max(d.mode[b], dupTimed)
			both := span{scans[b].first.Unix(), min(scans[a].last.Unix(), scans[b].last.Unix())}
			d.spans[a] = append(d.spans[a], both)
			d.spans[b] = append(d.spans[b], both)
			// Exports read in turn though they overlap (the same export
			// twice, or a group that was full): the rows of the one read
			// first are needed when the other is, past dupWindow.
			first, then := min(a, b), max(a, b)
			if groupOf[a] != groupOf[b] && scans[then].first.Before(scans[first].last.Add(-dupWindow)) {
				d.mode[first] = dupKept
			}
		}
	}
	for i, s := range scans {
		if d.mode[i] == dupTimed && s != nil && s.jumps > 0 && !s.split() {
			// Read in file order, back and forth in time (compressed,
			// or with too many runs): its rows come at the merge long
			// after others' of their time, and others' after its, so
			// its group's rows are all kept.
			d.mode[i] = dupKept
			for j := range d.mode {
				if groupOf[j] == groupOf[i] && d.mode[j] == dupTimed {
					d.mode[j] = dupKept
				}
			}
		}
	}
	// Message traces, and exports that could not be scanned: read in
	// file order, all of them, whenever there are two.
	var others []int
	for i, f := range files {
		if scans[i] == nil && !exchangeLogName.MatchString(filepath.Base(f)) {
			others = append(others, i)
		}
	}
	if len(others) > 1 {
		for _, i := range others {
			d.mode[i] = dupKept
		}
		// The last is read after all the others, and before none.
		d.lookOnly[others[len(others)-1]] = true
		d.traces = others
	}
	if !slices.ContainsFunc(d.mode, func(m dupMode) bool { return m != dupNone }) {
		if slices.ContainsFunc(d.unmatched, func(l []int) bool { return len(l) > 0 }) || slices.Contains(d.unsplit, true) {
			// Nothing to look for, but notes to give.
			return d
		}
		return nil
	}
	for i := range d.spans {
		d.spans[i] = merged(d.spans[i])
	}
	d.seen = map[uint64]dupEntry{}
	d.counts = map[uint64][]srcCount{}
	d.seed = maphash.MakeSeed()
	return d
}

// filter returns fn for file i, passing over its rows read before from
// another export; fn itself when the file takes no part (or d is nil).
func (d *dedup) filter(i int, fn func(*Event) error) func(*Event) error {
	if d == nil || d.mode[i] == dupNone {
		return fn
	}
	src := dupSource(i, 0)
	return func(ev *Event) error {
		if d.fresh(ev, src) {
			return fn(ev)
		}
		return nil
	}
}

// fresh reports whether ev, a row of source src, is to be passed on: it
// was not read before from another export (or was read fewer times there
// than src holds it). A passed-over row is counted against its file.
func (d *dedup) fresh(ev *Event, src int32) bool {
	file := int(src >> 8)
	mode := d.mode[file]
	if mode == dupNone || ev.Format == FormatLog {
		return true
	}
	sec := ev.Time.Unix()
	if sp := d.spans[file]; sp != nil && !within(sp, sec) {
		// A time no other export holds: most rows of exports that
		// overlap by a part.
		return true
	}
	if d.lookOnly[file] && (d.kept.len() == 0 || sec < d.keptFrom || sec > d.keptTo) {
		return true
	}
	h := d.rowHash(ev)
	e, ok := d.seen[h]
	if ok {
		n := d.countOf(h, &e, src)
		// A count that cannot grow is taken for a row not read before:
		// kept rather than passed over.
		fresh := n > e.kept || n == math.MaxUint16
		if fresh {
			e.kept = n
		} else {
			d.dups[file]++
		}
		d.seen[h] = e
		return fresh
	}
	if d.lookOnly[file] {
		// A row twice in the file is not in seen either time, and
		// passed on twice.
		return true
	}
	d.seen[h] = dupEntry{src: [2]int32{src, noSource}, n: [2]uint16{1, 0}, kept: 1}
	if mode == dupTimed {
		d.clock = max(d.clock, sec)
		d.timed.push(timedRow{sec, h})
		for d.timed.len() > 0 && d.timed.first().sec < d.clock-int64(dupWindow/time.Second) {
			d.forget(d.timed.pop().hash)
		}
		return true
	}
	if d.kept.len() == 0 {
		d.keptFrom, d.keptTo = sec, sec
	}
	d.keptFrom, d.keptTo = min(d.keptFrom, sec), max(d.keptTo, sec)
	d.kept.push(h)
	if d.kept.len() > maxKeptRows {
		d.forget(d.kept.pop())
		if d.full < 0 {
			d.full = file
		}
	}
	return true
}

// countOf counts a reading of row h, whose entry is e, from src, and
// returns how many times src held it so far.
func (d *dedup) countOf(h uint64, e *dupEntry, src int32) uint16 {
	for k := range e.src {
		switch e.src[k] {
		case src:
			return bump(&e.n[k])
		case noSource:
			e.src[k], e.n[k] = src, 1
			return 1
		}
	}
	e.more = true
	l := d.counts[h]
	for i := range l {
		if l[i].src == src {
			return bump(&l[i].n)
		}
	}
	d.counts[h] = append(l, srcCount{src, 1})
	return 1
}

// bump adds one to a count, up to its most.
func bump(n *uint16) uint16 {
	if *n < math.MaxUint16 {
		*n++
	}
	return *n
}

// forget lets row h go.
func (d *dedup) forget(h uint64) {
	if d.seen[h].more {
		delete(d.counts, h)
	}
	delete(d.seen, h)
}

// count puts the rows passed over into st, whose files are those d was
// made for, in order, as far as the read got.
func (d *dedup) count(st *Stats) {
	if d == nil {
		return
	}
	for i := range min(len(st.Files), len(d.dups)) {
		st.Files[i].Duplicates = d.dups[i]
		st.Duplicates += d.dups[i]
	}
	if d.full >= 0 && d.full < len(st.Files) {
		f := &st.Files[d.full]
		f.Notes = append(f.Notes, fmt.Sprintf("more than %d rows of exports read one after another were kept to find the rows read twice: "+
			"from here on, a row is found twice only within %[1]d rows of its first reading, and the count of rows found twice is a lower bound; "+
			"give fewer overlapping message traces at once", maxKeptRows))
		st.DuplicatesAtLeast = true
	}
	for i := range min(len(st.Files), len(d.files)) {
		f := &st.Files[i]
		if st.Files[i].Path != d.files[i] {
			// The read ended before this file.
			break
		}
		if d.unsplit[i] || len(d.unmatched[i]) > 0 || len(d.otherColumns[i]) > 0 {
			st.Unmatched++
		}
		if d.unsplit[i] {
			f.Notes = append(f.Notes, "its rows do not name their server (no ServerHostname or ServerIp column): its runs are taken for other servers' "+
				"and all their rows counted, so if the file is one export appended to another (Export-Csv -Append), rows of both are counted twice")
		}
		if l := d.unmatched[i]; len(l) > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("its times overlap those of %s, but the rows of one or both do not name their server "+
				"(no ServerHostname or ServerIp column): a row found in both cannot be told from another server's and is counted in each, "+
				"so if they are exports of one server, rows of the overlap are counted twice; export ServerHostname to have them counted once", d.named(l)))
		}
		if l := d.otherColumns[i]; len(l) > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("its times overlap those of %s, whose columns differ: a row of both is found as one only where "+
				"the columns they do not share are empty, so rows of the overlap may be counted twice; export the same columns", d.named(l)))
		}
	}
}

// named names files l for a note: the first three, and how many more.
func (d *dedup) named(l []int) string {
	var names []string
	for k, i := range l {
		if k == 3 {
			names = append(names, fmt.Sprintf("%d more", len(l)-3))
			break
		}
		names = append(names, d.files[i])
	}
	return strings.Join(names, ", ")
}

// rowHash is a 64-bit hash of every value read from a row, but its file
// and line: each value's hash, mixed in with its place.
func (d *dedup) rowHash(ev *Event) uint64 {
	// The second only: a Graph page's times have milliseconds, a CSV's
	// none, and a time exported as .ToString('o') seven digits.
	h := uint64(ev.Time.Unix()) * 0x9E3779B97F4A7C15
	h = mix(h ^ uint64(ev.TotalBytes)<<20 ^ uint64(ev.RecipientCount))
	for i, s := range [...]string{string(ev.Format), ev.EventID, ev.Source, ev.SourceContext, ev.ConnectorID, ev.ClientIP, ev.ClientHostname,
		ev.ServerIP, ev.ServerHostname, ev.Sender, ev.ReturnPath, ev.RelatedRecipient, ev.Reference, ev.Subject, ev.MessageID,
		ev.NetworkMessageID, ev.InternalMessageID, ev.MessageInfo, ev.Directionality, ev.OriginalClientIP, ev.Detail} {
		if s != "" {
			h = mix(h ^ maphash.String(d.seed, s) + uint64(i))
		}
	}
	if ev.Status != "" {
		// Graph's camelCase ("delivered") and Export-Csv's ("Delivered").
		h = mix(h ^ d.foldHash(ev.Status) + 50)
	}
	for k, l := range [...][]string{ev.Recipients, ev.RecipientStatus} {
		h = mix(h ^ uint64(len(l)) + uint64(100+k))
		for _, s := range l {
			h = mix(h ^ maphash.String(d.seed, s))
		}
	}
	return h
}

// foldHash hashes s in ASCII lower case, without allocating for a short s.
func (d *dedup) foldHash(s string) uint64 {
	var buf [32]byte
	if len(s) > len(buf) {
		return maphash.String(d.seed, strings.ToLower(s))
	}
	b := buf[:len(s)]
	for i := range b {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return maphash.Bytes(d.seed, b)
}

// mix is a 64-bit finalizer (splitmix64's): every bit of x moves every
// bit of the result, so values mixed in one after another stay apart.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// span is the seconds from to to, both included.
type span struct{ from, to int64 }

// merged sorts spans and joins those that overlap: the exports of one
// period from a hundred servers overlap each other's all alike.
func merged(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}

// within reports whether second sec is in one of spans.
func within(spans []span, sec int64) bool {
	for _, s := range spans {
		if sec >= s.from && sec <= s.to {
			return true
		}
	}
	return false
}

// fifo is a queue in a slice, its front cut off as it grows.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) len() int { return len(q.items) - q.head }
func (q *fifo[T]) first() T { return q.items[q.head] }
func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

func (q *fifo[T]) pop() T {
	v := q.items[q.head]
	q.head++
	if q.head >= 1024 && q.head*2 >= len(q.items) {
		q.items = q.items[:copy(q.items, q.items[q.head:])]
		q.head = 0
	}
	return v
}
