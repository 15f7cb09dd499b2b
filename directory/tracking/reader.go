package tracking

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unsafe"

	"dgaudit/directory/internal/textenc"
)

// jsonPeek is how far into a file its first byte other than white space
// is looked for, to tell saved Graph pages (JSON) from logs and CSV.
const jsonPeek = 512

// defaultMaxRecordBytes is Options.MaxRecordBytes when not set.
const defaultMaxRecordBytes = 1 << 20

// Options tune a read. The zero value is valid.
type Options struct {
	// MaxSamples caps how many malformed records are kept with their
	// file, lines and reason (all are counted); 0 means 100.
	MaxSamples int
	// MaxRecordBytes caps one record, quoted line breaks included; a longer
	// one is malformed. 0 means 1 MiB.
	MaxRecordBytes int
	// Workers is how many files Read parses at once; 0 means one per CPU
	// (up to 8), 1 reads in the calling goroutine, but for the logs it
	// merges (see Read). fn is called from one goroutine in the same order
	// either way, so results do not depend on it.
	Workers int
}

func (o Options) withDefaults() Options {
	if o.MaxSamples <= 0 {
		o.MaxSamples = 100
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = defaultMaxRecordBytes
	}
	if o.Workers <= 0 {
		o.Workers = min(runtime.GOMAXPROCS(0), maxWorkers)
	}
	return o
}

// Malformed is one record that could not be read as an event: most are a
// line, but one whose quoted value ran over several lines takes them all.
type Malformed struct {
	File string `json:"file"`
	// Line is the record's first line, Lines how many it took.
	Line   int64  `json:"line"`
	Lines  int64  `json:"lines"`
	Reason string `json:"reason"`
}

// FileStats is what one file held.
type FileStats struct {
	Path      string `json:"path"`
	Format    Format `json:"format,omitempty"`
	Lines     int64  `json:"lines"`
	Events    int64  `json:"events"`
	Malformed int64  `json:"malformed"`
	// MalformedLines counts the lines of the malformed records: more
	// than Malformed when a quoted value left open ran over lines.
	MalformedLines int64 `json:"malformedLines"`
	// Duplicates counts the file's rows, among Events, that were read
	// before from another export and passed over: overlapping exports
	// hold the same rows (see dedup.go).
	Duplicates int64 `json:"duplicates,omitempty"`
	// Notes say how the file was read (the date order it was taken to
	// have, the servers' exports it was merged with).
	Notes []string `json:"notes,omitempty"`
	// Lacks says what the file does not hold that the evidence rests on
	// (recipients exported as System.String[]): the evidence from it is a
	// lower bound, as from a file not read to its end.
	Lacks []string `json:"lacks,omitempty"`
	// Err is set when the file could not be read to its end: it was
	// missing, not a tracking file, or its compression was damaged.
	Err string `json:"error,omitempty"`
}

// Stats is what a read saw.
type Stats struct {
	Files     []FileStats `json:"files"`
	Bytes     int64       `json:"bytes"`
	Lines     int64       `json:"lines"`
	Events    int64       `json:"events"`
	Malformed int64       `json:"malformed"`
	// MalformedLines: see FileStats.
	MalformedLines int64 `json:"malformedLines"`
	// Duplicates: see FileStats. fn was called for Events - Duplicates.
	Duplicates int64 `json:"duplicates,omitempty"`
	// DuplicatesAtLeast: some rows kept to find their copies were let go
	// (see maxKeptRows), so Duplicates is a lower bound.
	DuplicatesAtLeast bool `json:"duplicatesAtLeast,omitempty"`
	// Unmatched counts the files whose rows overlap others' in time but
	// could not be matched with them (no server column, other columns, a
	// split export naming no server): rows of the overlap may be counted
	// twice, and each such file's Notes say why.
	Unmatched int `json:"unmatched,omitempty"`
	// Samples are the first malformed records, in reading order.
	Samples []Malformed `json:"samples,omitempty"`
	// Failed counts files that could not be read to their end.
	Failed int `json:"failed"`
}

