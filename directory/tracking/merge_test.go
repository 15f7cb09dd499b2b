package tracking_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// timedLogs writes logs whose rows are named by their MessageID
// "<log:n>", and remembers every row's time.
type timedLogs struct {
	t     *testing.T
	dir   string
	files []string
	rows  []timedRow
}

type timedRow struct {
	at time.Duration
	id string
}

// write writes a log file at rel, under the folders it names, with a row
// at each time after t0.
func (l *timedLogs) write(rel string, times ...time.Duration) {
	l.t.Helper()
	path := filepath.Join(l.dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		l.t.Fatal(err)
	}
	var evs []tracking.Event
	for n, at := range times {
		ev := sampleEvents()[0]
		ev.Time, ev.MessageID = t0.Add(at), fmt.Sprintf("<%s:%d>", rel, n)
		evs = append(evs, ev)
		l.rows = append(l.rows, timedRow{at, ev.MessageID})
	}
	if err := trackingtest.WriteLogFile(path, trackingtest.Fields2013, evs); err != nil {
		l.t.Fatal(err)
	}
	l.files = append(l.files, path)
}

// inTimeOrder is the rows' IDs by time, rows of one time in the order
// written.
func (l *timedLogs) inTimeOrder() []string {
	rows := slices.Clone(l.rows)
	slices.SortStableFunc(rows, func(a, b timedRow) int { return int(a.at - b.at) })
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.id)
	}
	return ids
}

// mergeLogs writes logs of one hour (and the next) for an edge and a
// mailbox server, the mailbox server with its submission and delivery
// logs beside transport's, and a roll-over on the edge, with times that
// interleave across the logs. It returns the files in reading order (as
// Interleave puts them) and the IDs in time order.
func mergeLogs(t *testing.T) (files, want []string) {
	t.Helper()
	l := &timedLogs{t: t, dir: t.TempDir()}
	s := time.Second
	l.write("edge/MSGTRK2026030510-1.LOG", 0, 2*s, 4*s, 9*s)
	l.write("edge/MSGTRK2026030510-2.LOG", 11*s, 13*s)
	l.write("hub/MSGTRKMS2026030510-1.LOG", 1*s, 12*s)
	l.write("hub/MSGTRK2026030510-1.LOG", 3*s, 3*s, 5*s, 14*s)
	l.write("hub/MSGTRKMD2026030510-1.LOG", 6*s, 9*s, 15*s)
	// The next hour: the edge's log goes on alone.
	l.write("edge/MSGTRK2026030511-1.LOG", time.Hour, time.Hour+s)
	// Ties go to the log that comes first in the run (the edge's 9 s row
	// before the mailbox delivery log's), and within a log to its order
	// (the hub's two 3 s rows).
	return l.files, l.inTimeOrder()
}

// Several servers' and services' logs of one hour are read merged by their
// rows' times, whatever the number of workers, and their files are counted
// in the order given.
func TestReadMergesLogsOfOnePeriodByTime(t *testing.T) {
	files, want := mergeLogs(t)
	for _, workers := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			var got []string
			st, err := tracking.Read(context.Background(), files, tracking.Options{Workers: workers}, func(ev *tracking.Event) error {
				got = append(got, strings.Clone(ev.MessageID))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("order (-want +got):\n%s", d)
			}
			var counted []string
			for _, f := range st.Files {
				counted = append(counted, f.Path)
			}
			if !slices.Equal(counted, files) || st.Events != int64(len(want)) {
				t.Errorf("stats: files %v, %d events; want %v, %d", counted, st.Events, files, len(want))
			}
		})
	}
}

