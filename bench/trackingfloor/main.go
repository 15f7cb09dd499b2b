// Command trackingfloor times passes over message-tracking logs that do
// less than `dgaudit trace`, to show how much of the issue-6 target each
// stage takes: a pass that reads the files and counts lines (what grep
// does with an empty pattern, in Go, on every core), one that also finds
// every field of every row as a CSV reader must, and dgaudit's own parser
// with nothing done per event. bench/tracking.sh runs it beside grep and
// dgaudit.
//
// Usage: trackingfloor -mode lines|fields|parse PATH...
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"dgaudit/directory/tracking"
)

func main() {
	mode := flag.String("mode", "parse", "lines, fields or parse")
	flag.Parse()
	files, err := tracking.Expand(flag.Args())
	if err != nil {
		fail(err)
	}
	start := time.Now()
	var rows int64
	switch *mode {
	case "lines":
		rows, err = eachFile(files, countLines)
	case "fields":
		rows, err = eachFile(files, countFields)
	case "parse":
		var st tracking.Stats
		st, err = tracking.Read(context.Background(), files, tracking.Options{}, func(*tracking.Event) error { return nil })
		rows = st.Events
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		fail(err)
	}
	fmt.Printf("%s: %d rows in %.3f s\n", *mode, rows, time.Since(start).Seconds())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "trackingfloor:", err)
	os.Exit(1)
}

// eachFile runs count over the files on every core, a file to a goroutine
// at a time, as grep would if it were parallel.
func eachFile(files []string, count func([]byte, *int64)) (int64, error) {
	var (
		next  atomic.Int64
		total atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			buf := make([]byte, 128<<10)
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				n, err := countFile(files[i], buf, count)
				total.Add(n)
				if err != nil {
					mu.Lock()
					first = errors.Join(first, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return total.Load(), first
}

// countFile feeds count whole lines: a buffer's tail after its last
// newline is carried into the next read.
func countFile(path string, buf []byte, count func([]byte, *int64)) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	carry := 0
	for {
		m, err := f.Read(buf[carry:])
		end := carry + m
		if err == io.EOF || m == 0 && err == nil && end == len(buf) {
			count(buf[:end], &n)
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("read %s: %w", path, err)
		}
		cut := bytes.LastIndexByte(buf[:end], '\n') + 1
		count(buf[:cut], &n)
		carry = copy(buf, buf[cut:end])
	}
}

func countLines(b []byte, n *int64) { *n += int64(bytes.Count(b, []byte{'\n'})) }

// countFields walks every byte as a CSV reader must: a comma outside
// quotes ends a field, a newline outside quotes ends a row. The field
// count keeps the loop from being optimized away.
func countFields(b []byte, n *int64) {
	quoted := false
	fields := 0
	for _, c := range b {
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				fields++
			}
		case '\n':
			if !quoted {
				*n++
			}
		}
	}
	if fields < 0 {
		*n = -1
	}
}
