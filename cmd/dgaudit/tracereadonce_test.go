package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// A log named twice (on its own and through its folder), beside its
// compressed copy and a named pipe called like a log, is read once: every
// count would otherwise double, and opening the pipe blocked the run past
// Ctrl-C.
func TestTraceReadsEachLogOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := loopLog(t, dir, "closures@corp.example", 1)
	readLine := regexp.MustCompile(`read \d+ tracking files \(\d+ bytes, \d+ events`)
	_, _, alone := dgaudit(t, "trace", log, "--fail-on", "none")
	want := readLine.FindString(alone)
	if !strings.HasPrefix(want, "read 1 tracking files") {
		t.Fatalf("the log alone: no read line in\n%s", alone)
	}

	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(data)
	w.Close()
	if err := os.WriteFile(log+".gz", gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pipe := filepath.Join(dir, "MSGTRK20260306-1.LOG")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}

	code, _, stderr := dgaudit(t, "trace", dir, log, "--fail-on", "none")
	if code != exitOK {
		t.Errorf("exit %d, want %d\n%s", code, exitOK, stderr)
	}
	if got := readLine.FindString(stderr); got != want {
		t.Errorf("read %q, want %q as for the log alone:\n%s", got, want, stderr)
	}
	for _, want := range []string{
		`reason="a compressed copy of ` + log,
		`reason="the same file as ` + log,
		`reason="not a regular file but a named pipe"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
