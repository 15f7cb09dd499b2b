package tracking

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scanDateOrderCSV is scanDateOrder as it was, reading the file with
// encoding/csv: the line and text the first date that reads one way is on.
func scanDateOrderCSV(t *testing.T, path string, col int, hasHeader bool) (dateOrder, int64, string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err != nil {
			return orderAmbiguous, 0, ""
		}
		if first && hasHeader || col >= len(rec) {
			continue
		}
		if o := orderOf(rec[col]); o == orderDayFirst || o == orderMonthFirst {
			line, _ := cr.FieldPos(col)
			return o, int64(line), rec[col]
		}
	}
}

// The rescan of an export for its date order looks at each record's first
// line rather than reading CSV, and must find the same line as a CSV reader
// would: records with quoted values over several lines (a subject with a
// line break, after the time column as in every export), doubled quotes,
// '#' lines (with an odd quote too), a quote inside a value that is not
// quoted, CRLF, rows longer than its buffer, and dates that read both ways
// before the one that decides.
func TestDateOrderRescanFindsTheLineACSVReaderWould(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	ambiguous := []string{"3/5/2026 9:00:00 AM", "05/03/2026 09:00:00", "12/12/2026 23:59:59", "1/1/2026 0:00"}
	deciding := []string{"3/25/2026 5:30:00 PM", "25/03/2026 17:30:00", "13/1/2026 1:02", "1/13/2026 1:02:03.5 AM"}
	value := func() string {
		switch rng.IntN(6) {
		case 0:
			return `say ""hi"", then`
		case 1:
			return "line one\nline two, " + deciding[rng.IntN(len(deciding))]
		case 2:
			return strings.Repeat("x", 70_000+rng.IntN(1000))
		case 3:
			return "a,b\r\nc"
		case 4:
			return `27" monitor` // written bare below: its quote is text
		}
		return fmt.Sprintf("v%d", rng.IntN(100))
	}
	const files = 300
	for i := range files {
		col := rng.IntN(3)
		hasHeader := rng.IntN(2) == 0
		eol := "\n"
		if rng.IntN(2) == 0 {
			eol = "\r\n"
		}
		var b strings.Builder
		if hasHeader {
			b.WriteString(`"A","B","C","D"` + eol)
		}
		for range 1 + rng.IntN(12) {
			switch rng.IntN(8) {
			case 0:
				b.WriteString("#comment, " + deciding[0] + eol)
			case 1:
				b.WriteString(`#TYPE "Selected` + eol) // an odd quote in a comment opens nothing
			}
			var when string
			switch r := rng.IntN(10); {
			case r == 0:
				when = deciding[rng.IntN(len(deciding))]
			case r == 1:
				when = "2026-03-05T09:00:00Z"
			default:
				when = ambiguous[rng.IntN(len(ambiguous))]
			}
			for c := range 4 {
				if c > 0 {
					b.WriteByte(',')
				}
				switch {
				case c == col:
					if rng.IntN(4) == 0 {
						b.WriteString(when)
					} else {
						b.WriteString(`"` + when + `"`)
					}
				case c < col:
					fmt.Fprintf(&b, `"f%d"`, rng.IntN(9))
				default:
					if v := value(); strings.HasPrefix(v, "27") {
						b.WriteString(v)
					} else {
						b.WriteString(`"` + v + `"`)
					}
				}
			}
			b.WriteString(eol)
		}
		path := filepath.Join(t.TempDir(), "export.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		wo, wl, wt := scanDateOrderCSV(t, path, col, hasHeader)
		go_, gl, gt := scanDateOrder(path, col, hasHeader)
		if go_ != wo || gl != wl || gt != wt {
			t.Fatalf("file %d (column %d, header %v): found %v at line %d %q, a CSV reader %v at line %d %q\n%.600q",
				i, col, hasHeader, go_, gl, gt, wo, wl, wt, b.String())
		}
	}
}