// Expand turns the paths given by a user into the files to read: a file
// stands for itself, a folder for every .log, .csv and .gz file below it, in
// name order, except that Exchange's own log names are put in time order
// (see fileOrderKey). A path that does not exist but holds a wildcard (*, ?
// or [) is a pattern, read as a folder is: the .log, .csv and .gz files it
// matches (and what is below the folders it matches) in that order.
// Windows shells pass C:\Logs\MSGTRK*.LOG to the program as it is typed,
// and a Unix shell's own expansion puts -10.LOG before -2.LOG. A missing
// path, or a pattern that matches nothing, is an error.
func Expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil && strings.ContainsAny(p, "*?[") {
			found, perr := expandPattern(p)
			if perr != nil {
				return nil, perr
			}
			out = append(out, found...)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("tracking path %s: %w", p, err)
		}
		if !st.IsDir() && !st.Mode().IsRegular() {
			return nil, fmt.Errorf("tracking path %s: %s, not a file: save the logs to a file and name it (a file is read more than once, to put exports in time order)", p, fileKind(st.Mode()))
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		// WalkDir does not enter a root that is a link to a folder (a
		// share mounted as a link, say): named with a separator after
		// it, the link is followed.
		root := p
		if lst, lerr := os.Lstat(p); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 {
			root = p + string(filepath.Separator)
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && logLike(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list tracking folder %s: %w", p, err)
		}
		slices.SortFunc(found, func(a, b string) int { return strings.Compare(fileOrderKey(a), fileOrderKey(b)) })
		out = append(out, found...)
	}
	return out, nil
}

// expandPattern expands a wildcard path as Expand reads a folder.
func expandPattern(pattern string) ([]string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("tracking path %s: %w", pattern, err)
	}
	var files, out []string
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil {
			return nil, fmt.Errorf("tracking path %s: %w", m, err)
		}
		if st.IsDir() {
			found, err := Expand([]string{m})
			if err != nil {
				return nil, err
			}
			out = append(out, found...)
		} else if logLike(m) || pageLike(pattern, m) {
			files = append(files, m)
		}
	}
	if len(files)+len(out) == 0 {
		return nil, fmt.Errorf("tracking path %s: no .log, .csv or .gz file matches it", pattern)
	}
	slices.SortFunc(files, func(a, b string) int { return strings.Compare(fileOrderKey(a), fileOrderKey(b)) })
	return append(files, out...), nil
}

// logLike reports whether a file found in a folder is read: tracking logs,
// exports and their compressed copies.
func logLike(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".log", ".csv", ".gz":
		return true
	}
	return false
}

// pageLike reports whether a file a wildcard matched is a saved Graph
// message-trace page the pattern asks for: a .json file, when the pattern
// names .json files. A folder's .json files are not read: reports are
// written there as .json.
func pageLike(pattern, path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".json") && strings.EqualFold(filepath.Ext(pattern), ".json")
}

// Read reads every file and calls fn for each event, from the calling
// goroutine, in file and line order; files are parsed in opt.Workers
// goroutines ahead of the calls. Consecutive files with Exchange's log
// names that belong to different logs (another server's folder, or a
// mailbox server's submission and delivery logs beside transport's) are the
// exception: their events come merged by time (see mergeRuns), each log
// parsed in a goroutine of its own, whatever opt.Workers; and so are the
// runs of a Get-MessageTrackingLog export of several servers written one
// after another (see scanExportRuns), and consecutive exports of one
// period (see exportGroups). Consecutive exports are read, and counted in
// Stats, in the order of their earliest times (see exportsInTimeOrder).
// A row read before from another export (one of overlapping exports) is
// passed over, and counted in Stats.Duplicates (see dedup.go).
// When fn fails, the counts in Stats may include some rows parsed ahead of
// the event it failed on. A file that cannot be read to its end is
// recorded in Stats (Err, Failed) and the read goes on with the next; Read
// itself fails only when ctx ends or fn returns an error.
func Read(ctx context.Context, files []string, opt Options, fn func(*Event) error) (Stats, error) {
	opt = opt.withDefaults()
	scans := scanExports(ctx, files, opt.MaxRecordBytes, opt.Workers)
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	files, scans = exportsInTimeOrder(files, scans)
	groups := exportGroups(files, scans)
	d := newDedup(files, scans, groups)
	d.limitTraces(opt.Workers, func(i int) (span, bool) { return timeSpan(ctx, files[i], opt) })
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	if runs := mergeRuns(files); opt.Workers > 1 || len(runs) > 0 || len(groups) > 0 {
		st, err := readParallel(ctx, files, runs, groups, scans, d, opt, fn)
		d.count(&st)
		return st, err
	}
	var st Stats
	err := readInTurn(ctx, files, scans, d, opt, &st, fn)
	d.count(&st)
	return st, err
}

