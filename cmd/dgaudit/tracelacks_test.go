package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// PowerShell's Export-Csv writes a list as its type name: an export of
// Get-MessageTrackingLog without the recipients joined holds none. The
// reports for unknown recipients it holds cannot be counted, so the run is
// incomplete (exit 4, a gap, complete false), where it said complete and
// exited 0 with a backscatter attack in the file.
func TestTraceExportWithoutRecipientsIsIncomplete(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := filepath.Join(dir, "tracking.csv")
	rows := []string{`#TYPE Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent`,
		`"Timestamp","EventId","Source","Sender","Recipients","MessageSubject","MessageId"`}
	for i := range 3 {
		rows = append(rows, `"2026-03-05T10:00:0`+string(rune('0'+i))+`Z","DSN","DSN","","System.String[]","Undeliverable: hi","<m`+string(rune('0'+i))+`@x>"`)
	}
	if err := os.WriteFile(csv, []byte(strings.Join(rows, "\r\n")+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "trace.json")
	code, _, stderr := dgaudit(t, "trace", csv, "-o", out)
	if code != exitGaps {
		t.Errorf("exit %d, want %d\n%s", code, exitGaps, stderr)
	}
	if want := "exit 4: some tracking files lack recipients, exported as System.String[]"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	var doc struct {
		Complete *bool
		Coverage struct {
			Gaps []struct{ What, Object, Reason string }
		}
		Traffic struct {
			Input struct{ Files []struct{ Lacks []string } }
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Complete == nil || *doc.Complete || len(doc.Coverage.Gaps) != 1 || doc.Coverage.Gaps[0].What != "tracking log fields" || doc.Coverage.Gaps[0].Object != csv {
		t.Errorf("complete %v, gaps %+v", doc.Complete, doc.Coverage.Gaps)
	}
	if f := doc.Traffic.Input.Files; len(f) != 1 || len(f[0].Lacks) != 1 || !strings.HasPrefix(f[0].Lacks[0], "recipients") {
		t.Errorf("files %+v", f)
	}
}
