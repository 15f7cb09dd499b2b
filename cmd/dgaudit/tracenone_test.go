package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTraceWithoutEvents: when not one file yields an event, the summary
// says so first and never "loops: none", which reads as an all-clear. When
// every file failed, the read itself failed: exit 3 and no report, as when
// the directory cannot be reached.
func TestTraceWithoutEvents(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, dir, name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	notTracking := []byte("Name,Email\nann,ann@x.example\n")
	headerOnly := []byte("#Software: Microsoft Exchange Server\n#Fields: date-time,event-id,message-id\n")

	csvOnly := t.TempDir()
	write(t, csvOnly, "people.csv", notTracking)
	utf16AndFakeGz := t.TempDir()
	write(t, utf16AndFakeGz, "MSGTRK20260305-1.LOG", []byte{'D', 0, 'a', 0, '\n', 0}) // UTF-16 without its mark
	write(t, utf16AndFakeGz, "MSGTRK20260305-2.LOG.gz", []byte("not gzip at all\n"))
	quiet := t.TempDir()
	write(t, quiet, "MSGTRK20260305-1.LOG", headerOnly)
	mixed := t.TempDir()
	write(t, mixed, "MSGTRK20260305-1.LOG", headerOnly)
	write(t, mixed, "people.csv", notTracking)

	tests := []struct {
		name       string
		dir        string
		code       int
		first      string // the summary's first line starts so
		want, lack []string
		report     bool
	}{
		{"only a non-tracking CSV", csvOnly, exitRuntime, "dgaudit: no events could be read from 1 tracking files",
			[]string{": none could be read; there is no evidence either way\n", "not read to its end: ", "exit 3: none of the 1 tracking files could be read; no report written\n"},
			[]string{"loops: none", "report: "}, false},
		{"UTF-16 without its mark and a .gz that is not gzip", utf16AndFakeGz, exitRuntime, "dgaudit: no events could be read from 2 tracking files",
			[]string{"UTF-16 without a byte order mark", "MSGTRK20260305-2.LOG.gz: not gzip-compressed despite its .gz name", "exit 3: none of the 2 tracking files could be read"},
			[]string{"loops: none", "report: "}, false},
		{"files read that held no events", quiet, exitOK, "dgaudit: no events could be read from 1 tracking files",
			[]string{": they were read and held none; there is no evidence either way\n", "exit 0: the input held no events, so nothing was judged"},
			[]string{"loops: none", "nothing at or above"}, true},
		{"one failed, one held none", mixed, exitGaps, "dgaudit: no events could be read from 2 tracking files",
			[]string{": 1 could not be read and 1 held none;", "exit 4: some tracking files could not be read to their end, and no events were read: there are no results\n"},
			[]string{"loops: none", "lower bounds"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "trace.json")
			code, _, stderr := dgaudit(t, "trace", tc.dir, "-o", out, "--log-level", "error")
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			if !strings.HasPrefix(strings.TrimSpace(stderr), tc.first) {
				t.Errorf("summary does not start with %q:\n%s", tc.first, stderr)
			}
			for _, s := range tc.want {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			for _, s := range tc.lack {
				if strings.Contains(stderr, s) {
					t.Errorf("stderr has %q:\n%s", s, stderr)
				}
			}
			if _, err := os.Stat(out); (err == nil) != tc.report {
				t.Errorf("report written: %v, want %v", err == nil, tc.report)
			}
		})
	}
}