// timeSpan reads a file for its earliest and latest times, in Unix
// seconds; ok is false when it holds no event.
func timeSpan(ctx context.Context, path string, opt Options) (sp span, ok bool) {
	var st Stats
	// A file that cannot be read to its end spans what it holds up to
	// there, as its read proper will find; the read says what is wrong.
	_ = readPathWith(ctx, path, opt, &st, hooks{}, func(ev *Event) error {
		sec := ev.Time.Unix()
		if !ok {
			sp, ok = span{sec, sec}, true
		}
		sp.from, sp.to = min(sp.from, sec), max(sp.to, sec)
		return nil
	})
	return sp, ok
}

// readInTurn reads files one after another in the calling goroutine.
func readInTurn(ctx context.Context, files []string, scans []*exportScan, d *dedup, opt Options, st *Stats, fn func(*Event) error) error {
	for i, path := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := readPathWith(ctx, path, opt, st, hooks{section: scans[i].whole()}, d.filter(i, fn)); err != nil {
			return err
		}
	}
	return nil
}

// hooks are what the parallel reader changes in how one file is parsed.
type hooks struct {
	// buf is the buffer to read the file into (a batch's, with scanSlack
	// bytes of capacity after its length) rather than a new one; with it,
	// the file is read without a read-ahead goroutine.
	buf []byte
	// slot and renew: see parser.
	slot  func() *Event
	renew func(tail []byte) []byte
	// rescan: the content is the file at its name, which can be read again
	// from the start to decide how its dates are written (see dateOrder).
	rescan bool
	// notGzip: the file is named .gz but its content is not gzip. It is
	// read as text all the same; only the reason it fails says so.
	notGzip bool
	// noReadAhead: a gzip file is inflated as it is parsed, not ahead in a
	// goroutine (see readRun).
	noReadAhead bool
	// section: the file is an export read as one of its runs (see
	// readExportGroup), or whole with what its scan found.
	section *section
	// moments: the export is merged with others, and its batches' rows
	// of one second are put in passage order (see inPassageOrder).
	moments bool
}

func readPathWith(ctx context.Context, path string, opt Options, st *Stats, h hooks, fn func(*Event) error) error {
	h.rescan = true
	f, err := os.Open(path)
	if err != nil {
		st.Files = append(st.Files, FileStats{Path: path, Err: err.Error()})
		st.Failed++
		return nil
	}
	defer f.Close()
	var magic [2]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		st.Files = append(st.Files, FileStats{Path: path, Err: err.Error()})
		st.Failed++
		return nil
	}
	gz := isGzip(magic[:n])
	if h.section != nil && !gz {
		return readStream(ctx, h.section.open(f), path, opt, st, h, fn)
	}
	h.notGzip = !gz && strings.EqualFold(filepath.Ext(path), ".gz")
	if h.buf != nil && !gz {
		// The parallel reader already runs files side by side: a read-ahead
		// goroutine would only add a copy.
		return readStream(ctx, f, path, opt, st, h, fn)
	}
	if h.noReadAhead && gz {
		zr, err := openGzip(f)
		if err != nil {
			return readStream(ctx, failingReader{err}, path, opt, st, h, fn)
		}
		defer zr.Close()
		return readStream(ctx, zr, path, opt, st, h, fn)
	}
	// Reading and inflating go ahead in a goroutine; the parser sees plain
	// text either way.
	pf := newPrefetcher(f, gz)
	defer pf.Close()
	return readStream(ctx, pf, path, opt, st, h, fn)
}

// isGzip reports whether a file's first bytes are gzip's magic number.
func isGzip(head []byte) bool {
	return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b
}

