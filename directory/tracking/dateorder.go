package tracking

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
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

// slashTime reads a date with slashes in the file's order, deciding the
// order at the file's first such date.
func (p *parser) slashTime(s string, lineNo int64) (time.Time, bool) {
	if _, _, ok := slashParts(s); !ok {
		return time.Time{}, false
	}
	if p.order == orderUnknown {
		p.decideOrder(s, lineNo)
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
	switch order {
	case orderDayFirst:
		p.note(fmt.Sprintf("dates are read day first (dd/mm/yyyy), as line %d (%q) shows", line, clip(text)))
	case orderMonthFirst:
		p.note(fmt.Sprintf("dates are read month first (mm/dd/yyyy), as line %d (%q) shows", line, clip(text)))
	default:
		p.order = orderAmbiguous
		p.note("dates such as " + clip(first) + " could be day first or month first and no date in the file says which: " +
			"they were read month first (mm/dd/yyyy); export the time column as ISO 8601 (.ToString('o')) to be sure")
	}
}

func (p *parser) timeColumn() int { return p.lay.at[colTime] }

// scanDateOrder reads a file's time column (col) from the start for the
// first date that reads only one way: the line it is on and its text.
// Anything that stops the scan leaves the order ambiguous; the parse itself
// reports what is wrong with the file.
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
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err != nil {
			if _, ok := err.(*csv.ParseError); ok {
				continue
			}
			return orderAmbiguous, 0, ""
		}
		if first && hasHeader || col >= len(rec) {
			continue
		}
		if o := orderOf(rec[col]); o == orderDayFirst || o == orderMonthFirst {
			line, _ := cr.FieldPos(col)
			return o, int64(line), rec[col]
		}
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
