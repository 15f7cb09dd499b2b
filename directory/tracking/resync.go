package tracking

import (
	"bytes"
	"time"
)

// A quoted value may run over several lines: Export-Csv and Exchange
// Online's exports quote a subject with line breaks in it, and a record then
// ends where its value closes. A stray quote that opens a value (a log row
// whose subject begins with '"' but does not end with one) would so run
// over every later line until another quote closes it or the record cap
// (Options.MaxRecordBytes) is reached: thousands of rows read as one
// malformed line.
//
// So while a value is open, a line that begins as the file's records begin
// ends the open record, as malformed, and is read as a record of its own
// (layout.begins). The rule costs a legitimate value nothing in an export
// that quotes every value, as Export-Csv does by default: there a line that
// begins like a record begins with a quote followed by a date, and as the
// next line of an open value that quote would close it with text after it,
// which is malformed anyway. In a #Fields log, or an export that quotes
// only the values that need it (Export-Csv -UseQuotes AsNeeded), a value
// whose continuation line begins with a date and a time then a comma
// (2026-03-01T10:00:00Z,...) is cut there: the record is reported
// malformed, and its continuation read as a row. Exchange's documentation
// does not say whether its log writer ever puts a line break in a value;
// one record lost that way, and said so, is worth less than the rows a
// stray quote would take with it.
//
// The parser (parser.run) and the scans that cut a file into records ahead
// of it (eachRecord) apply the same rule with the same layout, so an export
// read as its runs is cut where the whole file is.

// begins reports whether line, read while a quoted value is open, begins a
// record as this file's records begin: its first byte is a quote exactly
// when the header's is (a #Fields log's records are not quoted), and the
// value in the time column, read from the start of the line, is a date with
// a time. A layout without a time column never says so.
func (l *layout) begins(line []byte) bool {
	col := l.at[colTime]
	if len(line) == 0 || (line[0] == '"') != l.quoted || col < 0 {
		return false
	}
	if col == 0 {
		// Every line of a value over many lines is asked: most are
		// text, told from a time by its first byte.
		k := 0
		if l.quoted {
			k = 1
		}
		if len(line) <= k || line[k] < '0' || line[k] > '9' {
			return false
		}
	}
	v, ok := csvValue(line, col)
	return ok && looksLikeTime(v)
}

// looksLikeTime reports whether v reads as a date with a time the way the
// parser reads timestamps: ISO 8601 (the logs, exports formatted with 'o'),
// a culture's date with slashes, dots or year first and a time. It says
// nothing of the order of day and month: either will do.
func looksLikeTime(v []byte) bool {
	if len(v) < 8 || v[0] < '0' || v[0] > '9' {
		return false // most continuation lines: text
	}
	s := string(bytes.TrimSpace(v))
	if _, ok := parseISO(s); ok {
		return true
	}
	if _, _, ok := slashParts(s); ok {
		return bytes.IndexByte(v, ':') > 0
	}
	for _, l := range csvTimeLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}
