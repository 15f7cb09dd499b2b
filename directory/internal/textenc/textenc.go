// Package textenc reads text files in the encodings Windows tools write:
// UTF-8 with or without a byte order mark, and UTF-16 with one (ldifde -u,
// Export-Csv -Encoding Unicode, and Windows PowerShell's Out-File and ">"
// by default). Readers of exports decode UTF-16 as they stream, so an
// administrator need not re-export; a reader of files dgaudit writes itself
// only sniffs, to refuse UTF-16 with a message that says what happened
// instead of a parser's complaint about the first byte.
package textenc

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Error is text that cannot be decoded: a damaged file, or an encoding
// these readers do not take. Parsers report it as bad input, at their own
// position, where an I/O error is reported as such.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func errorf(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// Encoding is what Sniff found at the start of a file.
type Encoding int

// The encodings Sniff tells apart.
const (
	UTF8    Encoding = iota // no byte order mark (or an empty file)
	UTF8BOM                 // UTF-8 after a byte order mark
	UTF16LE                 // after the mark FF FE
	UTF16BE                 // after the mark FE FF
)

func (e Encoding) String() string {
	switch e {
	case UTF8BOM:
		return "UTF-8 with a byte order mark"
	case UTF16LE:
		return "UTF-16LE"
	case UTF16BE:
		return "UTF-16BE"
	}
	return "UTF-8"
}

// IsUTF16 reports whether e is either UTF-16.
func (e Encoding) IsUTF16() bool { return e == UTF16LE || e == UTF16BE }

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF32LE = []byte{0xFF, 0xFE, 0, 0}
	bomUTF32BE = []byte{0, 0, 0xFE, 0xFF}
)

// Sniff reads the byte order mark at the start of br, if there is one, and
// says what it marks. UTF-32, and UTF-16 without a mark (text in which every
// other byte is zero), are errors: no Windows tool writes the first for
// these exports, and decoding the second means guessing its byte order.
func Sniff(br *bufio.Reader) (Encoding, error) {
	b, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return UTF8, err
	}
	enc, err := Detect(b)
	if err == nil {
		br.Discard(len(enc.Mark()))
	}
	return enc, err
}

// Detect is Sniff of a file's first four bytes (fewer when it is shorter),
// for a reader that has them at hand: the byte order mark it finds is
// still to be skipped.
func Detect(b []byte) (Encoding, error) {
	switch {
	case bytes.HasPrefix(b, bomUTF32LE), bytes.HasPrefix(b, bomUTF32BE):
		return UTF8, errorf("the file is UTF-32; save it as UTF-8")
	case bytes.HasPrefix(b, bomUTF8):
		return UTF8BOM, nil
	case bytes.HasPrefix(b, bomUTF16LE):
		return UTF16LE, nil
	case bytes.HasPrefix(b, bomUTF16BE):
		return UTF16BE, nil
	case len(b) == 4 && (b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0 ||
		b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0):
		return UTF8, errorf("the file looks like UTF-16 without a byte order mark (every other byte is zero); save it as UTF-8, or as UTF-16 with its mark")
	}
	return UTF8, nil
}

// Mark is e's byte order mark, none for UTF8.
func (e Encoding) Mark() []byte {
	switch e {
	case UTF8BOM:
		return bomUTF8
	case UTF16LE:
		return bomUTF16LE
	case UTF16BE:
		return bomUTF16BE
	}
	return nil
}

// NewReader returns a buffered reader of r's text as UTF-8: a UTF-8 byte
// order mark is skipped and UTF-16 is decoded as it is read, so a large
// export is never held whole. Decoding stops with an error at a lone
// surrogate or a last half character, which mean a damaged or cut file.
func NewReader(r io.Reader) (*bufio.Reader, Encoding, error) {
	br := bufio.NewReaderSize(r, bufSize)
	enc, err := Sniff(br)
	if err != nil || !enc.IsUTF16() {
		return br, enc, err
	}
	var order binary.ByteOrder = binary.LittleEndian
	if enc == UTF16BE {
		order = binary.BigEndian
	}
	d := &utf16Reader{src: br, order: order, off: int64(len(bomUTF16LE))}
	return bufio.NewReaderSize(d, bufSize), enc, nil
}

const bufSize = 64 << 10

// utf16Reader decodes UTF-16 to UTF-8 a buffer at a time.
type utf16Reader struct {
	src   io.Reader
	order binary.ByteOrder
	in    [bufSize]byte
	n     int    // bytes in in, the first of which is at off in the file
	out   []byte // decoded and not yet returned: a tail of buf
	buf   []byte // the decoded text's buffer, reused once out is drained
	off   int64
	err   error // returned once out is drained
}

func (d *utf16Reader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		d.decode()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// decode reads more input and decodes every whole character in it; a unit
// or surrogate pair split by the read waits for the next one.
func (d *utf16Reader) decode() {
	m, rerr := d.src.Read(d.in[d.n:])
	d.n += m
	// Called only once out is drained, so buf is free. It holds what a
	// full input decodes to (a unit, two bytes, is at most three of
	// UTF-8): out never grows past it. Slicing out's consumed tail, as
	// this did, shrank the capacity read by read, and append made a new
	// buffer nearly every time (43 MB allocated to decode 21 MB).
	if d.buf == nil {
		d.buf = make([]byte, 0, bufSize/2*3)
	}
	out := d.buf[:0]
	i := 0
loop:
	for i+2 <= d.n {
		u := rune(d.order.Uint16(d.in[i:]))
		switch {
		case !utf16.IsSurrogate(u):
			out = utf8.AppendRune(out, u)
			i += 2
		case u >= 0xDC00:
			d.err = errorf("invalid UTF-16 at byte %d: a low surrogate (%#04x) with no high surrogate before it", d.off+int64(i), u)
			break loop
		case i+4 > d.n:
			break loop // the pair's second half is still to come
		default:
			v := rune(d.order.Uint16(d.in[i+2:]))
			if v < 0xDC00 || v > 0xDFFF {
				d.err = errorf("invalid UTF-16 at byte %d: a high surrogate (%#04x) with no low surrogate after it", d.off+int64(i), u)
				break loop
			}
			out = utf8.AppendRune(out, utf16.DecodeRune(u, v))
			i += 4
		}
	}
	d.out = out
	d.n = copy(d.in[:], d.in[i:d.n])
	d.off += int64(i)
	switch {
	case d.err != nil:
	case errors.Is(rerr, io.EOF) && d.n > 0:
		d.err = errorf("invalid UTF-16 at byte %d: the file ends in the middle of a character, so it was cut short", d.off)
	case rerr != nil:
		d.err = rerr
	}
}
