package tracking_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/tracking"
)

// A log copied under its name into another folder (its server's logs
// gathered twice) is read once; a log of the same name and size but other
// bytes (another server's) and a copy under another name are read.
func TestReadOnceLeavesOutCopiesUnderTheirName(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	log := strings.Repeat("2026-03-10T08:00:00.000Z,10.0.0.1,EX1,RECEIVE\n", 5000)
	a := write("a/MSGTRK2026031008-1.LOG", log)
	copied := write("b/msgtrk2026031008-1.log", log)
	other := write("c/MSGTRK2026031008-1.LOG", strings.Replace(log, "EX1", "EX2", 1))
	renamed := write("d/MSGTRK2026031008-2.LOG", log)
	kept, skipped := tracking.ReadOnce([]string{a, copied, other, renamed})
	if want := []string{a, other, renamed}; !cmp.Equal(kept, want) {
		t.Errorf("kept %v, want %v", kept, want)
	}
	if len(skipped) != 1 || skipped[0].Path != copied || !strings.HasPrefix(skipped[0].Reason, "a copy of "+a) {
		t.Errorf("skipped %+v", skipped)
	}
}

func TestReadOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("MSGTRK2026030109-1.LOG", "#Fields: a\n")
	aGz := write("MSGTRK2026030109-1.LOG.gz", "compressed a")
	b := write("MSGTRK2026030110-1.LOG", "#Fields: b\n")
	lonelyGz := write("MSGTRK2026030111-1.LOG.gz", "compressed c")
	bLowerGz := write("msgtrk2026030110-1.log.gz", "compressed b") // b's copy, named in another case
	sameSize := write("other.csv", "#Fields: c\n")                 // b's size, another file
	link := filepath.Join(dir, "link.LOG")
	if err := os.Symlink(b, link); err != nil {
		t.Fatal(err)
	}
	pipe := filepath.Join(dir, "MSGTRK2026030112-1.LOG")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	missing := filepath.Join(dir, "gone.LOG")
	bAgain := dir + "/./" + filepath.Base(b) // b spelled another way

	kept, skipped := tracking.ReadOnce([]string{a, aGz, b, bAgain, bLowerGz, lonelyGz, sameSize, link, pipe, missing, a})
	if want := []string{a, b, lonelyGz, sameSize, missing}; !cmp.Equal(kept, want) {
		t.Errorf("kept %v, want %v", kept, want)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[s.Path] = s.Reason
	}
	for path, want := range map[string]string{
		aGz:      "a compressed copy of " + a,
		bLowerGz: "a compressed copy of " + b,
		bAgain:   "the same file as " + b,
		link:     "the same file as " + b,
		pipe:     "not a regular file but a named pipe",
		a:        "the same file as " + a,
	} {
		if !strings.HasPrefix(reasons[path], want) {
			t.Errorf("%s skipped for %q, want %q", path, reasons[path], want)
		}
	}
	if len(skipped) != 6 {
		t.Errorf("skipped %d files, want 6: %+v", len(skipped), skipped)
	}

	// Named on its own, a pipe is an error, not a read that blocks.
	if _, err := tracking.Expand([]string{pipe}); err == nil || !strings.Contains(err.Error(), "a named pipe, not a file") {
		t.Errorf("Expand(pipe) = %v, want an error naming a named pipe", err)
	}
	// In a folder it is listed, for ReadOnce to leave out with the others.
	listed, err := tracking.Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if kept, _ := tracking.ReadOnce(listed); len(kept) != 4 {
		t.Errorf("a folder of three logs, a lone .gz, a copy, a link and a pipe reads %v, want 4 files", kept)
	}
}

// A folder named through a link is read as the folder, where it was a
// folder with no logs (exit 3).
func TestExpandFollowsALinkedFolder(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logs, "MSGTRK2026030109-1.LOG"), []byte("#Fields: a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(logs, link); err != nil {
		t.Fatal(err)
	}
	found, err := tracking.Expand([]string{link})
	if err != nil || len(found) != 1 || !strings.HasSuffix(found[0], "MSGTRK2026030109-1.LOG") {
		t.Errorf("Expand(link) = %v, %v; want the folder's log", found, err)
	}
}
