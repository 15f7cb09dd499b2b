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
		want := strings.Split(s, ",")
		for limit := range len(want) + 2 {
			got, n := splitPlain([]byte(s), nil, limit)
			k := len(want) // values split out
			if limit > 0 {
				k = min(limit, len(want))
			}
			if n != len(want) || !slices.Equal(got, want[:k]) {
				t.Errorf("splitPlain(%q, %d) = %q, %d; want %q, %d", s, limit, got, n, want[:k], len(want))
			}
		}
	}
}

func FuzzSplitPlain(f *testing.F) {
	f.Add("a,b,,c")
	f.Add(benchLine)
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Split(s, ",")
		if got, n := splitPlain([]byte(s), nil, 0); n != len(want) || !slices.Equal(got, want) {
			t.Fatalf("splitPlain(%q) = %q, %d, want %q", s, got, n, want)
		}
		if got, n := splitPlain([]byte(s), nil, 3); n != len(want) || !slices.Equal(got, want[:min(3, len(want))]) {
			t.Fatalf("splitPlain(%q, 3) = %q, %d, want %q", s, got, n, want)
		}
	})
}
