package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// wantList is the list of accepted values a --fail-on message gives.
var wantList = regexp.MustCompile(`\(want ([^)]*)\)`)

// TestFailOnMessageListsWhatIsAccepted: a bad --fail-on (on the command
// line or in a config file) lists the accepted values, every value listed
// is accepted, and none is among them: the message left none out, though
// it was accepted.
func TestFailOnMessageListsWhatIsAccepted(t *testing.T) {
	t.Parallel()
	logs := t.TempDir()
	loopLog(t, logs, "closures@corp.example", 1)
	cfg := filepath.Join(t.TempDir(), "dgaudit.yaml")
	if err := os.WriteFile(cfg, []byte("source:\n  demo: true\nfail-on: severe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		// bad gives a bad value; with(v) runs with value v.
		bad  []string
		with func(v string) []string
	}{
		{"scan", []string{"scan", "--demo", "--fail-on", "severe"},
			func(v string) []string { return []string{"scan", "--demo", "--fail-on", v} }},
		{"trace", []string{"trace", logs, "--fail-on", "severe"},
			func(v string) []string { return []string{"trace", logs, "--fail-on", v} }},
		{"config file", []string{"config", "check", cfg}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, append(tc.bad, "--log-level", "error")...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\n%s", code, exitUsage, stderr)
			}
			m := wantList.FindStringSubmatch(stderr)
			if m == nil || !strings.Contains(stderr, "fail-on") {
				t.Fatalf("stderr names no accepted values of fail-on:\n%s", stderr)
			}
			values := strings.Split(m[1], ", ")
			if !strings.Contains(m[1], "none") {
				t.Errorf("the accepted values %q leave out none:\n%s", values, stderr)
			}
			if tc.with == nil {
				return
			}
			for _, v := range values {
				v = strings.TrimPrefix(v, "or ")
				if code, _, stderr := dgaudit(t, append(tc.with(v), "--log-level", "error")...); code == exitUsage {
					t.Errorf("--fail-on %s, a listed value, refused:\n%s", v, stderr)
				}
			}
		})
	}
}
