package tracking

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// splitListSlow is splitList without its shortcut for a single item: trim,
// drop PowerShell's braces, split at each ';' not followed by a space, trim
// the items and drop the empty ones.
func splitListSlow(s string) []string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		s = s[1 : len(s)-1]
	}
	var out []string
	item := ""
	for i := 0; i < len(s); i++ {
		if s[i] == ';' && (i+1 == len(s) || s[i+1] != ' ') {
			if t := strings.TrimSpace(item); t != "" {
				out = append(out, t)
			}
			item = ""
			continue
		}
		item += s[i : i+1]
	}
	if t := strings.TrimSpace(item); t != "" {
		out = append(out, t)
	}
	return out
}

func TestSplitList(t *testing.T) {
	cases := []string{
		"", " ", "a", " a ", "a;b", "a; b", "a;;b", ";a;", "{a;b}", "{a}", "{}", "{", "a}",
		"\u00a0a\u00a0", "a\u0085", "250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded;250 2.1.5 OK",
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		b := make([]byte, r.IntN(12))
		const alphabet = "ab; {}\t\xc2\xa0"
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := splitList(s, nil), splitListSlow(s); !slices.Equal(got, want) {
			t.Fatalf("splitList(%q) = %q, want %q", s, got, want)
		}
	}
}
