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
// worker starts a file more than filesAhead past the caller's, so memory
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
			if lead := int64(i) - callerAt.Load(); lead > furthest.Load() {
				furthest.Store(lead)
			}
		}
		events := 0
		_, err := readParallel(context.Background(), files, Options{Workers: workers}.withDefaults(), func(*Event) error {
			// The caller is slow: the workers have time to run ahead.
			if events++; events <= 3 {
				time.Sleep(50 * time.Millisecond)
			}
			return nil
		})
		testHookCallerAt, testHookWorkerAt = nil, nil
		if err != nil || events != len(files) {
			t.Fatalf("%d workers: %d events, %v", workers, events, err)
		}
		// A worker may start the first files before the caller is at
		// file 0 (callerAt -1): the lead is then one more.
		if lead := furthest.Load(); lead > int64(2*workers) || lead < int64(2*workers-1) {
			t.Errorf("%d workers: a worker started a file %d past the caller's, want at most %d (and the gate used)", workers, lead, 2*workers)
		}
	}
}
