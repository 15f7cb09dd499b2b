package mailflow

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
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
		for _, s := range []string{p + " x", strings.ToUpper(p[:1]) + p[1:] + " x", strings.ToLower(p[:1]) + p[1:] + " x"} {
			if p[0] >= utf8.RuneSelf {
				s = p + " x" // only ASCII is folded
			}
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

// lower is strings.ToLower, the directory's folding, whatever byte sits
// where in the word-at-a-time test: every byte value at every offset of a
// word and of the tail, beside neighbours that could carry. Lower-case
// ASCII comes back as the very string given, not a copy.
func TestLowerIsToLowerAtEveryByte(t *testing.T) {
	for n := 1; n <= 19; n++ {
		for at := range n {
			for c := range 256 {
				for _, fill := range []byte{'a', 0xff, '@', '['} {
					b := bytes.Repeat([]byte{fill}, n)
					b[at] = byte(c)
					s := string(b)
					got := lower(s)
					if got != strings.ToLower(s) {
						t.Fatalf("lower(%q) = %q, want %q", s, got, strings.ToLower(s))
					}
					plain := isASCII(s) && !bytes.ContainsAny(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
					if plain && unsafe.StringData(got) != unsafe.StringData(s) {
						t.Fatalf("lower(%q) copied a string it did not change", s)
					}
				}
			}
		}
	}
}

// One address in any case form is one key: lower once folded non-ASCII
// letters only when the address also held an ASCII capital, so "Éva@x.de"
// stayed apart from "ÉVA@x.de" (which became "éva@x.de"). Every form must
// also meet the directory's strings.ToLower, which the group addresses and
// internal domains matched against went through.
func TestLowerFoldsEveryCaseFormToOneKey(t *testing.T) {
	for _, tc := range []struct {
		want  string
		forms []string
	}{
		{"éva@x.de", []string{"éva@x.de", "Éva@x.de", "ÉVA@x.de", "éVA@X.DE", "ÉvA@x.De"}},
		{"u@büro.de", []string{"u@BÜRO.de", "u@bÜro.de", "U@Büro.DE"}},
		// Long enough for the word-at-a-time test, non-ASCII in the tail
		// and across a word's edge.
		{"jürgen.müller@beispiel.de", []string{"jÜrgen.mÜller@beispiel.de", "JÜRGEN.MÜLLER@BEISPIEL.DE", "jürgen.müller@beispiel.de"}},
		{"ops@zoë-ärzte.example", []string{"ops@zoË-ärzte.example", "ops@zoë-Ärzte.example", "OPS@ZOË-ÄRZTE.EXAMPLE"}},
		// Folding that leaves ASCII: the Kelvin sign becomes 'k', as in
		// the directory.
		{"karl@x.de", []string{"\u212Aarl@x.de", "Karl@x.de", "karl@x.de"}},
	} {
		for _, f := range tc.forms {
			if got := lower(f); got != tc.want {
				t.Errorf("lower(%q) = %q, want %q", f, got, tc.want)
			}
			if got := strings.ToLower(f); got != tc.want {
				t.Errorf("fixture: strings.ToLower(%q) = %q, want %q", f, got, tc.want)
			}
			if got, want := domainOf(f), tc.want[strings.LastIndexByte(tc.want, '@')+1:]; got != want {
				t.Errorf("domainOf(%q) = %q, want %q", f, got, want)
			}
		}
	}
}

// Lower-case addresses, ASCII or not, are folded without allocating: the
// check runs on nearly every row.
func TestLowerDoesNotAllocateUnchanged(t *testing.T) {
	for _, s := range []string{"", "a@b", "user4711@contoso.com", "distributionlist@internal.com", "éva@x.de", "jürgen.müller@beispiel.de"} {
		if n := testing.AllocsPerRun(100, func() { sink = lower(s) }); n != 0 {
			t.Errorf("lower(%q): %v allocations", s, n)
		}
	}
}

var sink string

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

// outerKind is stripSubject's outer kind for every mix of report and reply
// prefixes, stacked deep or not, in either case, with spaces or not.
func TestOuterKindIsStripSubjects(t *testing.T) {
	parts := []string{"", "RE: ", "re:", "FW:  ", "Fwd: ", "Undeliverable: ", "AUTOMATIC REPLY: ", "Out of Office: ", "auto:",
		"Delivery Status Notification (Failure)", "Réponse automatique : ", "Mail delivery failed", " ", "Re", "x"}
	tails := []string{"", "Invoice 2026-03", "Meeting notes", "re: auto: x", "undeliverable:"}
	var check func(s string, n int)
	check = func(s string, n int) {
		for _, tail := range tails {
			_, want, _ := stripSubject(s + tail)
			if got := outerKind(s + tail); got != want {
				t.Errorf("outerKind(%q) = %v, stripSubject's %v", s+tail, got, want)
			}
		}
		if n == 0 {
			return
		}
		for _, p := range parts {
			check(s+p, n-1)
		}
	}
	check("", 3)
	deep := strings.Repeat("RE: ", 70) + "Automatic reply: x"
	if _, want, _ := stripSubject(deep); outerKind(deep) != want {
		t.Errorf("outerKind differs past the guard")
	}
}

// BenchmarkAutoReplyTest is the automatic-reply test of a loop's report,
// its prefixes stacked as deep as seed 001's.
func BenchmarkAutoReplyTest(b *testing.B) {
	s := strings.Repeat("Undeliverable: ", 26) + "Partners newsletter"
	for _, f := range []struct {
		name string
		fn   func(string) reportKind
	}{{"outerKind", outerKind}, {"stripSubject", func(s string) reportKind { _, k, _ := stripSubject(s); return k }}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				if f.fn(s) != ndrReport {
					b.Fatal(s)
				}
			}
		})
	}
}

// Every prefix is found where a subject starts with it, whatever its first
// byte: the lookup by first byte must file each where it looks.
func TestEveryPrefixIsStripped(t *testing.T) {
	for _, p := range prefixes {
		s := p.text + " RE: " + p.text + " Quarterly report"
		if depth, kind, root := stripSubject(s); depth != 2 || kind != p.kind || root != "Quarterly report" {
			t.Errorf("stripSubject(%q) = %d, %v, %q; want 2, %v, the root", s, depth, kind, root, p.kind)
		}
		if outerKind(s) != p.kind {
			t.Errorf("outerKind(%q) = %v, want %v", s, outerKind(s), p.kind)
		}
	}
}
