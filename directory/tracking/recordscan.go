package tracking

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// eachRecord reads text as the parser cuts it into records, without
// parsing them, for the scans that look ahead of the parse (dateOrder,
// exportScan): it calls fn with each record's first line (its line break
// taken off), the offset of that line (the text starts at off), the number
// of lines before it, and whether the record goes on past it. It skips what
// the parser skips: blank lines, '#' lines and lines over maxRecord bytes.
// A quoted value's line breaks are followed as the parser follows them
// (quoteOpenAfter), for up to maxRecord bytes, and a line that begins a
// record while a value is open (begins, as layout.begins says of the
// parser's layout; nil for none) ends the open one and begins its own, as
// the parser cuts a stray quote's record short. fn returns false to stop;
// eachRecord returns the reader's error, nil at the end.
func eachRecord(r *bufio.Reader, off int64, maxRecord int, begins func(line []byte) bool, fn func(first []byte, off, before int64, continues bool) bool) error {
	open, openBytes := false, 0
	var long []byte
	for n := int64(0); ; n++ {
		line, err := r.ReadSlice('\n')
		size := len(line)
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer, gathered as the parser
			// gathers it, up to the longest record it reads.
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = r.ReadSlice('\n')
				size += len(line)
				if len(long) <= maxRecord {
					long = append(long, line...)
				}
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if size == 0 {
			return nil
		}
		at := off
		off += int64(size)
		line = bytes.TrimRight(line, "\r\n")
		if open && begins != nil && begins(line) {
			open = false
		}
		switch {
		case open:
			if openBytes += len(line) + 1; openBytes > maxRecord {
				open = false
			} else {
				open = quoteOpenAfter(line, true)
			}
		case len(line) == 0 || line[0] == '#' || len(line) > maxRecord:
			// Skipped by the parser: quotes in it open nothing.
		default:
			open, openBytes = quoteOpenAfter(line, false), len(line)
			if !fn(line, at, n, open) {
				return nil
			}
		}
		if err != nil {
			return nil
		}
	}
}
