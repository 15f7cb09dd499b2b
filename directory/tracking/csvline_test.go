package tracking

import (
	"slices"
	"strings"
	"testing"
)

// splitPlain must split exactly as strings.Split does, whatever the bytes
// around the commas: the word-at-a-time test must neither miss a comma nor
// see one in a neighbouring byte ('-' is ',' + 1, '\xac' is ',' + 0x80).
func TestSplitPlainMatchesSplit(t *testing.T) {
	for _, s := range []string{
		"", ",", ",,", "a", "a,b", ",a,", "abcdefg,", "abcdefgh,", "abcdefgh,i", ",-,-,-,-,-,-,-,-,-",
		"-,--,---,----,-----,------,-------,--------", "\xac,\xad,\x2d\x2c\x2b", "\x00,\x01,\xff,\x80,\x7f",
		benchLine,
	} {
		got := splitPlain([]byte(s), nil)
		if want := strings.Split(s, ","); !slices.Equal(got, want) {
			t.Errorf("splitPlain(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzSplitPlain(f *testing.F) {
	f.Add("a,b,,c")
	f.Add(benchLine)
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := splitPlain([]byte(s), nil), strings.Split(s, ","); !slices.Equal(got, want) {
			t.Fatalf("splitPlain(%q) = %q, want %q", s, got, want)
		}
	})
}
