package tracking

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// checkQuoteOpen checks that quoteOpenAfter, carried from line to line,
// says a record is still open exactly when splitCSV and splitScanned say
// the lines read so far end inside a quoted value. The parser asks only
// quoteOpenAfter while a record is open and parses it once it closes: a
// disagreement would end a record early or run it into the next one.
func checkQuoteOpen(t *testing.T, text string) {
	t.Helper()
	lines := strings.Split(text, "\n")
	open := false
	for i, line := range lines {
		open = quoteOpenAfter([]byte(line), open && i > 0)
		record := strings.Join(lines[:i+1], "\n")
		_, err := splitCSV(record, nil)
		if (err == errOpenQuote) != open {
			t.Fatalf("record %q: quoteOpenAfter says open=%v after line %d, splitCSV says %v", record, open, i+1, err)
		}
		var sc lineScan
		scanRecord([]byte(record), &sc)
		if sc.commas > maxCommaPos {
			continue
		}
		if _, err := splitScanned(record, &sc, nil); (err == errOpenQuote) != open {
			t.Fatalf("record %q: quoteOpenAfter says open=%v after line %d, splitScanned says %v", record, open, i+1, err)
		}
		if !open {
			return // the parser takes the record here
		}
	}
}

func TestQuoteOpenAfterAgreesWithSplit(t *testing.T) {
	for _, s := range []string{
		`a,b`, `a,"b`, "a,\"b\nc\",d", "a,\"b\n\nc", "a,\"b\"\"\n\"\"c\",d", "a,\"b\n\"", "a,\"b\n\"x,\"y",
		"\"a\nb\",\"c\nd\",e", "a\"b,\"c\nd\"", "a,\"b\"c,\"d\ne\"", `"`, "\"\n\"\"\n\"",
	} {
		checkQuoteOpen(t, s)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = ",\"a\n"[r.IntN(4)]
		}
		checkQuoteOpen(t, string(b))
	}
}

func FuzzQuoteOpenAfter(f *testing.F) {
	f.Add("a,\"b\nc\",d")
	f.Add("a,\"b\"\"\n\"\"c\",d")
	f.Fuzz(checkQuoteOpen)
}
