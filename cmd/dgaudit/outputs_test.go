package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputIsADirectory: a directory given where a file is to be written is
// refused before any reading, by every command that writes one, rather than
// by the final rename after a long collection.
func TestOutputIsADirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target, script := filepath.Join(dir, "x.json"), filepath.Join(dir, "fix.ps1")
	for _, d := range []string{target, script} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	snap := writeSnapshot(t, cleanSnapshot())
	cfg := writeFile(t, t.TempDir(), "c.yaml", "outputs: ["+target+"]\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"scan", []string{"scan", "--demo", "-o", target}, "-o " + target + ": is a directory"},
		{"audit", []string{"audit", "--snapshot", snap, "-o", filepath.Join(dir, "ok.csv"), "-o", target}, "-o " + target + ": is a directory"},
		{"collect", []string{"collect", "--demo", "-o", target}, "-o " + target + ": is a directory"},
		{"diff", []string{"diff", snap, snap, "-o", target}, "-o " + target + ": is a directory"},
		{"remediate", []string{"remediate", "--report", snap, "-o", script}, "-o " + script + ": is a directory"},
		{"config outputs", []string{"config", "check", cfg}, "outputs[0]: is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want %d with %q\n%s", code, exitUsage, tc.want, stderr)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("the runs left files behind: %v", entries)
	}
}
