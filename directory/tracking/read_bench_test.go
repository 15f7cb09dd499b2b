package tracking_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// benchRows is how many rows each file of the read benchmarks holds.
const benchRows = 40000

// benchEvent is row i of a benchmark file: a message every 100 ms, with
// the values of an ordinary delivery.
func benchEvent(i int) tracking.Event {
	return tracking.Event{Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 100 * time.Millisecond),
		EventID: "DELIVER", Source: "STOREDRIVER", ClientIP: "10.0.0.11", ClientHostname: "MBX01", ServerHostname: "MBX01",
		Sender: fmt.Sprintf("person%d@partner12.example", i%97), ReturnPath: "bounces@partner12.example",
		Recipients: []string{fmt.Sprintf("user%d@contoso.com", i%1000)}, RecipientStatus: []string{"250 2.1.5 Recipient OK"},
		Subject: "FW: Contract draft, final version", MessageID: fmt.Sprintf("<%d.abcdefghijkl@partner12.example>", i),
		InternalMessageID: fmt.Sprint(123456789012 + i), TotalBytes: 34567, RecipientCount: 1, Directionality: "Incoming"}
}

func benchEvents(from, to int) []tracking.Event {
	evs := make([]tracking.Event, 0, to-from)
	for i := from; i < to; i++ {
		evs = append(evs, benchEvent(i))
	}
	return evs
}

// benchRead reads files over and over, reporting rows a second.
func benchRead(b *testing.B, files []string) {
	var size int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			b.Fatal(err)
		}
		size += fi.Size()
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if _, err := tracking.Read(context.Background(), files, tracking.Options{Workers: 2}, func(*tracking.Event) error {
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatal("no events")
		}
	}
}

// BenchmarkReadLogs reads two servers' logs, merged by time: dedup.go must
// cost them nothing.
func BenchmarkReadLogs(b *testing.B) {
	dir := b.TempDir()
	var files []string
	for _, server := range []string{"hub1", "hub2"} {
		os.MkdirAll(filepath.Join(dir, server), 0o755)
		path := filepath.Join(dir, server, "MSGTRK2026030100-1.LOG")
		if err := trackingtest.WriteLogFile(path, trackingtest.Fields2013, benchEvents(0, benchRows)); err != nil {
			b.Fatal(err)
		}
		files = append(files, path)
	}
	benchRead(b, files)
}

// benchExports writes Get-MessageTrackingLog exports of the rows from
// each range.
func benchExports(b *testing.B, ranges ...[2]int) []string {
	dir := b.TempDir()
	var files []string
	for k, r := range ranges {
		var buf bytes.Buffer
		if err := trackingtest.WriteTrackingCSV(&buf, benchEvents(r[0], r[1])); err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("export-%d.csv", k))
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		files = append(files, path)
	}
	return files
}

// BenchmarkReadExports reads two exports of periods one after the other.
func BenchmarkReadExports(b *testing.B) {
	benchRead(b, benchExports(b, [2]int{0, benchRows}, [2]int{benchRows, 2 * benchRows}))
}

// BenchmarkReadOverlappingExports reads two exports that overlap by half.
func BenchmarkReadOverlappingExports(b *testing.B) {
	benchRead(b, benchExports(b, [2]int{0, benchRows}, [2]int{benchRows / 2, benchRows * 3 / 2}))
}

// BenchmarkReadOverlappingTraces reads two message traces that overlap by
// half.
func BenchmarkReadOverlappingTraces(b *testing.B) {
	dir := b.TempDir()
	var files []string
	for k, from := range []int{0, benchRows / 2} {
		var rows []trackingtest.TraceRow
		for i := from + benchRows - 1; i >= from; i-- {
			e := benchEvent(i)
			rows = append(rows, trackingtest.TraceRow{Received: e.Time, Sender: e.Sender, Recipient: e.Recipients[0], Subject: e.Subject,
				Status: "Delivered", FromIP: "203.0.113.5", MessageID: e.MessageID, Size: e.TotalBytes, MessageTraceID: fmt.Sprint(i)})
		}
		path := filepath.Join(dir, fmt.Sprintf("trace-%d.csv", k))
		if err := trackingtest.WriteTraceFile(path, rows); err != nil {
			b.Fatal(err)
		}
		files = append(files, path)
	}
	benchRead(b, files)
}
