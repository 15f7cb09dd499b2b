package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// printable makes a directory-, log- or file-derived string safe to print on
// a terminal. Group names, addresses and log fields are chosen by whoever
// created the object or sent the mail; printed raw, an ESC sequence could
// clear or rewrite the lines above ("exit 0"), retitle the window or worse,
// and a CR or line separator could forge a line of the summary. Control
// characters (C0, DEL, C1), the Unicode line and paragraph separators and the
// bidirectional overrides are shown as escapes instead, so they stay visible.
func printable(s string) string {
	// A stray byte of invalid UTF-8 such as 0x9b is CSI to a terminal that
	// is not in UTF-8 mode; ranging over s turns it into U+FFFD.
	if strings.IndexFunc(s, unprintable) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unprintable(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func unprintable(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u2028' || r == '\u2029' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// printables applies printable to each string.
func printables(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = printable(s)
	}
	return out
}

// printableLines is printable for text that is several lines on purpose,
// such as an error joining every problem of a config file, one a line: the
// line breaks stay and everything else is escaped.
func printableLines(s string) string {
	if strings.IndexFunc(s, unprintable) < 0 && utf8.ValidString(s) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = printable(l)
	}
	return strings.Join(lines, "\n")
}

// jsonTerminalWriter escapes, in JSON on its way to a terminal (the JSON log
// handler's lines, a report or snapshot on stdout), the runes encoding/json
// and slog leave raw although a terminal acts on them: DEL, the C1 controls
// (U+009B is CSI) and the bidirectional overrides; they escape only C0, the
// line separators and invalid UTF-8. Outside strings this JSON holds
// punctuation, digits, literals and whitespace of spaces and line breaks
// only (the encoders indent with spaces), so every such rune is inside a
// string, where \uXXXX means the same rune: the JSON stays valid and loses
// nothing. Report writers hand it arbitrary chunks (a bufio.Writer's, cut
// every 64 KiB), so a rune cut at the end of a Write is held until the next
// one: escaped or passed on in halves, U+009B would leave as its raw bytes
// C2 9B. Flush ends the stream.
type jsonTerminalWriter struct {
	w io.Writer
	// tail is an incomplete rune at the end of the last Write.
	tail []byte
}

// jsonRaw is a rune the writer escapes. JSON's whitespace between tokens is
// structure, and never raw inside a string, so it is left alone.
func jsonRaw(r rune) bool {
	return r != '\n' && r != '\t' && r != '\r' && unprintable(r)
}

func (j *jsonTerminalWriter) Write(p []byte) (int, error) {
	buf := p
	if len(j.tail) > 0 {
		buf = append(j.tail, p...)
	}
	cut := len(buf) - incompleteRune(buf)
	j.tail = append([]byte(nil), buf[cut:]...)
	if err := j.write(buf[:cut]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a rune the stream ended in the middle of, as encoding/json
// writes invalid UTF-8: U+FFFD. The encoders never end so; a writer that did
// must not have its last bytes dropped silently.
func (j *jsonTerminalWriter) Flush() error {
	if len(j.tail) == 0 {
		return nil
	}
	j.tail = nil
	_, err := io.WriteString(j.w, `\ufffd`)
	return err
}

func (j *jsonTerminalWriter) write(p []byte) error {
	if bytes.IndexFunc(p, jsonRaw) < 0 && utf8.Valid(p) {
		_, err := j.w.Write(p)
		return err
	}
	out := make([]byte, 0, len(p)+32)
	for rest := p; len(rest) > 0; {
		r, size := utf8.DecodeRune(rest)
		switch {
		case r == utf8.RuneError && size == 1:
			// A stray byte such as 0x9b is CSI to a terminal not in UTF-8
			// mode.
			out = append(out, `\ufffd`...)
		case jsonRaw(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, rest[:size]...)
		}
		rest = rest[size:]
	}
	_, err := j.w.Write(out)
	return err
}

// incompleteRune is the length of the start of a rune that p ends with, 0
// when p ends with a whole rune or an invalid byte.
func incompleteRune(p []byte) int {
	for n := 1; n < utf8.UTFMax && n <= len(p); n++ {
		if start := p[len(p)-n:]; utf8.RuneStart(start[0]) {
			if utf8.FullRune(start) {
				return 0
			}
			return n
		}
	}
	return 0
}
