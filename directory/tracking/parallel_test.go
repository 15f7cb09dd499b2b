package tracking_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// The parallel reader hands each read buffer over with the events parsed
// from it, so a row cut by a buffer's end, a row longer than a buffer, a
// quoted value over several lines and a buffer of rows too short for one
// batch's events all cross a hand-over. Every worker count must give the
// sequential reader's events and stats, in its order.
func TestParallelReadGivesTheSequentialEvents(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 11))
	var files []string
	add := func(name string, write func(path string) error) {
		path := filepath.Join(dir, name)
		if err := write(path); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}

	// Rows of every length up to a few KB: their ends fall at every
	// offset of the buffers, several times over.
	for f := range 2 {
		var evs []tracking.Event
		for i := range 3000 {
			e := sampleEvents()[i%2]
			e.Time = t0.Add(time.Duration(f*3000+i) * time.Second)
			e.MessageID = fmt.Sprintf("<%d.%d@external.example>", f, i)
			e.Subject = randomSubject(rng, rng.IntN(2000))
			e.Recipients = e.Recipients[:1+rng.IntN(len(e.Recipients))]
			evs = append(evs, e)
		}
		add(fmt.Sprintf("MSGTRK2026030%d00-%d.LOG", 1+f, f), func(p string) error { return trackingtest.WriteLogFile(p, trackingtest.Fields2013, evs) })
	}

	// Rows longer than a buffer between ordinary ones, gzip-compressed
	// too. They differ, so that a row gathered into the buffer the parser
	// reuses for the next would show.
	long := sampleEvents()
	huge, huge2 := long[0], long[1]
	huge.Subject = strings.Repeat("y", 600<<10)
	huge2.Subject = strings.Repeat("z", 500<<10)
	longEvs := []tracking.Event{long[0], huge, long[1], huge2, long[0]}
	add("long.log", func(p string) error { return trackingtest.WriteLogFile(p, trackingtest.Fields2010, longEvs) })
	add("long.log.gz", func(p string) error {
		data, err := os.ReadFile(filepath.Join(dir, "long.log"))
		if err != nil {
			return err
		}
		return os.WriteFile(p, gzipped(data), 0o600)
	})

	// Get-MessageTrackingLog exports quote every value, and a subject may
	// hold a line break.
	add("export.csv", func(p string) error {
		var evs []tracking.Event
		for i := range 3000 {
			e := sampleEvents()[i%2]
			e.Time = t0.Add(time.Duration(i) * time.Second)
			e.Subject = randomSubject(rng, rng.IntN(400))
			if i%7 == 0 {
				e.Subject += "\r\nsecond line"
			}
			evs = append(evs, e)
		}
		var b bytes.Buffer
		if err := trackingtest.WriteTrackingCSV(&b, evs); err != nil {
			return err
		}
		return os.WriteFile(p, b.Bytes(), 0o600)
	})

	// Short message-trace rows: more of them fit in a buffer than a batch
	// holds at first.
	add("trace.csv", func(p string) error {
		var rows []trackingtest.TraceRow
		for i := range 9000 {
			rows = append(rows, trackingtest.TraceRow{Received: t0.Add(time.Duration(i) * time.Second), Sender: "a@x.example", Recipient: "b@corp.example", Status: "Delivered", MessageID: fmt.Sprint(i)})
		}
		return trackingtest.WriteTraceFile(p, rows)
	})

	// Values left open by stray quotes, in a log and in an export: each
	// record is cut at the next row, wherever the buffers end.
	var strays int
	stray := func(name string, write func(w *bytes.Buffer, evs []tracking.Event), open func(text string, k int) string) {
		var evs []tracking.Event
		for i := range 3000 {
			e := sampleEvents()[i%2]
			e.Time = t0.Add(time.Duration(i) * time.Second)
			e.Subject = fmt.Sprintf("stray-%d %s", i, strings.Repeat("s", rng.IntN(900)))
			evs = append(evs, e)
		}
		var b bytes.Buffer
		write(&b, evs)
		text := b.String()
		for k := 5; k < 3000; k += 97 + rng.IntN(50) {
			text = open(text, k)
			strays++
		}
		add(name, func(p string) error { return os.WriteFile(p, []byte(text), 0o600) })
	}
	stray("stray.log", func(w *bytes.Buffer, evs []tracking.Event) {
		lw, _ := trackingtest.NewLogWriter(w, trackingtest.Fields2013, t0)
		for i := range evs {
			lw.Write(&evs[i])
		}
		lw.Flush()
	}, func(text string, k int) string {
		// The subject, unquoted in the log, gains an opening quote.
		return strings.Replace(text, fmt.Sprintf(",stray-%d ", k), fmt.Sprintf(",\"stray-%d ", k), 1)
	})
	stray("stray.csv", func(w *bytes.Buffer, evs []tracking.Event) { trackingtest.WriteTrackingCSV(w, evs) }, func(text string, k int) string {
		// The row's last value, empty, loses its closing quote.
		i := strings.Index(text, fmt.Sprintf(`"stray-%d `, k))
		j := i + strings.Index(text[i:], "\r\n")
		return text[:j-1] + text[j:]
	})

	// A malformed row and a missing file are counted the same way.
	add("bad.log", func(p string) error {
		var b bytes.Buffer
		lw, _ := trackingtest.NewLogWriter(&b, trackingtest.Fields2013, t0)
		lw.Write(&long[0])
		lw.Flush()
		b.WriteString("2026-03-05T10:11:12.123Z,too,few\r\n")
		lw.Write(&long[1])
		lw.Flush()
		return os.WriteFile(p, b.Bytes(), 0o600)
	})
	files = append(files, filepath.Join(dir, "missing.log"))

	readAll := func(workers int) ([]tracking.Event, tracking.Stats) {
		var got []tracking.Event
		st, err := tracking.Read(context.Background(), files, tracking.Options{Workers: workers, MaxRecordBytes: 2 << 20}, func(e *tracking.Event) error {
			got = append(got, e.Clone())
			return nil
		})
		if err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
		return got, st
	}
	want, wantSt := readAll(1)
	if wantSt.Malformed != int64(1+strays) || wantSt.MalformedLines != wantSt.Malformed || wantSt.Failed != 1 ||
		len(want) != 2*3000+2*len(longEvs)+3000+9000+2*3000-strays+2 {
		t.Fatalf("sequential read: %d events, stats %+v", len(want), wantSt)
	}
	for _, workers := range []int{2, 3, 8} {
		got, st := readAll(workers)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%d workers: events differ (-sequential +parallel):\n%.3000s", workers, d)
		}
		if d := cmp.Diff(wantSt, st); d != "" {
			t.Errorf("%d workers: stats differ (-sequential +parallel):\n%s", workers, d)
		}
	}
}

// randomSubject is n bytes of words, commas and quotes.
func randomSubject(rng *rand.Rand, n int) string {
	const alphabet = `abcdefghij ,"RE: `
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}
