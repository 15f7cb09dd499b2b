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

// jsonLogWriter escapes, in the JSON log handler's output, the runes that
// handler leaves raw although a terminal acts on them: DEL, the C1 controls,
// the line separators and the bidirectional overrides (it escapes only C0).
// Outside strings a JSON log line holds ASCII punctuation and digits only,
// so every such rune is inside a string, where \uXXXX means the same rune:
// the log stays valid JSON and loses nothing. slog writes each record with
// one Write, so a rune is never split across calls.
type jsonLogWriter struct{ w io.Writer }

func (j jsonLogWriter) Write(p []byte) (int, error) {
	// The record's own line break is the one control character it holds.
	raw := func(r rune) bool { return r != '\n' && unprintable(r) }
	if bytes.IndexFunc(p, raw) < 0 {
		return j.w.Write(p)
	}
	out := make([]byte, 0, len(p)+32)
	for rest := p; len(rest) > 0; {
		r, size := utf8.DecodeRune(rest)
		if raw(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, rest[:size]...)
		}
		rest = rest[size:]
	}
	if _, err := j.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