// errStop carries the callback's error out of the reading loop untouched.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }

// ReadStream reads one file's content (gzip-compressed or not) named name,
// adding to st. Only ctx's error or fn's error is returned; everything wrong
// with the content is recorded in st.
func ReadStream(ctx context.Context, r io.Reader, name string, opt Options, st *Stats, fn func(*Event) error) error {
	return readStream(ctx, r, name, opt, st, hooks{}, fn)
}

func readStream(ctx context.Context, r io.Reader, name string, opt Options, st *Stats, h hooks, fn func(*Event) error) error {
	opt = opt.withDefaults()
	st.Files = append(st.Files, FileStats{Path: name})
	fsIdx := len(st.Files) - 1
	cr := &countingReader{r: r}
	p := &parser{opt: opt, st: st, fs: fsIdx, name: name, fn: fn, slot: h.slot, renew: h.renew, rescan: h.rescan}
	if h.section != nil {
		p.preset(h.section)
	}
	err := p.run(ctx, cr, h.buf)
	st.Bytes += cr.n
	if h.section != nil && cr.n > 0 {
		st.Bytes -= h.section.added()
	}
	var stop errStop
	switch {
	case err == nil:
		return nil
	case errors.As(err, &stop):
		return stop.err
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	msg := err.Error()
	if h.notGzip {
		// Otherwise the file reads as text without a #Fields line, which
		// sends the user looking for a header rather than at the name.
		msg = "not gzip-compressed despite its .gz name; read as plain text: " + msg
	}
	st.Files[fsIdx].Err = msg
	st.Failed++
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// parser holds one file's state.
type parser struct {
	opt  Options
	st   *Stats
	fs   int
	name string
	fn   func(*Event) error
	// renew, when set, is the line source's (see lineSource): the
	// parallel reader reads into the buffers it hands over, so the lines
	// read into them are never copied, and only a line gathered outside
	// them is (own).
	renew func(tail []byte) []byte
	// slot, when set, says where to parse the next event: the parallel
	// reader parses straight into its batch rather than copying each event.
	slot func() *Event
	// recips and statuses back the event's lists from row to row.
	recips, statuses []string
	// scan is the current line's.
	scan   lineScan
	lay    layout
	hasLay bool
	line   int64
	fields []string
	ev     Event
	noted  map[string]bool
	days   dayCache
	rescan bool
	// order is how the file writes dates with slashes, once one is read.
	order dateOrder
	// localNoted: the file's note on times without an offset is made.
	localNoted bool
	// sectionEnds: the text ends where the next run of an export read as
	// its runs begins, at a record's first line (see preset).
	sectionEnds bool
}

func (p *parser) file() *FileStats { return &p.st.Files[p.fs] }

// bad counts a malformed record, from line first to line last.
func (p *parser) bad(first, last int64, format string, args ...any) {
	f, lines := p.file(), last-first+1
	f.Malformed++
	f.MalformedLines += lines
	p.st.Malformed++
	p.st.MalformedLines += lines
	if len(p.st.Samples) < p.opt.MaxSamples {
		p.st.Samples = append(p.st.Samples, Malformed{File: p.name, Line: first, Lines: lines, Reason: fmt.Sprintf(format, args...)})
	}
}

// cutShort counts the record begun on line first as malformed: its quoted
// value was still open when line next began a record (see begins).
func (p *parser) cutShort(first, next int64) {
	p.bad(first, next-1, "quoted value not closed before line %d, which begins a record", next)
}

func (p *parser) note(msg string) {
	if p.noted[msg] {
		return
	}
	if p.noted == nil {
		p.noted = map[string]bool{}
	}
	p.noted[msg] = true
	p.file().Notes = append(p.file().Notes, msg)
}

// systemStringArray is what Export-Csv writes for a list it was not told
// to join.
const systemStringArray = "System.String[]"

// unjoined says what a file lacks when Export-Csv wrote the list column
// as systemStringArray, and how to export it.
func unjoined(what, column string) string {
	return fmt.Sprintf("%s, exported as System.String[] (join Get-MessageTrackingLog's lists: @{n='%[2]s';e={$_.%[2]s -join ';'}}, and likewise Recipients, RecipientStatus and Reference)", what, column)
}

// lack records once what the file does not hold (FileStats.Lacks).
func (p *parser) lack(what string) {
	if f := p.file(); !slices.Contains(f.Lacks, what) {
		f.Lacks = append(f.Lacks, what)
	}
}

func (p *parser) run(ctx context.Context, r io.Reader, buf []byte) error {
	src := lineSource{renew: p.renew}
	src.reset(r, buf)
	// decoded names the text a saved Graph page's offsets are in, when it
	// is not the file's.
	decoded := ""
	if isGzip(src.peek(2)) {
		gz, err := gzip.NewReader(src.rest())
		if err != nil {
			return fmt.Errorf("open gzip stream: %w", err)
		}
		defer gz.Close()
		src.reset(gz, src.buf[:cap(src.buf)])
		decoded = " of the decompressed text"
	}
	enc, err := textenc.Detect(src.peek(4))
	switch {
	case err != nil:
		return err
	case enc == textenc.UTF8BOM:
		src.off += 3
	case enc.IsUTF16():
		// Windows PowerShell's > and Out-File write UTF-16, and so does
		// Export-Csv -Encoding Unicode: it is decoded as it is read, so
		// the line scanner sees only UTF-8. A damaged character stops the
		// read at its byte offset (the file is not read to its end).
		tr, _, err := textenc.NewReader(src.rest())
		if err != nil {
			return err
		}
		src.reset(tr, src.buf[:cap(src.buf)])
		decoded = " of the text decoded from UTF-16"
	}
	if jsonStart(src.peek(jsonPeek)) {
		return p.graphPages(ctx, src.rest(), int64(src.off), decoded)
	}
	var pending []byte // a record whose quoted value spans lines
	var pendingLine int64
	var long []byte
	sc := &p.scan
	for {
		line, more, ok := src.next(sc)
		if !ok {
			switch {
			case pending != nil && p.sectionEnds:
				// The whole file's reading cuts the record at the
				// next run's first line, a record's beginning.
				p.cutShort(pendingLine, p.line+1)
			case pending != nil:
				p.bad(pendingLine, p.line, "quoted value not closed before the end of the file")
			}
			if errors.Is(src.err, io.EOF) {
				return nil
			}
			// The error came inside the line read last, or after it.
			at := p.line + 1
			if src.unterminated {
				at = p.line
			}
			return fmt.Errorf("line %d: %w", at, src.err)
		}
		gathered := more
		if more {
			// A line longer than the buffer: gather it, up to the cap.
			long = append(long[:0], line...)
			for more {
				line, more, _ = src.next(sc)
				if len(long) <= p.opt.MaxRecordBytes {
					long = append(long, line...)
				}
			}
			line, sc = long, nil
		}
		p.line++
		p.file().Lines++
		p.st.Lines++
		if p.line&0xffff == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
		}
		for len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if pending != nil && p.lay.begins(line) {
			// A stray quote, not a value over lines: the line is a
			// record of its own (see begins).
			p.cutShort(pendingLine, p.line)
			pending = nil
		}
		if pending != nil {
			pending = append(append(pending, '\n'), line...)
			if len(pending) > p.opt.MaxRecordBytes {
				p.bad(pendingLine, p.line, "quoted value not closed within %d bytes", p.opt.MaxRecordBytes)
				pending = nil
			} else if quoteOpenAfter(line, true) {
				// Still inside the quoted value: only the new line is
				// looked at. Parsing the whole record again at every
				// line took time in the square of its lines: a subject
				// of 520,000 line breaks (a megabyte), over two minutes.
			} else if ferr := p.record(pending, pendingLine, nil); ferr != errOpenQuote {
				// pending needs no copy (own): an event is made of it
				// only when the record is complete, and then pending is
				// let go, so its array is never written again.
				pending = nil
				if ferr != nil {
					return ferr
				}
			}
		} else if len(line) > p.opt.MaxRecordBytes {
			p.bad(p.line, p.line, "line longer than %d bytes", p.opt.MaxRecordBytes)
		} else if len(line) > 0 {
			if gathered {
				line = p.own(line) // long is reused for the next one
			}
			switch ferr := p.lineOf(line, sc); {
			case ferr == errOpenQuote:
				pending = append([]byte(nil), line...)
				pendingLine = p.line
			case ferr != nil:
				return ferr
			}
		}
		sc = &p.scan
	}
}

// lineOf handles one complete line: a directive, the header, or a record.
// sc is the line's scan, or nil when it has none.
func (p *parser) lineOf(line []byte, sc *lineScan) error {
	if line[0] == '#' {
		if rest, ok := bytes.CutPrefix(line, []byte("#Fields:")); ok {
			names := strings.Split(string(rest), ",")
			lay, ok := newLayout(names, false)
			if !ok {
				return fmt.Errorf("line %d: #Fields header lacks date-time or event-id", p.line)
			}
			p.setLayout(lay)
		}
		// #Software, #Version, #Date, #Log-type and Export-Csv's #TYPE
		// carry nothing the events need.
		return nil
	}
	if !p.hasLay {
		names, err := splitCSV(string(line), nil)
		if err != nil {
			return fmt.Errorf("line %d: header: %w", p.line, err)
		}
		lay, ok := newLayout(names, true)
		lay.quoted = line[0] == '"'
		if !ok {
			return fmt.Errorf("line %d: not a tracking file: no #Fields line, and the CSV header has neither Timestamp/EventId (Get-MessageTrackingLog), Received/Status (Get-MessageTraceV2) nor Date/Event (Get-MessageTraceDetailV2)", p.line)
		}
		p.setLayout(lay)
		return nil
	}
	return p.record(line, p.line, sc)
}

// own returns a record gathered in a buffer the parser reuses (a line
// longer than the read buffer) as one the event may keep. Only the
// parallel reader (renew set) hands events on past the callback; a line
// that long is rare enough to be allocated alone.
func (p *parser) own(record []byte) []byte {
	if p.renew == nil {
		return record
	}
	return bytes.Clone(record)
}

func (p *parser) setLayout(l layout) {
	p.lay, p.hasLay = l, true
	if f := p.file(); f.Format == "" {
		f.Format = l.format
	}
}

// record parses one data record; it returns errOpenQuote when the record
// continues on the next line, errStop when fn failed, nil otherwise. sc is
// the record's scan, or nil when it has none (a record gathered from
// several lines).
func (p *parser) record(line []byte, lineNo int64, sc *lineScan) error {
	// The event's strings point into the read buffer rather than copies of
	// it: one allocation per row would cost more than the parsing. They stay
	// valid until the callback returns (see Event).
	if sc == nil {
		sc = &p.scan
		scanRecord(line, sc)
	}
	s := unsafe.String(unsafe.SliceData(line), len(line))
	var fields []string
	var n int
	var err error
	switch {
	case !sc.quoted && p.lay.split <= maxCommaPos:
		fields, n = fieldsAt(s, sc, p.lay.split, p.fields), sc.commas+1
	case sc.quoted && sc.commas <= maxCommaPos:
		fields, err = splitScanned(s, sc, p.fields)
		n = len(fields)
	default:
		fields, err = splitCSV(s, p.fields)
		n = len(fields)
	}
	p.fields = fields
	if err == errOpenQuote {
		return errOpenQuote
	}
	if err != nil {
		p.bad(lineNo, p.line, "%v", err)
		return nil
	}
	if n != p.lay.width {
		p.bad(lineNo, p.line, "%d values, the header has %d", n, p.lay.width)
		return nil
	}
	ev := &p.ev
	if p.slot != nil {
		ev = p.slot()
	}
	// Every field is assigned, so the slot need not be cleared first: the
	// parallel reader's slots hold the event of an earlier batch.
	// TestRecordOverwritesEveryField keeps it so.
	l := &p.lay
	timeText, action := l.value(fields, colTime), l.value(fields, colAction)
	ev.Time = time.Time{}
	ev.EventID = l.value(fields, colEventID)
	ev.Source = l.value(fields, colSource)
	ev.SourceContext = l.value(fields, colSourceContext)
	ev.ConnectorID = l.value(fields, colConnector)
	ev.ClientIP = l.value(fields, colClientIP)
	ev.ClientHostname = l.value(fields, colClientHost)
	ev.ServerIP = l.value(fields, colServerIP)
	ev.ServerHostname = l.value(fields, colServerHost)
	ev.Sender = l.value(fields, colSender)
	ev.ReturnPath = l.value(fields, colReturnPath)
	ev.Recipients, ev.RecipientStatus = nil, nil
	// Get-MessageTrackingLog's lists come out of Export-Csv as their type
	// name unless joined: without recipients nothing is counted, without
	// their status no failure is told from a delivery, and without the
	// reference no report is tied to its original (backscatter).
	if v := l.value(fields, colRecipients); v == systemStringArray {
		p.lack(unjoined("recipients", "Recipients"))
	} else if v != "" {
		p.recips = splitList(v, p.recips)
		ev.Recipients = p.recips
	}
	if v := l.value(fields, colRecipientStatus); v == systemStringArray {
		p.lack(unjoined("recipient status", "RecipientStatus"))
	} else if v != "" {
		p.statuses = splitList(v, p.statuses)
		ev.RecipientStatus = p.statuses
	}
	ev.RelatedRecipient = l.value(fields, colRelated)
	ev.Reference = l.value(fields, colReference)
	if ev.Reference == systemStringArray {
		p.lack(unjoined("the reports' references", "Reference"))
		ev.Reference = ""
	}
	ev.Subject = l.value(fields, colSubject)
	ev.MessageID = l.value(fields, colMessageID)
	ev.NetworkMessageID = l.value(fields, colNetworkID)
	ev.InternalMessageID = l.value(fields, colInternalID)
	ev.MessageInfo = l.value(fields, colMessageInfo)
	ev.Directionality = l.value(fields, colDirectionality)
	ev.OriginalClientIP = l.value(fields, colOriginalClientIP)
	ev.Status = l.value(fields, colStatus)
	ev.Detail = l.value(fields, colDetail)
	ev.TotalBytes = int64(atoi(l.value(fields, colTotalBytes)))
	ev.RecipientCount = atoi(l.value(fields, colRecipientCount))
	ev.File, ev.Line, ev.Format = p.name, lineNo, l.format
	t, ok := p.days.parse(timeText)
	if !ok {
		t, ok = p.slashTime(timeText, lineNo)
	}
	// Year 1 at midnight is Go's zero time, which the analysis reads as
	// "no time": no log writes it, so it is unreadable, not an event.
	if !ok || t.IsZero() {
		p.bad(lineNo, p.line, "unreadable timestamp %q", clip(timeText))
		return nil
	}
	ev.Time = t
	if p.lay.format == FormatTrackingCSV && !p.localNoted && !hasZone(timeText) {
		p.note(localTimeNote)
		p.localNoted = true
	}
	switch p.lay.format {
	case FormatTrace:
		ev.EventID = traceStatusEvent(ev.Status)
	case FormatTraceDetail:
		// "Send external", "Receive": the first word is the event.
		id, _, _ := strings.Cut(strings.TrimSpace(ev.EventID), " ")
		ev.EventID = upper(id)
		if ev.Detail == "" {
			ev.Detail = action
		}
	default:
		ev.EventID = upper(ev.EventID)
	}
	if ev.EventID == "" {
		p.bad(lineNo, p.line, "no event id")
		return nil
	}
	p.file().Events++
	p.st.Events++
	if err := p.fn(ev); err != nil {
		return errStop{err}
	}
	return nil
}

// TraceEventID maps an Exchange Online message-trace status (a
// Get-MessageTraceV2 Status column, or the status of a Graph
// exchangeMessageTrace, in any case) onto the tracking event names, so that
// every message-trace source means the same by an EventID.
func TraceEventID(status string) string { return traceStatusEvent(status) }

// traceStatusEvent maps a message-trace Status onto tracking event names.
func traceStatusEvent(status string) string {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "expanded":
		return "EXPAND"
	case "delivered":
		return "DELIVER"
	case "failed":
		return "FAIL"
	case "":
		return "RECEIVE"
	}
	return upper(strings.TrimSpace(status))
}

// upper upper-cases ASCII without allocating when s already is.
func upper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return n
		}
		if n > math.MaxInt/10-1 {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
