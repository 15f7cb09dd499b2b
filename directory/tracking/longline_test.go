package tracking_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// A row longer than the reader's 1 MiB buffer is gathered whole when
// MaxRecordBytes allows it and reported as too long when not; the rows
// around it, and rows ending exactly at the buffer's edge, are unharmed.
func TestRowsLongerThanTheBuffer(t *testing.T) {
	for _, subjectLen := range []int{1<<20 - 300, 1<<20 - 200, 1<<20 + 5000, 3 << 20} {
		var b bytes.Buffer
		lw, _ := trackingtest.NewLogWriter(&b, trackingtest.Fields2010, t0)
		evs := sampleEvents()
		long := evs[0]
		long.Subject = strings.Repeat("x", subjectLen)
		for _, e := range []tracking.Event{evs[0], long, evs[1]} {
			lw.Write(&e)
		}
		lw.Flush()
		lineLen := 0
		for _, l := range strings.Split(b.String(), "\n") {
			lineLen = max(lineLen, len(strings.TrimRight(l, "\r")))
		}
		for _, limit := range []int{0, 4 << 20} {
			var st tracking.Stats
			var subjects []int
			err := tracking.ReadStream(context.Background(), bytes.NewReader(b.Bytes()), "long.log", tracking.Options{MaxRecordBytes: limit}, &st,
				func(e *tracking.Event) error {
					subjects = append(subjects, len(e.Subject))
					return nil
				})
			fits := lineLen <= limit || limit == 0 && lineLen <= 1<<20
			want := []int{len(evs[0].Subject), len(evs[1].Subject)}
			if fits {
				want = []int{len(evs[0].Subject), subjectLen, len(evs[1].Subject)}
			}
			if err != nil || len(subjects) != len(want) || subjects[0] != want[0] || subjects[len(subjects)-1] != want[len(want)-1] ||
				fits && subjects[1] != subjectLen {
				t.Fatalf("subject %d, MaxRecordBytes %d: subjects %v, want %v (err %v)", subjectLen, limit, subjects, want, err)
			}
			if fits != (st.Malformed == 0) {
				t.Fatalf("subject %d, MaxRecordBytes %d: %d malformed, %+v", subjectLen, limit, st.Malformed, st.Samples)
			}
		}
	}
}
