package tracking

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"dgaudit/directory/internal/textenc"
)

// dateOrder is how a file writes dates with slashes. PowerShell's Export-Csv
// formats a DateTime in the culture of the shell that ran it: en-US writes
// 3/5/2026 9:00:00 AM, en-GB and much of Europe 05/03/2026 09:00:00, en-AU
// 5/03/2026 9:00:00 AM. A date whose day is 12 or less reads both ways, so
// the order is decided for the whole file, from a date that reads only one
// way.
type dateOrder uint8

const (
	orderUnknown dateOrder = iota
	orderDayFirst
	orderMonthFirst
	// orderAmbiguous: no date in the file reads only one way. They are read
	// month first, the culture Exchange's shells usually run under, and the
	// file says so.
	orderAmbiguous
)

var (
	monthFirstLayouts = []string{"1/2/2006 3:04:05 PM", "1/2/2006 15:04:05", "1/2/2006 3:04 PM", "1/2/2006 15:04"}
	dayFirstLayouts   = []string{"2/1/2006 3:04:05 PM", "2/1/2006 15:04:05", "2/1/2006 3:04 PM", "2/1/2006 15:04"}
)

// slashParts returns the first two numbers of a date written a/b/yyyy,
// each one or two digits: a year-first date (2026/03/05, as East Asian
// cultures write it) is not one.
func slashParts(s string) (a, b int, ok bool) {
	s = strings.TrimSpace(s)
	num := func() (int, bool) {
		n, digits := 0, 0
		for len(s) > 0 && s[0] >= '0' && s[0] <= '9' && digits < 3 {
			n = n*10 + int(s[0]-'0')
			s = s[1:]
			digits++
		}
		return n, digits > 0 && digits <= 2
	}
	var okA, okB bool
	if a, okA = num(); !okA || len(s) == 0 || s[0] != '/' {
		return 0, 0, false
	}
	s = s[1:]
	if b, okB = num(); !okB || len(s) == 0 || s[0] != '/' {
		return 0, 0, false
	}
	return a, b, true
}

// orderOf says what one date tells about its file's order.
func orderOf(s string) dateOrder {
	a, b, ok := slashParts(s)
	switch {
	case !ok:
		return orderUnknown
	case a > 12 && b <= 12:
		return orderDayFirst
	case b > 12 && a <= 12:
		return orderMonthFirst
	}
	return orderAmbiguous
}

var noBreakSpaces = strings.NewReplacer("\u202f", " ", "\u00a0", " ")

