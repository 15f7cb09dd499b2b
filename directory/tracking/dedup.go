package tracking

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"path/filepath"
	"slices"
	"time"
)

// Admins export overlapping windows: the last 48 hours every day, or
// Get-MessageTraceV2 for days 1 to 10 and then 5 to 15. Every row of the
// overlap is in two exports, and every count made of it doubles: a loop's
// expansions, the reports a source sends in an hour (a doubled count can
// cross a threshold), spoofed messages. So a row already read from another
// export is passed over, and counted (FileStats.Duplicates).
//
// A row is one by every value read from it (rowHash): only rows equal in
// each are one row. Two equal rows of one export are two rows (two
// deliveries in the same second); so are two in each of two exports, and
// the second export's are passed over as long as the first's are matched
// (dupEntry). Raw logs are left alone: they are read once a file
// (ReadOnce), and a server never writes a row into two logs.
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
// says so; the last trace read keeps none. So are the rows of exports that
// overlap but are read in turn (the same export given twice).

// dupWindow is how long, in the merge's time, a row of an export read in
// time order is looked for in the others: a run is in time order to within
// runBackstep (see runTracker), so a copy comes no later than that.
const dupWindow = 2 * runBackstep

// maxKeptRows caps the rows kept of exports read in file order (message
// traces): some 65 MB.
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
}

// dupEntry is a row read: the most times one source (an export, or a run
// of one) held it, and how many times the source read last held it so far.
type dupEntry struct {
	kept, n uint32
	src     int32
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
	d := &dedup{mode: make([]dupMode, len(files)), spans: make([][]span, len(files)), full: -1}
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
	d.lookOnly = make([]bool, len(files))
	if len(others) > 1 {
		for _, i := range others {
			d.mode[i] = dupKept
		}
		// The last is read after all the others, and before none.
		d.lookOnly[others[len(others)-1]] = true
	}
	if !slices.ContainsFunc(d.mode, func(m dupMode) bool { return m != dupNone }) {
		return nil
	}
	for i := range d.spans {
		d.spans[i] = merged(d.spans[i])
	}
	d.dups = make([]int64, len(files))
	d.seen = map[uint64]dupEntry{}
	d.seed = maphash.MakeSeed()
	return d
}

// takesPart reports whether file i's rows are looked at; false for a nil
// dedup.
func (d *dedup) takesPart(i int) bool { return d != nil && d.mode[i] != dupNone }

// filter returns fn for file i, passing over its rows read before from
// another export; fn itself when the file takes no part.
func (d *dedup) filter(i int, fn func(*Event) error) func(*Event) error {
	if !d.takesPart(i) {
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
		if e.src == src {
			e.n++
		} else {
			e.src, e.n = src, 1
		}
		fresh := e.n > e.kept
		if fresh {
			e.kept = e.n
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
	d.seen[h] = dupEntry{kept: 1, n: 1, src: src}
	if mode == dupTimed {
		d.clock = max(d.clock, sec)
		d.timed.push(timedRow{sec, h})
		for d.timed.len() > 0 && d.timed.first().sec < d.clock-int64(dupWindow/time.Second) {
			delete(d.seen, d.timed.pop().hash)
		}
		return true
	}
	if d.kept.len() == 0 {
		d.keptFrom, d.keptTo = sec, sec
	}
	d.keptFrom, d.keptTo = min(d.keptFrom, sec), max(d.keptTo, sec)
	d.kept.push(h)
	if d.kept.len() > maxKeptRows {
		delete(d.seen, d.kept.pop())
		if d.full < 0 {
			d.full = file
		}
	}
	return true
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
			"from here on, a row is found twice only within %[1]d rows of its first reading; give fewer overlapping message traces at once", maxKeptRows))
	}
}

// rowHash is a 64-bit hash of every value read from a row, but its file
// and line: each value's hash, mixed in with its place.
func (d *dedup) rowHash(ev *Event) uint64 {
	h := uint64(ev.Time.Unix())*0x9E3779B97F4A7C15 ^ uint64(ev.Time.Nanosecond())
	h = mix(h ^ uint64(ev.TotalBytes)<<20 ^ uint64(ev.RecipientCount))
	for i, s := range [...]string{string(ev.Format), ev.EventID, ev.Source, ev.SourceContext, ev.ConnectorID, ev.ClientIP, ev.ClientHostname,
		ev.ServerIP, ev.ServerHostname, ev.Sender, ev.ReturnPath, ev.RelatedRecipient, ev.Reference, ev.Subject, ev.MessageID,
		ev.NetworkMessageID, ev.InternalMessageID, ev.MessageInfo, ev.Directionality, ev.OriginalClientIP, ev.Status, ev.Detail} {
		if s != "" {
			h = mix(h ^ maphash.String(d.seed, s) + uint64(i))
		}
	}
	for k, l := range [...][]string{ev.Recipients, ev.RecipientStatus} {
		h = mix(h ^ uint64(len(l)) + uint64(100+k))
		for _, s := range l {
			h = mix(h ^ maphash.String(d.seed, s))
		}
	}
	return h
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
