package tracking_test

import (
	"os"
	"path/filepath"
	"strings"
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

	// A wildcard path, as a Windows shell passes it on, is read as the
	// folder is: the logs it matches in time order, its folders' logs.
	if err := os.Mkdir(filepath.Join(dir, "MSGTRK-archive"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "MSGTRK-archive", "old.log"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "MSGTRK-readme.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	files, err = tracking.Expand([]string{filepath.Join(dir, "MSGTRK*")})
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		got = append(got, filepath.ToSlash(rel))
	}
	want = []string{
		"MSGTRK-notes.log",
		"MSGTRK20100301-1.LOG",
		"MSGTRKMS2026030100-1.LOG", "MSGTRK2026030100-1.LOG", "MSGTRKMD2026030100-1.LOG", "MSGTRKMA2026030100-1.LOG",
		"MSGTRK2026030100-2.LOG", "MSGTRK2026030100-10.LOG",
		"MSGTRK2026030200-1.LOG", "MSGTRKMD2026030200-1.LOG.gz",
		"MSGTRK-archive/old.log",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pattern order (-want +got):\n%s", d)
	}
	for _, bad := range []string{filepath.Join(dir, "nothing*.LOG"), filepath.Join(dir, "MSGTRK-readme.tx?")} {
		if _, err := tracking.Expand([]string{bad}); err == nil || !strings.Contains(err.Error(), "no .log, .csv or .gz file matches it") {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}

// Two servers' folders are read hour by hour together, each folder's files
// of an hour by roll-over number and service; files without an Exchange
// log name keep their order, before or after the logs.
func TestInterleaveReadsServersHourByHour(t *testing.T) {
	edge := []string{"edge/MSGTRK2026030100-1.LOG", "edge/MSGTRK2026030100-2.LOG", "edge/MSGTRK2026030101-1.LOG", "edge/MSGTRK2026030102-1.LOG"}
	hub := []string{"hub/MSGTRKMS2026030100-1.LOG", "hub/MSGTRK2026030100-1.LOG", "hub/MSGTRK2026030101-1.LOG", "hub/MSGTRKMD2026030101-1.LOG"}
	got, moved := tracking.Interleave(append(append([]string{}, edge...), hub...))
	want := []string{
		"edge/MSGTRK2026030100-1.LOG", "edge/MSGTRK2026030100-2.LOG", "hub/MSGTRKMS2026030100-1.LOG", "hub/MSGTRK2026030100-1.LOG",
		"edge/MSGTRK2026030101-1.LOG", "hub/MSGTRK2026030101-1.LOG", "hub/MSGTRKMD2026030101-1.LOG",
		"edge/MSGTRK2026030102-1.LOG",
	}
	if diff := cmp.Diff(want, got); diff != "" || moved != "" {
		t.Errorf("order (-want +got):\n%s; moved %q", diff, moved)
	}
	// Exports keep their place before or after the logs; one given among
	// them goes after them, and is named.
	mixed := append(append([]string{"exports/early.csv"}, edge[2], edge[0]), "exports/trace.csv", edge[1], "other/notes.log")
	wantMixed := []string{"exports/early.csv", edge[0], edge[1], edge[2], "exports/trace.csv", "other/notes.log"}
	if got, moved := tracking.Interleave(mixed); !cmp.Equal(got, wantMixed) || moved != "exports/trace.csv" {
		t.Errorf("with exports: %v, moved %q", got, moved)
	}
	if got, moved := tracking.Interleave(edge); !cmp.Equal(got, edge) || moved != "" {
		t.Errorf("one folder: %v, moved %q", got, moved)
	}
	// One folder's logs named one by one, as a shell lists them.
	shell := []string{"logs/MSGTRK2026030100-1.LOG", "logs/MSGTRK2026030100-10.LOG", "logs/MSGTRK2026030100-2.LOG",
		"logs/MSGTRK2026030101-1.LOG", "logs/MSGTRKMD2026030100-1.LOG", "logs/MSGTRKMS2026030101-1.LOG"}
	wantShell := []string{"logs/MSGTRK2026030100-1.LOG", "logs/MSGTRKMD2026030100-1.LOG", "logs/MSGTRK2026030100-2.LOG",
		"logs/MSGTRK2026030100-10.LOG", "logs/MSGTRKMS2026030101-1.LOG", "logs/MSGTRK2026030101-1.LOG"}
	if got, _ := tracking.Interleave(shell); !cmp.Equal(got, wantShell) {
		t.Errorf("one folder's logs as a shell lists them:\n%s", cmp.Diff(wantShell, got))
	}
	// An export after every log stays where it was given.
	if _, moved := tracking.Interleave(append(append([]string{}, edge...), "edge/export.csv")); moved != "" {
		t.Errorf("an export after the logs: moved %q", moved)
	}
}

// One folder spelled two ways is one folder: its logs keep their order.
func TestInterleaveKnowsAFolderHoweverSpelled(t *testing.T) {
	got, _ := tracking.Interleave([]string{"./a/MSGTRK2026030510-2.LOG", "a/MSGTRK2026030510-1.LOG", "b/MSGTRK2026030510-1.LOG"})
	want := []string{"a/MSGTRK2026030510-1.LOG", "./a/MSGTRK2026030510-2.LOG", "b/MSGTRK2026030510-1.LOG"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}
