package tracking

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"

	"dgaudit/directory/internal/textenc"
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
	// enc is the text's encoding: the runs of a UTF-16 file begin at
	// offsets in it (see utf16Offsets) and are decoded from there.
	enc  textenc.Encoding
	days dayCache
}

// split reports whether the export is read as its runs merged: it goes
// back in time, but not so often that it is better read as it is.
func (s *exportScan) split() bool {
	return len(s.runs) > 1 && s.jumps < maxExportRuns && !s.gzip
}

// whole is the export read as it is, as one section; nil for a file that
// is no export.
func (s *exportScan) whole() *section {
	if s == nil {
		return nil
	}
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
	r := io.NewSectionReader(f, runs[sec.i].off, end-runs[sec.i].off)
	if mark := sec.mark(); mark != nil {
		return io.MultiReader(bytes.NewReader(mark), r)
	}
	return r
}

// mark is what open puts in front of the run's own bytes: a UTF-16 run
// after the first is given the file's byte order mark, which says how the
// parser is to decode it. Those bytes are not the file's (added).
func (sec *section) mark() []byte {
	if sec.i == 0 || !sec.scan.enc.IsUTF16() {
		return nil
	}
	return sec.scan.enc.Mark()
}

// added is how many bytes open puts in front of the run's own.
func (sec *section) added() int64 { return int64(len(sec.mark())) }

// preset sets up a parser for the section: a run after the first starts
// past the header, and every run reads dates with slashes the way the
// whole file writes them, as the first run notes. A file read whole is
// the one section of its scan, and has its dates' order from it rather
// than from a scan of its own.
func (p *parser) preset(sec *section) {
	s := sec.scan
	p.line, p.rescan = s.runs[sec.i].lines, false
	p.sectionEnds = !sec.all && sec.i+1 < len(s.runs)
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
func readExportGroup(ctx context.Context, files []string, g exportGroup, d *dedup, opt Options, fn func(*Event) error) (Stats, error) {
	var names []string
	var secs []*section
	var fileOf []int // the group's file each stream is of
	var srcs []int32
	for k, s := range g.scans {
		add := func(sec *section) {
			names, secs, fileOf = append(names, files[g.first+k]), append(secs, sec), append(fileOf, k)
			srcs = append(srcs, dupSource(g.first+k, sec.i))
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
	err := readRun(ctx, names, r, jobs, secs, srcs, d, opt, fn)
	// A file's runs' stats are the file's.
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
		f.MalformedLines += fs.MalformedLines
		for _, n := range fs.Notes {
			if !slices.Contains(f.Notes, n) {
				f.Notes = append(f.Notes, n)
			}
		}
		for _, n := range fs.Lacks {
			if !slices.Contains(f.Lacks, n) {
				f.Lacks = append(f.Lacks, n)
			}
		}
		if f.Err == "" && fs.Err != "" {
			f.Err = fs.Err
		}
	}
	return f
}
