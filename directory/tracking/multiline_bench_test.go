package tracking

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkRecordOverManyLines reads one record whose quoted subject runs
// over n short lines (as a subject of encoded line breaks would be
// written). Its ns/line must not grow with n: the parser looks at each line
// once while the value is open, then parses the record once.
func BenchmarkRecordOverManyLines(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var text bytes.Buffer
			text.WriteString("#Fields: date-time,event-id,message-id,recipient-address,message-subject,sender-address\n")
			text.WriteString(`2026-03-01T00:00:01.000Z,RECEIVE,<a@b>,x@contoso.com,"s` + "\n")
			text.WriteString(strings.Repeat("x\n", n))
			text.WriteString("end\",a@b.example\n")
			b.SetBytes(int64(text.Len()))
			for b.Loop() {
				var st Stats
				events := 0
				err := ReadStream(context.Background(), bytes.NewReader(text.Bytes()), "b", Options{MaxRecordBytes: 4 << 20}, &st, func(*Event) error {
					events++
					return nil
				})
				if err != nil || events != 1 || st.Malformed != 0 {
					b.Fatal(err, events, st.Malformed)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/line")
		})
	}
}
