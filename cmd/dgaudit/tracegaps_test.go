package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// TestTraceGapsNameTheirSource: trace's exit 4 says whether the logs or the
// directory source were incomplete, and the summary lists the directory's
// gaps as it lists unreadable files.
func TestTraceGapsNameTheirSource(t *testing.T) {
	t.Parallel()
	cleanDir := t.TempDir()
	loopLog(t, cleanDir, "closures@corp.example", 1)
	brokenDir := t.TempDir()
	loopLog(t, brokenDir, "closures@corp.example", 1)
	if err := os.WriteFile(filepath.Join(brokenDir, "MSGTRK2.LOG.gz"), []byte{0x1f, 0x8b, 8, 0, 0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	gappy := writeSnapshot(t, dt.New().Mailbox("o").Group("G", []string{"o"}, dt.Closed, dt.Owner("o")).
		Edit(func(s *directory.Snapshot) { s.Coverage.AddGap("group-members", "CN=Big", "server busy") }).Snapshot())
	clean := writeSnapshot(t, cleanSnapshot())

	const filesLine = "some tracking files could not be read to their end"
	const dirLine = "the directory source could not be read in full"
	tests := []struct {
		name       string
		args       []string
		want, lack []string
	}{
		{"directory gap only", []string{"trace", "--snapshot", gappy, cleanDir},
			[]string{"directory gaps: 1 things the directory source could not read", "  group-members CN=Big: server busy", "exit 4: " + dirLine},
			[]string{filesLine, "not read to its end"}},
		{"file gap only", []string{"trace", "--snapshot", clean, brokenDir},
			[]string{"not read to its end: ", "exit 4: " + filesLine},
			[]string{dirLine, "directory gaps"}},
		{"both", []string{"trace", "--snapshot", gappy, brokenDir},
			[]string{"group-members CN=Big: server busy", "not read to its end: ", "exit 4: " + filesLine + " and " + dirLine},
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := dgaudit(t, append(tc.args, "--log-level", "error")...)
			if code != exitGaps {
				t.Errorf("exit %d, want %d\n%s", code, exitGaps, stderr)
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
		})
	}
}
