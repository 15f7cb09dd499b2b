package tracking_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/tracking"
)

// A busy Exchange 2013+ server's folder: the transport service rolls its
// log over at the size limit many times a day, and mailbox submission and
// delivery write logs of their own. Reading them in plain name order would
// put -10 before -2 and a day's deliveries after every later transport log.
func TestExpandReadsExchangeLogsInTimeOrder(t *testing.T) {
	dir := t.TempDir()
	names := []string{
		"MSGTRK2026030100-1.LOG", "MSGTRK2026030100-2.LOG", "MSGTRK2026030100-10.LOG",
		"MSGTRKMD2026030100-1.LOG", "MSGTRKMS2026030100-1.LOG", "MSGTRKMA2026030100-1.LOG",
		"MSGTRK2026030200-1.LOG", "MSGTRKMD2026030200-1.LOG.gz", "msgtrk2026030100-3.log",
		"MSGTRK20100301-1.LOG", "export.csv", "MSGTRK-notes.log",
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, err := tracking.Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	want := []string{
		"MSGTRK-notes.log",
		"MSGTRK20100301-1.LOG",
		"MSGTRKMS2026030100-1.LOG", "MSGTRK2026030100-1.LOG", "MSGTRKMD2026030100-1.LOG", "MSGTRKMA2026030100-1.LOG",
		"MSGTRK2026030100-2.LOG", "msgtrk2026030100-3.log", "MSGTRK2026030100-10.LOG",
		"MSGTRK2026030200-1.LOG", "MSGTRKMD2026030200-1.LOG.gz",
		"export.csv",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}
