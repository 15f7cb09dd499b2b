package tracking_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

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

// errAfter returns its data, then err.
type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(b []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(b, r.data)
	r.data = r.data[n:]
	return n, nil
}

// A read error names the line it came in: the one cut short, or the one
// after the last whole line.
func TestReadErrorNamesItsLine(t *testing.T) {
	var b bytes.Buffer
	lw, _ := trackingtest.NewLogWriter(&b, trackingtest.Fields2010, t0)
	for _, e := range sampleEvents() {
		lw.Write(&e)
	}
	lw.Flush()
	lines := strings.SplitAfter(b.String(), "\n")
	whole := strings.Join(lines[:6], "")
	for _, c := range []struct {
		data string
		want string
	}{
		{whole + lines[6][:20], "line 7: boom"}, // cut inside line 7
		{whole, "line 7: boom"},                 // after line 6's newline
	} {
		var st tracking.Stats
		err := tracking.ReadStream(context.Background(), &errAfter{[]byte(c.data), errors.New("boom")}, "cut.log", tracking.Options{}, &st,
			func(*tracking.Event) error { return nil })
		if err != nil || st.Failed != 1 || st.Files[0].Err != c.want {
			t.Errorf("read %d bytes then failed: err %v, file error %q, want %q", len(c.data), err, st.Files[0].Err, c.want)
		}
	}
}

// A reader that hands over a byte at a time gets the same events as one
// that hands over everything, long rows included.
func TestOneByteReads(t *testing.T) {
	var b bytes.Buffer
	lw, _ := trackingtest.NewLogWriter(&b, trackingtest.Fields2010, t0)
	evs := sampleEvents()
	evs[1].Subject = strings.Repeat("y", 100_000)
	for _, e := range evs {
		lw.Write(&e)
	}
	lw.Flush()
	read := func(r io.Reader) (out []tracking.Event) {
		var st tracking.Stats
		if err := tracking.ReadStream(context.Background(), r, "x.log", tracking.Options{}, &st, func(e *tracking.Event) error {
			out = append(out, e.Clone())
			return nil
		}); err != nil || st.Malformed != 0 {
			t.Fatalf("read: %v, %+v", err, st)
		}
		return out
	}
	want, got := read(bytes.NewReader(b.Bytes())), read(iotest.OneByteReader(bytes.NewReader(b.Bytes())))
	if len(want) != len(evs) || !reflect.DeepEqual(got, want) {
		t.Fatalf("one byte at a time gave %d events, whole reads %d", len(got), len(want))
	}
}
