package tracking

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Files small enough to be parsed whole do not let the workers run through
// the whole input while the caller is held up on an earlier file: no
// worker starts a file 2*Workers or more past the caller's, so memory
// stays bounded however many files there are.
func TestWorkersStayWithinFilesAheadOfTheCaller(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 40 {
		path := filepath.Join(dir, fmt.Sprintf("MSGTRK2026030100-%d.LOG", i))
		row := fmt.Sprintf("2026-03-01T00:00:%02d.000Z,,,,MBX01,,,SMTP,RECEIVE,1,<%d@x.example>,,a@corp.example,,1,1,,,s,b@x.example,b@x.example,,Incoming\r\n", i%60, i)
		if err := os.WriteFile(path, []byte("#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality\r\n"+row), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	for _, workers := range []int{2, 3} {
		var callerAt, furthest atomic.Int64
		callerAt.Store(-1)
		testHookCallerAt = func(k int) { callerAt.Store(int64(k)) }
		testHookWorkerAt = func(i int) {
			lead := int64(i) - callerAt.Load()
			for f := furthest.Load(); lead > f && !furthest.CompareAndSwap(f, lead); f = furthest.Load() {
			}
		}
		t.Cleanup(func() { testHookCallerAt, testHookWorkerAt = nil, nil })
		events := 0
		_, err := readParallel(context.Background(), files, nil, nil, make([]*exportScan, len(files)), nil, Options{Workers: workers}.withDefaults(), func(*Event) error {
			// The caller is slow: the workers have time to run ahead.
			if events++; events <= 3 {
				time.Sleep(50 * time.Millisecond)
			}
			return nil
		})
		if err != nil || events != len(files) {
			t.Fatalf("%d workers: %d events, %v", workers, events, err)
		}
		// The slow caller lets the workers reach the gate: the furthest
		// a worker gets is the last file the gate lets through.
		if lead := furthest.Load(); lead != int64(2*workers-1) {
			t.Errorf("%d workers: the furthest a worker started was %d files past the caller's, want %d", workers, lead, 2*workers-1)
		}
	}
}

// A log of many small roll-overs merged with another does not let its
// goroutine run through its files while the caller is held up: each log
// holds at most its share of batches, however many files it has.
func TestMergedLogsStayWithinTheirShare(t *testing.T) {
	dir := t.TempDir()
	const header = "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality\r\n"
	row := func(n int) string {
		return fmt.Sprintf("2026-03-01T00:%02d:%02d.000Z,,,,MBX01,,,SMTP,RECEIVE,1,<%d@x.example>,,a@corp.example,,1,1,,,s,b@x.example,b@x.example,,Incoming\r\n", n/60%60, n%60, n)
	}
	write := func(rel string, rows int, first int) string {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString(header)
		for n := range rows {
			b.WriteString(row(first + n))
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	files := []string{write("a/MSGTRK2026030100-1.LOG", 10, 0)}
	// Each file of log b fills a batch, which it hands over at its end.
	for i := range 100 {
		files = append(files, write(fmt.Sprintf("b/MSGTRK2026030100-%d.LOG", i+1), batchEvents, 100))
	}
	var made atomic.Int64
	testHookBatchMade = func(int) { made.Add(1) }
	t.Cleanup(func() { testHookBatchMade = nil })
	var most int64
	_, err := Read(context.Background(), files, Options{Workers: 2}, func(*Event) error {
		if most == 0 {
			// The caller is slow on its first event: the logs' goroutines
			// have time to run ahead.
			time.Sleep(time.Second)
			most = made.Load()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Each log: its share in the channel, one being filled, one handed
	// over; the caller holds one of each.
	if limit := int64(2 * (batchesInFlight/2 + 3)); most > limit {
		t.Errorf("%d batches made while the caller was held up, want at most %d", most, limit)
	}
}

// A hundred servers' logs merged take about the memory of the workers'
// batches, not four full batches a log: the logs get smaller batches
// (runSizing), however far their goroutines run ahead while the caller is
// held up.
func TestManyMergedLogsShareTheWorkersMemory(t *testing.T) {
	dir := t.TempDir()
	const header = "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality\r\n"
	var files []string
	for server := range 100 {
		path := filepath.Join(dir, fmt.Sprintf("srv%03d", server), "MSGTRK2026030100-1.LOG")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString(header)
		// Enough rows for more batches than the log may hold ahead.
		for n := range 800 {
			fmt.Fprintf(&b, "2026-03-01T00:%02d:%02d.000Z,,,,MBX%03d,,,SMTP,RECEIVE,1,<%d.%d@x.example>,,a@corp.example,,1,1,,,a subject of some length,b@x.example,b@x.example,,Incoming\r\n", n/60%60, n%60, server, server, n)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	var made atomic.Int64
	testHookBatchMade = func(bytes int) { made.Add(int64(bytes)) }
	t.Cleanup(func() { testHookBatchMade = nil })
	var most int64
	events := 0
	_, err := Read(context.Background(), files, Options{Workers: 2}, func(*Event) error {
		if events++; events == 1 {
			time.Sleep(time.Second)
			most = made.Load()
		}
		return nil
	})
	if err != nil || events != 100*800 {
		t.Fatalf("%d events, %v", events, err)
	}
	full := newBatchPool(1, batchBytes).get().size()
	if limit := int64(runBatches * full * 11 / 10); most > limit {
		t.Errorf("%d MB of batches made while the caller was held up, want at most %d MB (%d batches of %d KB)", most>>20, limit>>20, runBatches, full>>10)
	}
}
