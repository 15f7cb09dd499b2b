package reports

import (
	"strings"
	"testing"
)

func TestEscapeXString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"_x003D_HYPERLINK()", "_x005F_x003D_HYPERLINK()"},
		{"a_X0040_b", "a_x005F_X0040_b"},
		{"_x005F_", "_x005F_x005F_"},
		{"two _x0041__x0042_", "two _x005F_x0041__x005F_x0042_"},
		{"_x00G0_ is no escape", "_x00G0_ is no escape"},
		{"_x003D short", "_x003D short"},
		{"trailing _x", "trailing _x"},
		{"snake_xml_name", "snake_xml_name"},
	}
	for _, tt := range tests {
		if got := escapeXString(tt.in); got != tt.want {
			t.Errorf("escapeXString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A value spelled with OOXML escapes starts with '_', so neutralize lets it
// through; the reader decodes it. Summary and Timeline are the sheets
// written cell by cell, which excelize does not escape.
func TestXLSXKeepsEscapeLookalikesLiteral(t *testing.T) {
	t.Parallel()
	const group, loop = `_x003D_HYPERLINK("http://x","y")`, "_x0040_SUM(1+1)"
	rep := trafficReport()
	rep.Groups[0].Name = group
	rep.Traffic.Loops[0].Group = loop
	f, _ := writeXLSX(t, rep)
	for _, tt := range []struct{ sheet, want string }{{"Summary", group}, {"Timeline", loop}} {
		found := false
		for r, row := range rows(t, f, tt.sheet) {
			for c, v := range row {
				if v == tt.want {
					found = true
				}
				if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
					t.Errorf("%s row %d column %d reads %q: a formula's text", tt.sheet, r+1, c+1, v)
				}
			}
		}
		if !found {
			t.Errorf("%s has no cell reading %q", tt.sheet, tt.want)
		}
	}
}
