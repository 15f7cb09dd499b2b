package tracking

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An export's second whose rows straddle two batches is put in passage
// order whole: every second here has a hub's DELIVER logged before its
// EXPAND, and batches of a few rows cut many seconds in two. Before
// carryLastMoment, each batch was sorted alone, and a DELIVER at the end of
// one stayed ahead of the EXPAND at the start of the next.
func TestSecondAcrossBatchesIsInPassageOrder(t *testing.T) {
	var text strings.Builder
	text.WriteString(`"Timestamp","EventId","MessageId","MessageSubject"` + "\r\n")
	const seconds = 300
	for s := range seconds {
		at := fmt.Sprintf(`"2026-03-15T09:%02d:%02dZ"`, s/60, s%60)
		fmt.Fprintf(&text, "%s,\"DELIVER\",\"<d%d@x>\",\"\"\r\n", at, s)
		// Rows of different lengths, so that batch ends fall all over
		// the seconds.
		fmt.Fprintf(&text, "%s,\"EXPAND\",\"<e%d@x>\",\"%s\"\r\n", at, s, strings.Repeat("s", s%37))
	}
	path := filepath.Join(t.TempDir(), "hub.csv")
	if err := os.WriteFile(path, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{512, 1000, 4096} {
		var got []string
		batches := 0
		eachMergedBatch(t, path, size, func(b *batch) {
			batches++
			for i := range b.events {
				got = append(got, b.events[i].EventID+" "+b.events[i].Time.Format("15:04:05"))
			}
		})
		if len(got) != 2*seconds || batches < 5 {
			t.Fatalf("batches of %d bytes: %d events in %d batches", size, len(got), batches)
		}
		for i := 0; i < len(got); i += 2 {
			at := got[i][strings.IndexByte(got[i], ' ')+1:]
			if got[i] != "EXPAND "+at || got[i+1] != "DELIVER "+at {
				t.Fatalf("batches of %d bytes: rows %d and %d are %q, %q", size, i, i+1, got[i], got[i+1])
			}
		}
	}
}

// No row is lost or read twice when seconds of 1 to 88 rows are carried
// from batch to batch, and a second of fewer rows than a batch holds (some
// 22 here) is in passage order whole, however it straddles.
func TestLongSecondsAcrossBatchesReadOnce(t *testing.T) {
	var text strings.Builder
	text.WriteString(`"Timestamp","EventId","MessageId"` + "\r\n")
	var ids []string // by line, from the first row's, 2
	for s := range 30 {
		for k := range 1 + s*3 { // from 1 to 88 rows a second
			ids = append(ids, fmt.Sprintf("<m%d-%d@x>", s, k))
			fmt.Fprintf(&text, "\"2026-03-15T09:00:%02dZ\",\"%s\",\"%s\"\r\n", s, [...]string{"SEND", "EXPAND", "RECEIVE"}[k%3], ids[len(ids)-1])
		}
	}
	path := filepath.Join(t.TempDir(), "hub.csv")
	if err := os.WriteFile(path, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]string{}
	var last int64
	var prevTime time.Time // the row before's, which may be in a batch given back
	var prevRank uint8
	disordered := map[int64]bool{} // by second
	eachMergedBatch(t, path, 1024, func(b *batch) {
		for i := range b.events {
			e := &b.events[i]
			if prev, ok := seen[e.Line]; ok {
				t.Fatalf("line %d read twice: %s, %s", e.Line, prev, e.MessageID)
			}
			seen[e.Line] = strings.Clone(e.MessageID)
			if sec := e.Time.Unix(); sec < last {
				t.Fatalf("line %d (%s) read after a later second", e.Line, e.MessageID)
			} else {
				last = sec
			}
			rank := passageRank(e.EventID)
			if e.Time.Equal(prevTime) && rank < prevRank {
				disordered[e.Time.Unix()%60] = true
			}
			prevTime, prevRank = e.Time, rank
		}
	})
	if len(seen) != len(ids) {
		t.Fatalf("%d of %d rows read", len(seen), len(ids))
	}
	for sec := range disordered {
		if rows := 1 + sec*3; rows <= 20 {
			t.Errorf("second %d, of %d rows, out of passage order", sec, rows)
		}
	}
	// The rows carried to the next batch were copied out of a buffer
	// read into again since.
	for line, id := range seen {
		if id != ids[line-2] {
			t.Fatalf("line %d read as %s, holds %s", line, id, ids[line-2])
		}
	}
}

// eachMergedBatch parses an export as a merge with others does (its
// seconds in passage order), in batches of size bytes, and calls fn with
// each batch before giving it back to the pool, whose next batch reuses
// its buffer.
func eachMergedBatch(t *testing.T, path string, size int, fn func(*batch)) {
	t.Helper()
	pool := newBatchPool(4, size)
	job := &fileJob{batches: make(chan *batch, 1)}
	go func() {
		defer close(job.batches)
		parseJob(context.Background(), path, Options{}, job, pool, hooks{noReadAhead: true, moments: true})
	}()
	for b := range job.batches {
		fn(b)
		pool.put(b)
	}
	if job.err != nil {
		t.Fatal(job.err)
	}
}
