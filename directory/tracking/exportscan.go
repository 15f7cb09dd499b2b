package tracking

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"
)

// scanExportRuns scans a Get-MessageTrackingLog export for its runs of
// rows in time order, or returns the scan made before (see scanCache),
// reading records as a parser capped at maxRecord bytes does. It returns
// nil for anything else (a log, a message trace), for a file it cannot
// read (the parse reports what is wrong with it) and when ctx ends.
func scanExportRuns(ctx context.Context, path string, maxRecord int) *exportScan {
	if exchangeLogName.MatchString(filepath.Base(path)) {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	key, ok := fileKey(f, path, maxRecord)
	if !ok {
		return nil
	}
	if s, ok := scans.get(key); ok {
		return s
	}
	s := scanExport(ctx, f, maxRecord)
	if s != nil {
		scans.put(key, s)
	}
	return s
}

// scanExport scans an open file (see scanExportRuns). A compressed one is
// scanned as its text, for its date order and for a note when it goes back
// in time: its runs cannot be read apart.
func scanExport(ctx context.Context, f *os.File, maxRecord int) *exportScan {
	s := &exportScan{}
	var r io.Reader = bufio.NewReaderSize(f, 1<<16)
	if magic, _ := r.(*bufio.Reader).Peek(2); isGzip(magic) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil
		}
		defer zr.Close()
		r, s.gzip = zr, true
	}
	lines := bufio.NewReaderSize(r, 1<<20)
	// off is where the text's first line begins: past a BOM.
	var off int64
	if magic, _ := lines.Peek(3); bytes.HasPrefix(magic, []byte{0xFF, 0xFE}) || bytes.HasPrefix(magic, []byte{0xFE, 0xFF}) {
		return nil
	} else if bytes.HasPrefix(magic, []byte{0xEF, 0xBB, 0xBF}) {
		k, _ := lines.Discard(3)
		off = int64(k)
	}
	var col int
	hasLay, cancelled := false, false
	// The runs as if dates were day first and month first: which is right
	// is known only once a date says so, perhaps at the end.
	var byOrder [2]runTracker
	var last []byte // the time text of the record before
	records := 0
	begins := func(line []byte) bool { return hasLay && s.lay.begins(line) }
	eachRecord(lines, off, maxRecord, begins, func(line []byte, at, before int64, continues bool) bool {
		if records++; records&0xfff == 0 && ctx.Err() != nil {
			cancelled = true
			return false
		}
		if !hasLay {
			names, err := splitCSV(string(line), nil)
			if err != nil {
				return false
			}
			lay, ok := newLayout(names, true)
			if !ok || lay.format != FormatTrackingCSV || lay.at[colTime] < 0 {
				return false
			}
			lay.quoted = line[0] == '"'
			s.lay, col, hasLay = lay, lay.at[colTime], true
			return true
		}
		v, ok := csvValue(line, col)
		if !ok {
			return true
		}
		text := unsafe.String(unsafe.SliceData(v), len(v))
		if s.order == orderUnknown || s.order == orderAmbiguous {
			s.decide(text, before, line, continues)
		}
		if !bytes.Equal(v, last) {
			// Rows of one second have one time: followed once.
			last = append(last[:0], v...)
			s.follow(text, at, before, &byOrder)
		}
		return true
	})
	if cancelled {
		return nil
	}
	if !hasLay {
		return nil
	}
	t := &byOrder[1] // month first, as an ambiguous file is read
	if s.order == orderDayFirst {
		t = &byOrder[0]
	}
	s.runs, s.jumps, s.first, s.last, s.clockBack = append([]exportRun{{}}, t.runs...), t.jumps, t.first, t.last, t.clockBack
	return s
}

// readable reports whether a record on one line has the header's number of
// values, as the parser reads it.
func (s *exportScan) readable(line []byte) bool {
	vs, err := splitCSV(string(line), nil)
	return err == nil && len(vs) == s.lay.width
}

// decide takes the time text of a record whose first line is line, while
// the file's date order is not known: the first date with slashes that
// reads only one way decides it, in a row the parser reads. A record on
// more than one line does not decide: whether it reads (its values, its
// closing quote) shows only past its first line, and a broken one that
// decided wrongly would leave every later row unreadable.
func (s *exportScan) decide(text string, before int64, line []byte, continues bool) {
	if _, _, ok := slashParts(text); !ok {
		return
	}
	if s.firstSlash == "" {
		s.firstSlash = strings.Clone(text)
	}
	if o := orderOf(text); (o == orderDayFirst || o == orderMonthFirst) && !continues && s.readable(line) {
		s.order, s.orderLine, s.orderText = o, before+1, strings.Clone(text)
		return
	}
	s.order = orderAmbiguous
}

// follow takes a record's time text, read as the parser reads it, and
// follows the file's runs both ways a date with slashes reads.
func (s *exportScan) follow(text string, off, before int64, byOrder *[2]runTracker) {
	zoned := hasZone(text)
	if t, ok := s.days.parse(text); ok {
		byOrder[0].see(t, off, before, zoned)
		byOrder[1].see(t, off, before, zoned)
		return
	}
	if _, _, ok := slashParts(text); !ok {
		return
	}
	if strings.ContainsAny(text, "\u202f\u00a0") {
		text = noBreakSpaces.Replace(text)
	}
	for i, dayFirst := range []bool{true, false} {
		if t, ok := parseSlashed(text, dayFirst); ok {
			byOrder[i].see(t, off, before, zoned)
		}
	}
}

// runTracker follows one reading of a file's times: the latest time of the
// current run, the runs begun after the first, and the earliest and latest
// times of all.
type runTracker struct {
	latest      time.Time
	runs        []exportRun
	jumps       int
	first, last time.Time
	// clockBack is the line where local times first went back an hour
	// as summer time ends (see summerTimeEnds), 0 if they did not.
	clockBack int64
}

func (r *runTracker) see(t time.Time, off, lines int64, zoned bool) {
	if r.first.IsZero() || t.Before(r.first) {
		r.first = t
	}
	if t.After(r.last) {
		r.last = t
	}
	if !r.latest.IsZero() && t.Before(r.latest.Add(-runBackstep)) {
		if !zoned && summerTimeEnds(r.latest, t) {
			// One server's local times repeating an hour: its rows
			// stay in their order.
			if r.clockBack == 0 {
				r.clockBack = lines + 1
			}
			r.latest = t
			return
		}
		r.jumps++
		if len(r.runs) < maxExportRuns {
			r.runs = append(r.runs, exportRun{off: off, lines: lines, from: r.latest, to: t})
		}
		r.latest = t
		return
	}
	if t.After(r.latest) {
		r.latest = t
	}
}
