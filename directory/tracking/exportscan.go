package tracking

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"dgaudit/directory/internal/textenc"
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
// in time: its runs cannot be read apart. A UTF-16 one is scanned decoded,
// and its runs are read apart from the file's offsets (utf16Offsets).
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
	// The text is read as the parser reads it: past a BOM, UTF-16
	// decoded. off is where its first line begins in the file: past a
	// UTF-8 BOM; a UTF-16 file's offsets are the decoded text's until the
	// scan ends (see utf16Offsets).
	tr, enc, err := textenc.NewReader(r)
	if err != nil {
		return nil
	}
	lines := bufio.NewReaderSize(tr, 1<<20)
	var off int64
	if enc == textenc.UTF8BOM {
		off = 3
	}
	s.enc = enc
	var col int
	hasLay, cancelled := false, false
	// The runs as if dates were day first and month first: which is right
	// is known only once a date says so, perhaps at the end.
	var byOrder [2]runTracker
	var last []byte // the time text of the record before
	records := 0
	begins := func(line []byte) bool { return hasLay && s.lay.begins(line) }
	err = eachRecord(lines, off, maxRecord, begins, func(line []byte, at, before int64, continues bool) bool {
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
	if cancelled || !hasLay {
		return nil
	}
	var damaged *textenc.Error
	if errors.As(err, &damaged) {
		// UTF-16 that does not decode to its end: the parse stops where
		// the scan did, and says so.
		return nil
	}
	t := &byOrder[1] // month first, as an ambiguous file is read
	if s.order == orderDayFirst {
		t = &byOrder[0]
	}
	s.runs, s.jumps, s.first, s.last, s.clockBack = append([]exportRun{{}}, t.runs...), t.jumps, t.first, t.last, t.clockBack
	if s.enc.IsUTF16() && s.split() && !s.utf16Offsets(ctx, f) {
		return nil
	}
	return s
}

// utf16Offsets turns the offsets of a UTF-16 export's runs, found in its
// decoded text, into the file's, so that each run is read from its bytes
// as a UTF-8 one is: two bytes a UTF-16 unit, after the two of the byte
// order mark. It decodes the file a second time, as far as the last run,
// counting the units; the runs begin at line breaks, never inside a
// character. It reports false when the file cannot be read again.
func (s *exportScan) utf16Offsets(ctx context.Context, f *os.File) bool {
	tr, _, err := textenc.NewReader(io.NewSectionReader(f, 0, math.MaxInt64))
	if err != nil {
		return false
	}
	buf := make([]byte, 1<<16)
	var text, units int64 // decoded bytes read, and the UTF-16 units they take
	for i := 1; i < len(s.runs); {
		if ctx.Err() != nil {
			return false
		}
		n, err := tr.Read(buf)
		chunk := buf[:n]
		for i < len(s.runs) && s.runs[i].off < text+int64(len(chunk)) {
			k := s.runs[i].off - text
			units += utf16Units(chunk[:k])
			text += k
			chunk = chunk[k:]
			s.runs[i].off = int64(len(s.enc.Mark())) + 2*units
			i++
		}
		units += utf16Units(chunk)
		text += int64(len(chunk))
		if err != nil && i < len(s.runs) {
			return false
		}
	}
	return true
}

// utf16Units is how many UTF-16 units the UTF-8 text b takes: one a
// character, two for one outside the Basic Multilingual Plane.
func utf16Units(b []byte) int64 {
	var n int64
	for _, c := range b {
		if c&0xC0 != 0x80 {
			n++
		}
		if c >= 0xF0 {
			n++
		}
	}
	return n
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
