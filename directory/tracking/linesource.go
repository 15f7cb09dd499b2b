package tracking

import (
	"bytes"
	"io"
)

// readBlock is how much a lineSource reads at once.
const readBlock = 1 << 20

// lineSource cuts a stream into lines, scanning each once (scanLine) for
// what splitting it needs. It replaces bufio.Reader.ReadSlice, which looks
// for the newline in a pass of its own.
type lineSource struct {
	r io.Reader
	// buf holds the unread data in buf[off:n]; its capacity keeps
	// scanSlack bytes after its length for the vector scanner.
	buf    []byte
	off, n int
	// err is the reader's error, returned once the data before it is.
	err error
	// clean is how many unread bytes are known to hold no newline: a line
	// that spans many small reads is searched only in what each read adds,
	// and scanned whole once, when its end has come.
	clean int
	// unterminated is set when the line returned last ended without a
	// newline because the reader did.
	unterminated bool
	// renew, when set, gives the buffer to read into next, holding the
	// unread data (tail) at its front, instead of moving that data to the
	// front of this one: the lines already returned stay where they are,
	// for the parallel reader to hand over in place. The buffer is as
	// long as this one, with scanSlack bytes of capacity after it.
	renew func(tail []byte) []byte
}

func newLineBuffer() []byte { return make([]byte, readBlock+scanSlack) }

// reset points s at r, reusing buf (of any size over scanSlack) when it is
// non-nil, and keeping renew.
func (s *lineSource) reset(r io.Reader, buf []byte) {
	if buf == nil {
		buf = newLineBuffer()
	}
	*s = lineSource{r: r, buf: buf[:cap(buf)-scanSlack], renew: s.renew}
}

// fill reads more after the unread data, moving it to the front first. It
// reports false when there is no room or the reader has ended.
func (s *lineSource) fill() bool {
	if s.err != nil {
		return false
	}
	if s.off > 0 {
		if s.renew != nil {
			nb := s.renew(s.buf[s.off:s.n])
			s.buf, s.n = nb[:cap(nb)-scanSlack], s.n-s.off
		} else {
			s.n = copy(s.buf, s.buf[s.off:s.n])
		}
		s.off = 0
	}
	if s.n == len(s.buf) {
		return false
	}
	// A reader may return little at a time (gzip does): keep reading until
	// something came, as bufio does, but give up on one that never sends.
	for range 100 {
		m, err := s.r.Read(s.buf[s.n:])
		s.n += m
		if err != nil {
			s.err = err
			return m > 0
		}
		if m > 0 {
			return true
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// peek returns up to k unread bytes without consuming them.
func (s *lineSource) peek(k int) []byte {
	for s.n-s.off < k && s.fill() {
	}
	return s.buf[s.off:min(s.n, s.off+k)]
}

// next returns the next line without its '\n', scanned into sc. When the
// line does not fit in the buffer, it returns the buffer's worth with more
// set, and the line's rest on the following calls. At the end it returns
// ok false; s.err then says why (io.EOF at the normal end).
func (s *lineSource) next(sc *lineScan) (line []byte, more, ok bool) {
	for {
		if s.off < s.n {
			// buf[off:n] keeps the buffer's capacity, so the scanner's
			// slack is there.
			b := s.buf[s.off:s.n]
			if s.clean == 0 || bytes.IndexByte(b[s.clean:], '\n') >= 0 {
				if end := scanLine(b, sc); end < len(b) {
					s.off += end + 1
					s.clean = 0
					return b[:end], false, true
				}
			}
			s.clean = len(b)
		}
		if s.fill() {
			continue
		}
		if s.off == s.n {
			return nil, false, false
		}
		// The last line has no newline, or the line fills the buffer.
		b := s.buf[s.off:s.n]
		s.off, s.clean = s.n, 0
		s.unterminated = s.err != nil
		return b, s.err == nil, true
	}
}

// rest is the stream from the first unread byte on: what the buffer holds,
// then the reader's remainder (a gzip stream is inflated from it).
func (s *lineSource) rest() io.Reader {
	return io.MultiReader(bytes.NewReader(bytes.Clone(s.buf[s.off:s.n])), s.r)
}
