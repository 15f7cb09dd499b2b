//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOutputFileModes: a report or snapshot that replaces a file keeps that
// file's mode, a new report gets 0666 less the umask as os.Create would, and
// a new snapshot is private (0600 less the umask). Not parallel: the umask
// is process-wide, and Go runs parallel tests only after this one is done.
func TestOutputFileModes(t *testing.T) {
	snap := writeSnapshot(t, cleanSnapshot())
	tests := []struct {
		name     string
		umask    int
		existing os.FileMode // 0: no file before the run
		args     []string    // the target path is appended
		want     os.FileMode
	}{
		{"snapshot replacing a 0600 file", 0o077, 0o600, []string{"collect", "--demo", "-o"}, 0o600},
		{"snapshot replacing a 0600 file, umask 022", 0o022, 0o600, []string{"collect", "--demo", "-o"}, 0o600},
		{"snapshot replacing a 0640 file", 0o022, 0o640, []string{"collect", "--demo", "-o"}, 0o640},
		// dgaudit wrote snapshots 0644 before: a scheduled collect must not
		// keep the directory readable by every account.
		{"snapshot replacing a 0644 file", 0o022, 0o644, []string{"collect", "--demo", "-o"}, 0o640},
		{"snapshot replacing a 0666 file", 0o022, 0o666, []string{"collect", "--demo", "-o"}, 0o660},
		{"new snapshot, umask 077", 0o077, 0, []string{"collect", "--demo", "-o"}, 0o600},
		{"new snapshot, umask 022", 0o022, 0, []string{"collect", "--demo", "-o"}, 0o600},
		{"new report, umask 077", 0o077, 0, []string{"audit", "--snapshot", snap, "-o"}, 0o600},
		{"new report, umask 022", 0o022, 0, []string{"audit", "--snapshot", snap, "-o"}, 0o644},
		{"new report, umask 027", 0o027, 0, []string{"audit", "--snapshot", snap, "-o"}, 0o640},
		{"report replacing a 0600 file", 0o022, 0o600, []string{"audit", "--snapshot", snap, "-o"}, 0o600},
		{"report replacing a 0664 file, umask 077", 0o077, 0o664, []string{"audit", "--snapshot", snap, "-o"}, 0o664},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "out.json")
			if tc.existing != 0 {
				if err := os.WriteFile(target, []byte("{}"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(target, tc.existing); err != nil {
					t.Fatal(err)
				}
			}
			old := syscall.Umask(tc.umask)
			code, _, stderr := dgaudit(t, append(tc.args, target)...)
			syscall.Umask(old)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			st, err := os.Stat(target)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != tc.want {
				t.Errorf("mode %#o, want %#o", got, tc.want)
			}
		})
	}
}