// A merge stops at the first error of the caller's function, or when the
// context ends, with every goroutine it started gone (the race detector
// and the test's end would show one still writing); many logs of one hour
// with two workers do not wait on each other.
func TestReadMergeStops(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for server := range 12 {
		var evs []tracking.Event
		for n := range 800 {
			ev := sampleEvents()[n%2]
			ev.Time, ev.MessageID = t0.Add(time.Duration(n*12+server)*time.Millisecond), fmt.Sprintf("<%d.%d@x>", server, n)
			evs = append(evs, ev)
		}
		path := filepath.Join(dir, fmt.Sprintf("server%02d", server), "MSGTRK2026030510-1.LOG")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := trackingtest.WriteLogFile(path, trackingtest.Fields2013, evs); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	stop := errors.New("enough")
	for _, tc := range []struct {
		name   string
		after  int
		cancel bool
		want   error
	}{
		{"read to the end", -1, false, nil},
		{"the function fails", 5000, false, stop},
		{"the context ends", 5000, true, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			var last time.Time
			_, err := tracking.Read(ctx, files, tracking.Options{Workers: 2}, func(ev *tracking.Event) error {
				if ev.Time.Before(last) {
					t.Fatalf("event %d at %v after one at %v", n, ev.Time, last)
				}
				last = ev.Time
				if n++; n == tc.after {
					if tc.cancel {
						cancel()
						return nil
					}
					return stop
				}
				return nil
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if tc.want == nil && n != 12*800 {
				t.Errorf("%d events, want %d", n, 12*800)
			}
		})
	}
}

// A log's files begin at the hour they are named for and roll over when
// full: a busy edge's day spans several files a quiet hub's one file spans
// alone. Their rows still come in time order.
func TestReadMergesLogsThatRollOverApart(t *testing.T) {
	l := &timedLogs{t: t, dir: t.TempDir()}
	h := time.Hour
	l.write("edge/MSGTRK2026030500-1.LOG", 0, 3*h)
	l.write("edge/MSGTRK2026030507-2.LOG", 7*h, 9*h)
	l.write("edge/MSGTRK2026030513-3.LOG", 13*h, 20*h)
	l.write("hub/MSGTRK2026030500-1.LOG", h, 8*h, 14*h, 23*h)
	files, want := l.files, l.inTimeOrder()
	ordered, _ := tracking.Interleave(files)
	var got []string
	if _, err := tracking.Read(context.Background(), ordered, tracking.Options{Workers: 2}, func(ev *tracking.Event) error {
		got = append(got, strings.Clone(ev.MessageID))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

// A folder of many servers' logs is read merged with small batches (see
// runSizing) and gzip inflated in each log's goroutine: rows longer than a
// batch's buffer, gzip files whole, cut short or damaged, a malformed row
// and a missing file must give each file the events and stats it gives
// read on its own, and the merge must still come out in time order.
func TestReadMergesManyLogsAsEachAlone(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 5))
	var files []string
	// at spreads each log's rows over the same minutes, with ties.
	at := func(i int) time.Time { return t0.Add(time.Duration(i*7+rng.IntN(7)) * time.Second) }
	rows := func(n, subject int) []tracking.Event {
		var evs []tracking.Event
		for i := range n {
			e := sampleEvents()[i%2]
			e.Time = at(i)
			e.MessageID = fmt.Sprintf("<%d.%d@external.example>", len(files), i)
			e.Subject = randomSubject(rng, rng.IntN(subject))
			evs = append(evs, e)
		}
		return evs
	}
	add := func(name string, data []byte) {
		path := filepath.Join(dir, fmt.Sprintf("srv%03d", len(files)), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if data != nil {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		files = append(files, path)
	}
	logData := func(evs []tracking.Event) []byte {
		var b bytes.Buffer
		lw, err := trackingtest.NewLogWriter(&b, trackingtest.Fields2013, t0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range evs {
			if err := lw.Write(&evs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := lw.Flush(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	const name = "MSGTRK2026030510-1.LOG"
	long := rows(5, 100)
	long[1].Subject, long[3].Subject = strings.Repeat("y", 600<<10), strings.Repeat("z", 40<<10)
	add(name, logData(long))
	add(name+".gz", gzipped(logData(long)))
	gz := gzipped(logData(rows(2000, 400)))
	add(name+".gz", gz[:len(gz)/2])
	add(name+".gz", append([]byte{0x1f, 0x8b}, "not a gzip stream at all"...))
	bad := logData(rows(3, 100))
	bad = append(bad, "2026-03-05T10:11:12.123Z,too,few\r\n"...)
	add(name, bad)
	add(name, nil) // missing
	add(name, logData(rows(3000, 2000)))
	for len(files) < 200 {
		add(name, logData(rows(20+rng.IntN(40), 300)))
	}

	opt := tracking.Options{Workers: 2, MaxRecordBytes: 2 << 20}
	alone := map[string][]tracking.Event{}
	aloneSt := map[string]tracking.FileStats{}
	for _, f := range files {
		st, err := tracking.Read(context.Background(), []string{f}, opt, func(e *tracking.Event) error {
			alone[f] = append(alone[f], e.Clone())
			return nil
		})
		if err != nil || len(st.Files) != 1 {
			t.Fatalf("%s alone: %v, stats %+v", f, err, st)
		}
		aloneSt[f] = st.Files[0]
	}
	if aloneSt[files[2]].Err == "" || aloneSt[files[3]].Err == "" || aloneSt[files[5]].Err == "" || len(alone[files[0]]) != len(long) {
		t.Fatalf("the damaged files read alone: %+v %+v %+v", aloneSt[files[2]], aloneSt[files[3]], aloneSt[files[5]])
	}

	merged := map[string][]tracking.Event{}
	var last time.Time
	st, err := tracking.Read(context.Background(), files, opt, func(e *tracking.Event) error {
		if e.Time.Before(last) {
			t.Fatalf("%s line %d at %v comes after %v", e.File, e.Line, e.Time, last)
		}
		last = e.Time
		merged[e.File] = append(merged[e.File], e.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if d := cmp.Diff(alone[f], merged[f]); d != "" {
			t.Errorf("%s: events differ (-alone +merged):\n%.2000s", f, d)
		}
		if d := cmp.Diff(aloneSt[f], st.Files[i]); d != "" {
			t.Errorf("%s: stats differ (-alone +merged):\n%s", f, d)
		}
	}
}
