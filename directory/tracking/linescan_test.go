package tracking

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// checkScan compares scanLine and scanLineGo on b with what the standard
// library says, and fieldsAt with strings.Split for every limit.
func checkScan(t *testing.T, b []byte) {
	t.Helper()
	wantEnd := bytes.IndexByte(b, '\n')
	if wantEnd < 0 {
		wantEnd = len(b)
	}
	line := string(b[:wantEnd])
	want := strings.Split(line, ",")
	// The vector scanner reads past the end only into the slack, which
	// holds commas, newlines and quotes that must not be counted.
	padded := append(append(make([]byte, 0, len(b)+scanSlack), b...), bytes.Repeat([]byte(",\n\""), scanSlack)...)[:len(b)]
	for name, scan := range map[string]func([]byte, *lineScan) int{"scanLine": scanLine, "scanLineGo": scanLineGo} {
		var sc lineScan
		end := scan(padded, &sc)
		if end != wantEnd || sc.commas != len(want)-1 || sc.quoted != strings.Contains(line, `"`) {
			t.Fatalf("%s(%q) = end %d, commas %d, quoted %v; want %d, %d, %v", name, b, end, sc.commas, sc.quoted,
				wantEnd, len(want)-1, strings.Contains(line, `"`))
		}
		for limit := 1; limit <= min(len(want)+1, maxCommaPos); limit++ {
			got := fieldsAt(line, &sc, limit, nil)
			if k := min(limit, len(want)); !slices.Equal(got, want[:k]) {
				t.Fatalf("%s then fieldsAt(%q, %d) = %q; want %q", name, line, limit, got, want[:k])
			}
		}
	}
}

// The scanners must find exactly the bytes asked for, whatever surrounds
// them ('-' is ',' + 1, '\xac' is ',' + 0x80), at every offset of a 32-byte
// chunk, with the newline in the first, a middle or the last chunk.
func TestScanLine(t *testing.T) {
	if !hasAVX2 {
		t.Log("no AVX2 here: scanLine is scanLineGo, so this compares it with itself")
	}
	for _, s := range []string{
		"", ",", ",,", "\n", ",\n,", "a", "a,b", ",a,", "abcdefg,", "abcdefgh,", "abcdefgh,i", ",-,-,-,-,-,-,-,-,-",
		"-,--,---,----,-----,------,-------,--------", "\xac,\xad,\x2d\x2c\x2b", "\x00,\x01,\xff,\x80,\x7f",
		`a,"b,c",d`, "a,b\n\"c", strings.Repeat(",", 31) + "\n", strings.Repeat(",", 32) + "\n,", strings.Repeat(",", 33),
		strings.Repeat(",", 200), strings.Repeat("a,", 100) + "\"", benchLine, benchLine + "\n" + benchLine,
	} {
		checkScan(t, []byte(s))
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(",,,\n\"ab-\xac\x00")
	for range 20000 {
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(4) > 0 { // mostly no newline or quote, as in logs
				b[i] = ",abc"[r.IntN(4)]
			}
		}
		checkScan(t, b)
	}
}

func FuzzScanLine(f *testing.F) {
	f.Add([]byte("a,b,,c"))
	f.Add([]byte(benchLine))
	f.Fuzz(func(t *testing.T, b []byte) { checkScan(t, b) })
}

// checkSplitScanned holds splitScanned to splitCSV's answer on a line with
// at most maxCommaPos commas.
func checkSplitScanned(t *testing.T, s string) {
	t.Helper()
	var sc lineScan
	scanRecord([]byte(s), &sc)
	if sc.commas > maxCommaPos {
		return
	}
	want, wantErr := splitCSV(s, nil)
	got, err := splitScanned(s, &sc, nil)
	if (err == nil) != (wantErr == nil) || err == errOpenQuote != (wantErr == errOpenQuote) || err == nil && !slices.Equal(got, want) {
		t.Fatalf("splitScanned(%q) = %q, %v; splitCSV gives %q, %v", s, got, err, want, wantErr)
	}
}

func TestSplitScanned(t *testing.T) {
	for _, s := range []string{
		`""`, `"a"`, `"a,b"`, `a,"b,c",d`, `"a""b",c`, `"a,""b"",c",d`, `a,"b`, `a,"b,c`, `"a"b,c`, `a,"b"c`,
		`a"b,c`, `,",",`, `"",""`, `a,b,"c"`, `"x"` + strings.Repeat(",", 63), benchLine,
		"a,\"b\nc\",d",
	} {
		checkSplitScanned(t, s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		b := make([]byte, r.IntN(60))
		for i := range b {
			b[i] = `,,"ab`[r.IntN(5)]
		}
		checkSplitScanned(t, string(b))
	}
}

func FuzzSplitScanned(f *testing.F) {
	f.Add(`a,"b,c",d`)
	f.Add(benchLine)
	f.Fuzz(checkSplitScanned)
}
