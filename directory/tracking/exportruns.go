package tracking

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// An export of several servers' tracking logs is written one server after
// another: Get-TransportService | Get-MessageTrackingLog | Export-Csv asks
// each server in turn, and each answers with its rows in time order. Read
// in file order, every row of the second server comes after the last of the
// first, and the analysis, which ties a message's rows together as they
// come, finds an edge's SEND to the Internet before the hub's expansion it
// belongs to (the remote servers a loop reached are lost), or a message's
// return before its submission (a returning message counted as forged).
//
// So an export whose rows go back in time is read as its runs of rows in
// time order, merged by time as the logs of several servers are (readRun).
// The runs are found by a scan of the file before it is parsed
// (scanExportRuns), which reads each record's first line as far as its time
// column, as the date-order scan does.

// runBackstep is how far back a row must go to start a new run. A server's
// log is in time order to within a few seconds (rows are written as their
// events finish); an export of two servers goes back by the span it covers.
const runBackstep = time.Minute

// maxExportRuns caps the runs an export is read as. An export with more
// (one sorted by sender, say) is read in file order, and says so.
const maxExportRuns = 128

// exportRun is where a run of rows in time order begins: the offset of its
// first record, the number of lines before it, and the time the rows went
// back from and to.
type exportRun struct {
	off      int64
	lines    int64
	from, to time.Time
}

