package tracking

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
		_, err := readParallel(context.Background(), files, nil, Options{Workers: workers}.withDefaults(), func(*Event) error {
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
