package tracking

import (
	"fmt"
	"testing"
	"time"
)

// dedupRows are n rows of one delivery each, 100 ms apart, as an export
// of Get-MessageTrackingLog (format) or a message trace gives them.
func dedupRows(n int, format Format) []Event {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{Time: base.Add(time.Duration(i) * 100 * time.Millisecond), EventID: "DELIVER", Source: "STOREDRIVER",
			ServerHostname: "MBX01", Sender: fmt.Sprintf("person%d@partner12.example", i%97), Recipients: []string{fmt.Sprintf("user%d@contoso.com", i%1000)},
			RecipientStatus: []string{"250 2.1.5 Recipient OK"}, Subject: "FW: Contract draft, final version",
			MessageID: fmt.Sprintf("<%d.abcdefghijkl@partner12.example>", i), InternalMessageID: fmt.Sprint(123456789012 + i), TotalBytes: 34567,
			RecipientCount: 1, Format: format}
	}
	return evs
}

// timedDedup is the dedup of two Get-MessageTrackingLog exports that
// overlap wholly, read merged.
func timedDedup(evs []Event) *dedup {
	s := &exportScan{first: evs[0].Time, last: evs[len(evs)-1].Time, runs: []exportRun{{}}}
	return newDedup([]string{"a.csv", "b.csv"}, []*exportScan{s, s}, []exportGroup{{first: 0, last: 1, scans: []*exportScan{s, s}}})
}

// Rows of exports read merged are let go dupWindow after the merge's
// time: the rows kept are a few minutes' however many are read.
func TestDedupKeepsAWindowOfMergedRows(t *testing.T) {
	evs := dedupRows(20000, FormatTrackingCSV)
	d := timedDedup(evs)
	most := 0
	for i := range evs {
		if !d.fresh(&evs[i], dupSource(0, 0)) || d.fresh(&evs[i], dupSource(1, 0)) {
			t.Fatalf("row %d: not passed on once", i)
		}
		most = max(most, len(d.seen))
	}
	// 100 ms apart: dupWindow holds 1200 rows, and one more second.
	if want := int(dupWindow/(100*time.Millisecond)) + 10; most > want || d.timed.len() > want {
		t.Errorf("%d rows kept at most, %d in the queue at the end, want at most %d", most, d.timed.len(), want)
	}
	if d.dups[1] != int64(len(evs)) || d.dups[0] != 0 {
		t.Errorf("duplicates %v", d.dups)
	}
}

// Rows of message traces, read one after another, are kept up to
// maxKeptRows, the oldest let go after, and the file read then says so.
func TestDedupKeepsTracesUpToItsCap(t *testing.T) {
	evs := dedupRows(maxKeptRows+100, FormatTrace)
	d := newDedup([]string{"a.csv", "b.csv"}, make([]*exportScan, 2), nil)
	for i := range evs {
		d.fresh(&evs[i], dupSource(0, 0))
	}
	if len(d.seen) != maxKeptRows || d.kept.len() != maxKeptRows || d.full != 0 {
		t.Fatalf("%d rows seen, %d queued, full %d", len(d.seen), d.kept.len(), d.full)
	}
	// The first 100 were let go: read again, they are passed on.
	passed := 0
	for i := range evs {
		if d.fresh(&evs[i], dupSource(1, 0)) {
			passed++
		}
	}
	if passed != 100 {
		t.Errorf("%d rows passed on again, want the 100 let go", passed)
	}
	st := Stats{Files: []FileStats{{Path: "a.csv"}, {Path: "b.csv"}}}
	d.count(&st)
	if len(st.Files[0].Notes) != 1 || st.Duplicates != int64(maxKeptRows) || !st.DuplicatesAtLeast {
		t.Errorf("stats %+v", st)
	}
}

// Message traces keep only the rows of times another trace holds: a
// trace read newest first holds its overlap with an older one at its
// start, which a cap of rows would let go first. However long the first,
// the overlap's rows are kept, and all its copies found.
func TestDedupKeepsOnlyTheTracesOverlap(t *testing.T) {
	evs := dedupRows(maxKeptRows+5000, FormatTrace)
	const overlap = 3000
	d := newDedup([]string{"a.csv", "b.csv"}, make([]*exportScan, 2), nil)
	first, last := evs[0].Time.Unix(), evs[len(evs)-1].Time.Unix()
	from := evs[len(evs)-overlap].Time.Unix()
	d.limitTraces(2, func(i int) (span, bool) {
		if i == 0 {
			return span{first, last}, true
		}
		return span{from, last}, true
	})
	// Newest first: the overlap, then a million rows older.
	for i := len(evs) - 1; i >= 0; i-- {
		d.fresh(&evs[i], dupSource(0, 0))
	}
	for i := len(evs) - overlap; i < len(evs); i++ {
		if d.fresh(&evs[i], dupSource(1, 0)) {
			t.Fatalf("row %d of the overlap passed on twice", i)
		}
	}
	st := Stats{Files: []FileStats{{Path: "a.csv"}, {Path: "b.csv"}}}
	d.count(&st)
	if d.full >= 0 || st.DuplicatesAtLeast || st.Duplicates != overlap || d.kept.len() > overlap+20 {
		t.Errorf("full %d, %d rows kept, stats %+v", d.full, d.kept.len(), st)
	}
}

// BenchmarkDedup is what a row costs that another export may hold: merged
// exports overlapping wholly, and two message traces overlapping by half,
// read one after the other.
func BenchmarkDedup(b *testing.B) {
	const n = 40000
	b.Run("merged exports", func(b *testing.B) {
		evs := dedupRows(n, FormatTrackingCSV)
		for b.Loop() {
			d := timedDedup(evs)
			for i := range evs {
				d.fresh(&evs[i], dupSource(0, 0))
				d.fresh(&evs[i], dupSource(1, 0))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*2*n), "ns/row")
	})
	b.Run("message traces", func(b *testing.B) {
		evs := dedupRows(n*3/2, FormatTrace)
		for b.Loop() {
			d := newDedup([]string{"a.csv", "b.csv"}, make([]*exportScan, 2), nil)
			for i := n - 1; i >= 0; i-- {
				d.fresh(&evs[i], dupSource(0, 0))
			}
			for i := len(evs) - 1; i >= n/2; i-- {
				d.fresh(&evs[i], dupSource(1, 0))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*2*n), "ns/row")
	})
}
