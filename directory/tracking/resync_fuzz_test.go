package tracking

import (
	"bufio"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzRecordCutsAgree holds the scans' cutting of an export into records
// (eachRecord, with the layout's begins, as scanExport calls it) to the
// parser's: every record the parser reads, as an event or as malformed,
// begins on a line where the scan begins one, and the other way round. An
// export read as its runs is parsed a run at a time from where the scan
// said records begin, so a disagreement would cut a record in two.
func FuzzRecordCutsAgree(f *testing.F) {
	f.Add("Timestamp,EventId,Subject\n2026-03-05T10:00:00Z,SEND,\"a\n2026-03-05T10:00:01Z,SEND,b\n")
	f.Add("\"Timestamp\",\"EventId\",\"Subject\"\n\"3/5/2026 10:00:00 AM\",\"SEND\",\"a\nx\n\n\"3/5/2026 10:00:01 AM\",\"SEND\",\"b\"\r\n")
	f.Add("Timestamp,EventId,Subject\n2026-03-05T10:00:00Z,SEND,\"a\nb\"\"\n2026-03-05T10:00:01Z,\"SEND\nc\",d\n")
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(text, "#") || text == "" || text[0] >= 0x80 || text[0] == 0x1f {
			// '#' lines set the parser's layout again; a BOM or gzip
			// is taken off before the scan sees the text.
			return
		}
		const maxRecord = 256
		var st Stats
		var parsed []int64
		err := ReadStream(context.Background(), strings.NewReader(text), "f", Options{MaxRecordBytes: maxRecord, MaxSamples: 1 << 20}, &st, func(e *Event) error {
			parsed = append(parsed, e.Line)
			return nil
		})
		if err != nil || st.Failed > 0 {
			return // no export the parser reads
		}
		for _, m := range st.Samples {
			if !strings.HasPrefix(m.Reason, "line longer") { // skipped by the scan
				parsed = append(parsed, m.Line)
			}
		}
		slices.Sort(parsed)
		var lay layout
		hasLay := false
		var cut []int64
		begins := func(line []byte) bool { return hasLay && lay.begins(line) }
		eachRecord(bufio.NewReader(strings.NewReader(text)), 0, maxRecord, begins, func(first []byte, _, before int64, _ bool) bool {
			if !hasLay {
				names, _ := splitCSV(string(first), nil)
				lay, _ = newLayout(names, true)
				lay.quoted, hasLay = first[0] == '"', true
				return true
			}
			cut = append(cut, before+1)
			return true
		})
		if d := cmp.Diff(cut, parsed); d != "" {
			t.Fatalf("records begin on lines (-scan +parser):\n%s", d)
		}
	})
}
