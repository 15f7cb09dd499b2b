package mailflow

import (
	"bytes"
	"strings"
	"testing"
)

// mayHavePrefix must let through every subject a prefix could match: the
// first letters it knows must cover all of them, in either case.
func TestMayHavePrefixCoversEveryPrefix(t *testing.T) {
	var all []string
	for _, p := range prefixes {
		all = append(all, p.text)
	}
	all = append(all, replyPrefixes...)
	for _, p := range all {
		for _, s := range []string{p + " x", strings.ToUpper(p[:1]) + p[1:] + " x"} {
			if !mayHavePrefix(s) {
				t.Errorf("mayHavePrefix(%q) = false", s)
			}
		}
	}
	if mayHavePrefix("Invoice 2026-03") || mayHavePrefix("") {
		t.Error("mayHavePrefix lets everything through")
	}
}

// hash folds ASCII case and nothing else, at every length and offset the
// word-at-a-time loop and its tail can see.
func TestHashFoldsASCIICaseOnly(t *testing.T) {
	base := "<MiXeD.Case-ID_0123456789@Contoso.COM>ÄÖü[]`{}@Z"
	for n := 0; n <= len(base); n++ {
		s := base[:n]
		if hash(s) != hash(strings.ToLower(s)) && isASCII(s) {
			t.Errorf("hash(%q) != hash(lower)", s)
		}
		if hash(s) != hash(lowerASCII(s)) {
			t.Errorf("hash(%q) differs from its ASCII-lowered form", s)
		}
		// Bytes that are not ASCII capitals are not folded: '@' and '['
		// sit right beside 'A' and 'Z', and 0xC4 ('Ä' in UTF-8) is 'D'
		// with the high bit set.
		for i := 0; i < n; i++ {
			c := s[i]
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
				continue
			}
			b := []byte(s)
			b[i] ^= 0x20
			if hash(string(b)) == hash(s) {
				t.Errorf("hash(%q) == hash(%q): byte %d folded", s, b, i)
			}
		}
	}
	if hash("a") == hash("a\x00") || hash("") == hash("\x00") {
		t.Error("length not mixed in")
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// lower changes a string exactly when it holds an ASCII capital, whatever
// byte sits where in the word-at-a-time test: every byte value at every
// offset of a word and of the tail, beside neighbours that could carry.
func TestLowerFindsEveryASCIICapital(t *testing.T) {
	for n := 1; n <= 19; n++ {
		for at := range n {
			for c := range 256 {
				for _, fill := range []byte{'a', 0xff, '@', '['} {
					b := bytes.Repeat([]byte{fill}, n)
					b[at] = byte(c)
					s := string(b)
					hasCapital := bytes.ContainsAny(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
					if got := lower(s); (got != s) != hasCapital || hasCapital && got != strings.ToLower(s) {
						t.Fatalf("lower(%q) = %q", s, got)
					}
				}
			}
		}
	}
}

// unbracket trims exactly what strings.Trim(s, "<>") does.
func TestUnbracketIsTrim(t *testing.T) {
	const alphabet = "<>a@ "
	for n := range 7 {
		total := 1
		for range n {
			total *= len(alphabet)
		}
		for k := range total {
			b := make([]byte, n)
			for i, x := 0, k; i < n; i, x = i+1, x/len(alphabet) {
				b[i] = alphabet[x%len(alphabet)]
			}
			if s := string(b); unbracket(s) != strings.Trim(s, "<>") {
				t.Fatalf("unbracket(%q) = %q, want %q", s, unbracket(s), strings.Trim(s, "<>"))
			}
		}
	}
}
