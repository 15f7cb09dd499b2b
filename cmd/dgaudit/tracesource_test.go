package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/directory"
	"dgaudit/directory/demo"
	"dgaudit/directory/exchange/exotest"
)

// TestTraceUsesEveryOfflineSource: a directory source given to trace names
// the groups and domains; none may be parsed and then dropped.
func TestTraceUsesEveryOfflineSource(t *testing.T) {
	t.Parallel()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	export := t.TempDir()
	if err := exotest.Shape(snap, false).WriteExport(export, exotest.JSON); err != nil {
		t.Fatal(err)
	}
	logs := t.TempDir()
	loopLog(t, logs, "closures@corp.example", 1)
	code, _, stderr := dgaudit(t, "trace", "--exchange-export", export, logs)
	// The export was read: its gaps (the demo's unresolved members) make
	// the trace incomplete, and nothing was inferred from the logs.
	if code != exitGaps || strings.Contains(stderr, "inferred from the logs") || !strings.Contains(stderr, "collected source=exchange-export:"+export) ||
		!strings.Contains(stderr, "exit 4: the directory source could not be read in full") {
		t.Errorf("--exchange-export was ignored: exit %d\n%s", code, stderr)
	}
}

// TestTraceCarriesSnapshotGaps: the snapshot decides internal and
// external, so what it could not read leaves the trace incomplete.
func TestTraceCarriesSnapshotGaps(t *testing.T) {
	t.Parallel()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	snap.Coverage.AddGap(directory.CoverAcceptedDomains, "", "access denied")
	dir := t.TempDir()
	path := filepath.Join(dir, "gap.snapshot.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Write(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	logs := t.TempDir()
	loopLog(t, logs, "closures@corp.example", 1)
	out := filepath.Join(dir, "trace.json")
	code, _, stderr := dgaudit(t, "trace", "--snapshot", path, logs, "-o", out)
	if code != exitGaps {
		t.Fatalf("exit %d, want %d\n%s", code, exitGaps, stderr)
	}
	var rep struct {
		Complete bool               `json:"complete"`
		Coverage directory.Coverage `json:"coverage"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Complete || !rep.Coverage.Has(directory.CoverAcceptedDomains) {
		t.Errorf("complete=%v coverage=%+v: want the snapshot's gap carried into the report", rep.Complete, rep.Coverage)
	}
}

// TestExchangeExportOverridesConfigSource: a source flag replaces the
// config file's source as a whole, --exchange-export included, and the
// file can name an export itself.
func TestExchangeExportOverridesConfigSource(t *testing.T) {
	t.Parallel()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	if err := os.Mkdir(export, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := exotest.Shape(snap, false).WriteExport(export, exotest.JSON); err != nil {
		t.Fatal(err)
	}
	demoCfg := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(demoCfg, []byte("source:\n  demo: true\nfail-on: none\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.json")
	// The report's source says which was read: the demo and its export give
	// the same findings.
	source := func(t *testing.T) string {
		t.Helper()
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Source string }
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Source
	}
	if code, _, stderr := dgaudit(t, "audit", "-c", demoCfg, "--exchange-export", export, "-o", out); code == exitUsage || code == exitRuntime {
		t.Fatalf("flag over a config source: exit %d\n%s", code, stderr)
	}
	if got := source(t); got != "exchange-export:"+export {
		t.Errorf("flag over a config source read %q", got)
	}
	exCfg := filepath.Join(dir, "export.yaml")
	if err := os.WriteFile(exCfg, []byte("source:\n  exchange-export: export\nfail-on: none\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := dgaudit(t, "config", "check", exCfg); code != exitOK || !strings.Contains(stdout+stderr, "source exchange-export") {
		t.Fatalf("config check: exit %d\n%s%s", code, stdout, stderr)
	}
	os.Remove(out)
	if code, _, stderr := dgaudit(t, "audit", "-c", exCfg, "-o", out); code == exitUsage || code == exitRuntime {
		t.Fatalf("config exchange-export: exit %d\n%s", code, stderr)
	}
	if got := source(t); got != "exchange-export:"+export {
		t.Errorf("config exchange-export read %q", got)
	}
}