// exportScan is what scanExportRuns found in a Get-MessageTrackingLog
// export: its runs (the first at the start of the file, header included)
// and how it writes dates with slashes, so that every run reads them the
// same way.
type exportScan struct {
	runs []exportRun
	lay  layout
	// order, orderLine and orderText: see parser.decideOrder; firstSlash
	// is the first date with slashes, for the note on an ambiguous order.
	order      dateOrder
	orderLine  int64
	orderText  string
	firstSlash string
	// jumps counts the rows that went back, runs or not (over
	// maxExportRuns, the file is read in order).
	jumps int
	// first and last are its earliest and latest times, zero when it
	// has none.
	first, last time.Time
	// clockBack: see runTracker.
	clockBack int64
	// gzip: the file is compressed, so its runs cannot be read apart.
	gzip bool
	days dayCache
}

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
	eachRecord(lines, off, maxRecord, func(line []byte, at, before int64, continues bool) bool {
		if before&0xfff == 0 && ctx.Err() != nil {
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

// summerTimeEnds reports whether local times without an offset going back
// from latest to t are the hour a clock repeats when summer time ends:
// within one clock hour in the small hours (01:59 back to 01:00 in London
// and New York, 02:59 to 02:00 in Berlin and Sydney) of a night it ends
// (fallBackDay). An export of several servers that each cover less than
// that hour of that night is read in file order.
func summerTimeEnds(latest, t time.Time) bool {
	return latest.Sub(t) <= time.Hour && latest.YearDay() == t.YearDay() && latest.Hour() == t.Hour() && t.Hour() <= 3 && fallBackDay(t)
}

// fallBackDay reports whether summer time ends on t's day somewhere it is
// kept: the last Sunday of October (the European Union, the United
// Kingdom, Israel), the first Sunday of November (the United States,
// Canada) or the first Sunday of April (Australia, New Zealand). Chile's
// clocks go back at midnight on a Saturday, and are not followed.
func fallBackDay(t time.Time) bool {
	if t.Weekday() != time.Sunday {
		return false
	}
	switch d := t.Day(); t.Month() {
	case time.October:
		return d > 31-7
	case time.November, time.April:
		return d <= 7
	}
	return false
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

// split reports whether the export is read as its runs merged: it goes
// back in time, but not so often that it is better read as it is.
func (s *exportScan) split() bool {
	return len(s.runs) > 1 && s.jumps < maxExportRuns && !s.gzip
}

// whole is the export read as it is, as one section.
func (s *exportScan) whole() *section {
	return &section{scan: s, all: true}
}

// runsNote says how a file whose rows go back in time was read.
func (s *exportScan) runsNote() string {
	switch {
	case s.gzip:
		return fmt.Sprintf("rows go back in time %d times (first at line %d), as an export of several servers one after another does: "+
			"the file is compressed, so it is read in file order and rows of one message on several servers may be read apart; "+
			"decompress it to have its servers' runs read merged by time", s.jumps, s.runs[1].lines+1)
	case s.split():
		r := s.runs[1]
		return fmt.Sprintf("rows go back in time %d times (first at line %d, from %s to %s), as an export of several servers "+
			"one after another does: read as %d runs of rows in time order, merged by time",
			s.jumps, r.lines+1, r.from.Format(time.DateTime), r.to.Format(time.DateTime), len(s.runs))
	}
	return fmt.Sprintf("rows go back in time %d times: read in file order, so rows of one message on several servers may be "+
		"read apart; sort the export by Timestamp (Sort-Object Timestamp) before Export-Csv", s.jumps)
}

// section is run i of a scanned export, read as a file of its own: from
// its first record to the next run's, its lines numbered as in the file,
// the header and date order the scan found.
type section struct {
	scan *exportScan
	i    int
	// all: the section is the whole file (see whole).
	all bool
}

// open returns the section's bytes of f.
func (sec *section) open(f *os.File) io.Reader {
	runs := sec.scan.runs
	end := int64(math.MaxInt64)
	if !sec.all && sec.i+1 < len(runs) {
		end = runs[sec.i+1].off
	}
	return io.NewSectionReader(f, runs[sec.i].off, end-runs[sec.i].off)
}

// preset sets up a parser for the section: a run after the first starts
// past the header, and every run reads dates with slashes the way the
// whole file writes them, as the first run notes. A file read whole is
// the one section of its scan, and has its dates' order from it rather
// than from a scan of its own.
func (p *parser) preset(sec *section) {
	s := sec.scan
	p.line, p.rescan = s.runs[sec.i].lines, false
	if sec.i > 0 {
		p.setLayout(s.lay)
	} else {
		if s.jumps > 0 {
			p.note(s.runsNote())
		}
		if s.clockBack > 0 {
			p.note(fmt.Sprintf("times go back an hour at line %d, as local times do when summer time ends: those rows are read in file order", s.clockBack))
		}
	}
	if s.order == orderUnknown {
		return
	}
	p.order = s.order
	if sec.i == 0 {
		p.noteOrder(s.order, s.orderLine, s.orderText, s.firstSlash)
	}
}

// readExportGroup reads a group of exports as their runs merged by time, a
// goroutine parsing each (see readRun), and returns their stats as the
// files' in order, each file's runs counted as one file.
func readExportGroup(ctx context.Context, files []string, g exportGroup, opt Options, fn func(*Event) error) (Stats, error) {
	var names []string
	var secs []*section
	var fileOf []int // the group's file each stream is of
	for k, s := range g.scans {
		add := func(sec *section) {
			names, secs, fileOf = append(names, files[g.first+k]), append(secs, sec), append(fileOf, k)
		}
		if !s.split() {
			add(s.whole())
			continue
		}
		for i := range s.runs {
			add(&section{scan: s, i: i})
		}
	}
	jobs := make([]*fileJob, len(secs))
	r := mergeRun{last: len(secs) - 1}
	for i := range secs {
		jobs[i] = &fileJob{}
		r.streams = append(r.streams, []int{i})
	}
	err := readRun(ctx, names, r, jobs, secs, opt, fn)
	// A file's streams are consecutive: its runs' stats are its own.
	perFile := make([]Stats, len(g.scans))
	for i, j := range jobs {
		perFile[fileOf[i]].add(&j.st, opt.MaxSamples)
	}
	var read []string // the files that were read, for the notes
	for k := range perFile {
		if len(perFile[k].Files) > 0 && perFile[k].Lines > 0 {
			read = append(read, files[g.first+k])
		}
	}
	var st Stats
	for k := range perFile {
		file := &perFile[k]
		f := oneFile(files[g.first+k], file.Files)
		if others := slices.DeleteFunc(slices.Clone(read), func(p string) bool { return p == f.Path }); len(others) > 0 && f.Lines > 0 {
			f.Notes = append(f.Notes, groupNote(others, g.full))
		}
		file.Files, file.Failed = []FileStats{f}, min(file.Failed, 1)
		st.add(file, opt.MaxSamples)
	}
	return st, err
}

// oneFile folds the stats of a file's runs into the file's.
func oneFile(path string, runs []FileStats) FileStats {
	f := FileStats{Path: path}
	for _, fs := range runs {
		if f.Format == "" {
			f.Format = fs.Format
		}
		f.Lines += fs.Lines
		f.Events += fs.Events
		f.Malformed += fs.Malformed
		for _, n := range fs.Notes {
			if !slices.Contains(f.Notes, n) {
				f.Notes = append(f.Notes, n)
			}
		}
		if f.Err == "" && fs.Err != "" {
			f.Err = fs.Err
		}
	}
	return f
}
