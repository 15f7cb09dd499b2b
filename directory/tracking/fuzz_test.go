package tracking_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"testing"

	"dgaudit/directory/internal/textenc/textenctest"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// FuzzReadStream feeds arbitrary bytes to the reader: it must never panic,
// never report an event without a time or event ID, and account for every
// line as a header, an event, a malformed record's (each of its lines
// counted), a blank or part of a multi-line record, in any encoding (UTF-16
// is decoded as it streams). The seed corpus is in testdata/fuzz/FuzzReadStream.
func FuzzReadStream(f *testing.F) {
	var b bytes.Buffer
	lw, _ := trackingtest.NewLogWriter(&b, trackingtest.Fields2010, t0)
	for _, e := range sampleEvents() {
		lw.Write(&e)
	}
	lw.Flush()
	f.Add(b.Bytes())
	b.Reset()
	trackingtest.WriteTrackingCSV(&b, sampleEvents())
	f.Add(b.Bytes())
	// The same export saved as UTF-16 both ways, compressed, damaged by a
	// lone surrogate and cut in the middle of a character.
	le := textenctest.UTF16(b.String(), binary.LittleEndian, true)
	f.Add(le)
	f.Add(textenctest.UTF16(b.String(), binary.BigEndian, true))
	f.Add(gzipped(le))
	f.Add(binary.LittleEndian.AppendUint16(slices.Clone(le[:len(le)/2&^1]), 0xDC00))
	f.Add(le[:len(le)-1])
	f.Add([]byte("Received,Status,SenderAddress\n\"2026-03-05T10:00:00Z\",\"Delivered\",\"a@b\"\n"))
	f.Add([]byte("#Fields: date-time,event-id,message-subject\n2026-03-05T10:00:00.1Z,SEND,\"a\"\"b\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var st tracking.Stats
		var events int64
		err := tracking.ReadStream(context.Background(), bytes.NewReader(data), "fuzz", tracking.Options{MaxRecordBytes: 4096}, &st, func(e *tracking.Event) error {
			events++
			if e.Time.IsZero() || e.EventID == "" {
				t.Fatalf("event without time or id: %+v", e)
			}
			if e.Line < 1 || e.Line > st.Lines {
				t.Fatalf("event line %d outside 1..%d", e.Line, st.Lines)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("ReadStream returned %v; content problems belong in Stats", err)
		}
		if events != st.Events || st.MalformedLines < st.Malformed || st.Events+st.MalformedLines > st.Lines {
			t.Fatalf("events %d, stats %+v", events, st)
		}
		for _, m := range st.Samples {
			if m.Line < 1 || m.Lines < 1 || m.Line+m.Lines-1 > st.Lines || m.Reason == "" {
				t.Fatalf("bad sample %+v (lines %d)", m, st.Lines)
			}
		}
	})
}