// slashTime reads a date with slashes in the file's order, deciding the
// order at the file's first such date.
func (p *parser) slashTime(s string, lineNo int64) (time.Time, bool) {
	if _, _, ok := slashParts(s); !ok {
		return time.Time{}, false
	}
	if p.order == orderUnknown {
		p.decideOrder(s, lineNo)
	}
	if t, ok := parseSlashed(s, p.order == orderDayFirst); ok {
		return t, true
	}
	if strings.Contains(s, "\u202f") || strings.Contains(s, "\u00a0") {
		// .NET on ICU (PowerShell 7, where the Exchange Online module
		// runs) writes en-US times with a narrow no-break space before
		// AM or PM; a no-break space is its older kin.
		s = noBreakSpaces.Replace(s)
		if t, ok := parseSlashed(s, p.order == orderDayFirst); ok {
			return t, true
		}
	}
	layouts := monthFirstLayouts
	if p.order == orderDayFirst {
		layouts = dayFirstLayouts
	}
	s = strings.ToUpper(strings.TrimSpace(s)) // "pm" as en-AU writes it
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (p *parser) decideOrder(first string, lineNo int64) {
	order, line, text := orderOf(first), lineNo, first
	if order == orderAmbiguous && p.rescan {
		order, line, text = scanDateOrder(p.name, p.timeColumn(), p.lay.format != FormatLog)
	}
	p.order = order
	if order != orderDayFirst && order != orderMonthFirst {
		p.order = orderAmbiguous
	}
	p.noteOrder(p.order, line, text, first)
}

// noteOrder says how the file's dates are read: in the order a date on line
// shows (text), or month first when no date says (first is the file's
// first date with slashes).
func (p *parser) noteOrder(order dateOrder, line int64, text, first string) {
	switch order {
	case orderDayFirst:
		p.note(fmt.Sprintf("dates are read day first (dd/mm/yyyy), as line %d (%q) shows", line, clip(text)))
	case orderMonthFirst:
		p.note(fmt.Sprintf("dates are read month first (mm/dd/yyyy), as line %d (%q) shows", line, clip(text)))
	default:
		p.note("dates such as " + clip(first) + " could be day first or month first and no date in the file says which: " +
			"they were read month first (mm/dd/yyyy); export the time column as ISO 8601 (.ToString('o')) to be sure")
	}
}

func (p *parser) timeColumn() int { return p.lay.at[colTime] }

// scanDateOrder reads a file's time column (col) from the start for the
// first date that reads only one way: the line it is on and its text.
// Anything that stops the scan leaves the order ambiguous; the parse itself
// reports what is wrong with the file. An export whose dates all fall on
// the first twelve days of a month is read to its end, so the scan looks
// at each record's first line only, as far as the column, rather than
// reading the file as CSV a second time.
func scanDateOrder(path string, col int, hasHeader bool) (dateOrder, int64, string) {
	if col < 0 {
		return orderAmbiguous, 0, ""
	}
	f, err := os.Open(path)
	if err != nil {
		return orderAmbiguous, 0, ""
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	if magic, _ := br.Peek(2); isGzip(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return orderAmbiguous, 0, ""
		}
		defer zr.Close()
		r = zr
	}
	// As the parser reads it: past a BOM, UTF-16 decoded.
	tr, _, err := textenc.NewReader(r)
	if err != nil {
		return orderAmbiguous, 0, ""
	}
	order, line, text, header := orderAmbiguous, int64(0), "", hasHeader
	// A stray quote's record is cut short where the parser cuts it: only
	// its time column and how the header begins matter.
	var start layout
	start.at[colTime] = col
	begins := func(line []byte) bool { return !header && start.begins(line) }
	err = eachRecord(tr, 0, defaultMaxRecordBytes, begins, func(first []byte, _, before int64, _ bool) bool {
		if header {
			header, start.quoted = false, first[0] == '"'
			return true
		}
		if v, ok := csvValue(first, col); ok {
			if o := orderOf(string(v)); o == orderDayFirst || o == orderMonthFirst {
				order, line, text = o, before+1, string(v)
				return false
			}
		}
		return true
	})
	if err != nil {
		return orderAmbiguous, 0, ""
	}
	return order, line, text
}

// quoteOpenAfter reports whether a CSV record's line ends inside a quoted
// value, read as splitCSV reads it; open is set when the line continues a
// quoted value of the line before. Only a value that begins with a quote
// is quoted: a quote elsewhere in a value (27" monitor) is text, and text
// after a closing quote ends the record as malformed, whatever follows.
func quoteOpenAfter(line []byte, open bool) bool {
	i := 0
	for {
		if !open {
			if i >= len(line) || line[i] != '"' {
				k := bytes.IndexByte(line[i:], ',')
				if k < 0 {
					return false
				}
				i += k + 1
				continue
			}
			i++
		}
		for {
			k := bytes.IndexByte(line[i:], '"')
			if k < 0 {
				return true
			}
			i += k + 1
			if i < len(line) && line[i] == '"' {
				i++
				continue
			}
			break
		}
		open = false
		if i == len(line) || line[i] != ',' {
			return false
		}
		i++
	}
}

// csvValue is the value of column col of a CSV record's first line, its
// quotes taken off (a doubled quote inside is left doubled: no date holds
// one); ok is false when the line ends before the value does.
func csvValue(line []byte, col int) ([]byte, bool) {
	line = bytes.TrimRight(line, "\r\n")
	for i := 0; ; i++ {
		var v []byte
		if len(line) > 0 && line[0] == '"' {
			end := 1
			for {
				q := bytes.IndexByte(line[end:], '"')
				if q < 0 {
					return nil, false
				}
				end += q + 1
				if end < len(line) && line[end] == '"' {
					end++
					continue
				}
				break
			}
			v, line = line[1:end-1], line[end:]
		} else {
			c := bytes.IndexByte(line, ',')
			if c < 0 {
				c = len(line)
			}
			v, line = line[:c], line[c:]
		}
		if i == col {
			return v, true
		}
		if len(line) == 0 || line[0] != ',' {
			return nil, false
		}
		line = line[1:]
	}
}

// localTimeNote is said of a Get-MessageTrackingLog export whose times
// carry no offset: the cmdlet gives the server's local time, while the logs
// and Exchange Online give UTC, and the export does not say which zone the
// server was in.
const localTimeNote = "times carry no UTC offset and are read as UTC, but Get-MessageTrackingLog writes the server's local time: " +
	"export with @{n='Timestamp';e={$_.Timestamp.ToUniversalTime().ToString('o')}} to line them up with logs from other servers"

// hasZone reports whether a timestamp says its offset from UTC.
func hasZone(s string) bool {
	s = strings.TrimSpace(s)
	if n := len(s); n > 0 && (s[n-1] == 'Z' || s[n-1] == 'z') {
		return true
	}
	if n := len(s); n >= 6 && (s[n-6] == '+' || s[n-6] == '-') && s[n-3] == ':' {
		return true
	}
	return false
}
