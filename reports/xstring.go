package reports

import "strings"

// escapeXString keeps text that looks like an OOXML character escape
// (_xHHHH_) literal, by escaping its underscore as _x005F_. Excel,
// LibreOffice and excelize decode _x003D_ to '=' when they read a string;
// excelize escapes the streamed sheets' strings, but not a cell set with
// SetCellValue (the Summary and Timeline sheets). Without this, a group named
// "_x003D_HYPERLINK(...)" passes neutralize (it starts with '_') and opens as
// a formula's text. It is applied after neutralize and the length cut, which
// count the characters the reader will see.
func escapeXString(s string) string {
	if !strings.Contains(s, "_x") && !strings.Contains(s, "_X") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 7)
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && looksEscaped(s[i:]) {
			b.WriteString("_x005F")
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// looksEscaped reports whether s starts with _xHHHH_ (either case of x:
// decoding one a reader would leave alone does no harm).
func looksEscaped(s string) bool {
	if len(s) < 7 || s[0] != '_' || s[1]|0x20 != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f') {
			return false
		}
	}
	return true
}
