package main

import (
	"fmt"
	"strings"
)

// printable makes a directory-, log- or file-derived string safe to print on
// a terminal. Group names, addresses and log fields are chosen by whoever
// created the object or sent the mail; printed raw, an ESC sequence could
// clear or rewrite the lines above ("exit 0"), retitle the window or worse,
// and a CR or line separator could forge a line of the summary. Control
// characters (C0, DEL, C1), the Unicode line and paragraph separators and the
// bidirectional overrides are shown as escapes instead, so they stay visible.
func printable(s string) string {
	if strings.IndexFunc(s, unprintable) < 0 {
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
