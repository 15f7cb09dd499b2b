package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// loopLog writes an Exchange 2016 log in which bounces from a stale
// external member come back to list and are expanded again, rounds times,
// plus ordinary mail.
func loopLog(t *testing.T, dir, list string, rounds int) string {
	t.Helper()
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	var evs []tracking.Event
	members := []string{"stale@gone.example", "ann@corp.example"}
	subj := "Closure notice"
	for i := range rounds + 1 {
		at := start.Add(time.Duration(i) * time.Minute)
		from, rp := "news@external.example", "news@external.example"
		if i > 0 {
			subj = "Undeliverable: " + subj
			from, rp = "postmaster@gone.example", "<>"
		}
		id := fmt.Sprintf("<m%d@x>", i)
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.20", ClientHostname: "mx.gone.example", Sender: from, ReturnPath: rp, Recipients: []string{list}, Subject: subj, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: list, Sender: from, ReturnPath: rp, Recipients: members, Subject: subj, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "DELIVER", Source: "STOREDRIVER", Sender: from, Recipients: members[1:], Subject: subj, MessageID: id},
			tracking.Event{Time: at, EventID: "SEND", Source: "SMTP", ServerHostname: "mx.gone.example", Sender: from, ReturnPath: rp, Recipients: members[:1], Subject: subj, MessageID: id},
		)
	}
	return writeLog(t, dir, "MSGTRK20260305-1.LOG", evs)
}

func writeLog(t *testing.T, dir, name string, evs []tracking.Event) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := trackingtest.WriteLogFile(path, trackingtest.Fields2013, evs); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTraceCommand(t *testing.T) {
	t.Parallel()
	loopDir := t.TempDir()
	loopLog(t, loopDir, "closures@corp.example", 5)
	cleanDir := t.TempDir()
	loopLog(t, cleanDir, "closures@corp.example", 1) // one bounce is not a loop
	brokenDir := t.TempDir()
	loopLog(t, brokenDir, "closures@corp.example", 1)
	os.WriteFile(filepath.Join(brokenDir, "MSGTRK2.LOG.gz"), []byte{0x1f, 0x8b, 8, 0, 0, 0}, 0o644)
	out := filepath.Join(t.TempDir(), "trace.json")
	// Three rounds make a high loop, not a critical one.
	highDir := t.TempDir()
	loopLog(t, highDir, "closures@corp.example", 3)
	// A loop whose log has a line that is not a record: the evidence is
	// still found, and the run says it is a lower bound.
	malformedDir := t.TempDir()
	mal := loopLog(t, malformedDir, "closures@corp.example", 5)
	f, err := os.OpenFile(mal, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("2026-03-05T10:00:00.000Z,only,three values\n")
	f.Close()
	// A stray quote opens the first bounce's subject, and two lines that
	// begin no record follow: the value ends at the next row, and the
	// loop is still found, where the value ran to the end of the file.
	strayDir := t.TempDir()
	stray := loopLog(t, strayDir, "closures@corp.example", 5)
	data, err := os.ReadFile(stray)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), ",Undeliverable: Closure notice,", `,"Undeliverable: Closure notice,`, 1)
	i := strings.Index(broken, `"Undeliverable`)
	i += strings.IndexByte(broken[i:], '\n') + 1
	broken = broken[:i] + "not a row\r\n  nor this\r\n" + broken[i:]
	if err := os.WriteFile(stray, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		args   []string
		want   int
		stderr []string
	}{
		{"loop", []string{"trace", loopDir, "-o", out}, exitFindings, []string{
			"loops: 1, worst first\n  CRITICAL closures@corp.example: since 2026-03-05T09:01:00Z",
			"external recipients (1): stale@gone.example (6)",
			"remote servers sending into the group (1): mx.gone.example",
			"exit 1: evidence at or above high"}},
		// Intervals read as words, not as time.Duration's "1h0m0s".
		{"hourly peak", []string{"trace", loopDir, "--log-level", "error"}, exitFindings, []string{"peak 5 per hour at 2026-03-05 09:00;"}},
		{"peak per 90 minutes", []string{"trace", loopDir, "--interval", "90m", "--log-level", "error"}, exitFindings, []string{"peak 5 per 1h30m at "}},
		{"peak per 15 minutes", []string{"trace", loopDir, "--interval", "15m", "--log-level", "error"}, exitFindings, []string{"peak 5 per 15m at "}},
		{"loop at fail-on", []string{"trace", loopDir, "--fail-on", "critical", "--log-level", "error"}, exitFindings, []string{"CRITICAL"}},
		{"loop below fail-on", []string{"trace", highDir, "--fail-on", "critical", "--log-level", "error"}, exitOK, []string{"HIGH closures@corp.example", "exit 0"}},
		{"clean", []string{"trace", cleanDir}, exitOK, []string{"loops: none", "exit 0"}},
		{"unreadable file is a gap", []string{"trace", brokenDir}, exitGaps, []string{"not read to its end: " + filepath.Join(brokenDir, "MSGTRK2.LOG.gz"), "exit 4"}},
		{"malformed lines make the run incomplete", []string{"trace", malformedDir}, exitGaps, []string{"CRITICAL closures@corp.example",
			"1 malformed lines", "exit 4: some tracking lines could not be read"}},
		{"a stray quote costs its record's lines, not the rest", []string{"trace", strayDir}, exitGaps, []string{"CRITICAL closures@corp.example",
			"1 malformed record over 3 lines)", ", a record over 3 lines: quoted value not closed before line", "exit 4: some tracking lines could not be read"}},
		{"strict counts a stray quote's lines", []string{"trace", strayDir, "--strict"}, exitRuntime, []string{"--strict: 1 tracking records over 3 lines could not be read as events"}},
		{"strict turns malformed lines into failure", []string{"trace", malformedDir, "--strict"}, exitRuntime, []string{"--strict: 1 tracking lines could not be read as events"}},
		{"strict turns an unreadable file into failure", []string{"trace", brokenDir, "--strict"}, exitRuntime, []string{"--strict: 1 tracking files could not be read"}},
		{"missing path", []string{"trace", filepath.Join(loopDir, "nope")}, exitRuntime, []string{"no such file"}},
		{"no path", []string{"trace"}, exitUsage, []string{"at least one"}},
		{"bad interval", []string{"trace", loopDir, "--interval", "1s"}, exitUsage, []string{"--interval 1s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := dgaudit(t, tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, stderr)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
	var doc struct {
		Traffic struct {
			Loops []struct {
				Group     string
				MaxRounds int64
				Signals   []string
			}
		}
	}
	data, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Traffic.Loops) != 1 || doc.Traffic.Loops[0].Group != "closures@corp.example" || doc.Traffic.Loops[0].MaxRounds != 5 {
		t.Errorf("traffic section %+v", doc.Traffic)
	}
}

// With --tracking, a group with a live loop goes to the top of the report
// whatever its configuration score, and the summary names it first.
func TestScanWithTracking(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loopLog(t, dir, "office-closures@corp.example", 4)
	out := filepath.Join(t.TempDir(), "report.json")
	code, _, stderr := dgaudit(t, "scan", "--demo", "--tracking", dir, "-o", out, "--fail-on", "none", "--log-level", "error")
	if code != exitGaps && code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(strings.TrimSpace(stderr), "dgaudit: read 1 tracking files") || !strings.Contains(stderr, "LIVE LOOP  Office Closures") {
		t.Errorf("summary does not lead with the loop:\n%s", stderr)
	}
	if i, j := strings.Index(stderr, "HIGH Office Closures <office-closures@corp.example>: since"), strings.Index(stderr, "audited"); i < 0 || i > j {
		t.Errorf("loop not named before the configuration summary:\n%s", stderr)
	}
	var doc struct {
		Groups []struct {
			Name     string
			Risk     string
			Observed *struct {
				Loop    bool
				Signals []string
			}
		}
	}
	data, _ := os.ReadFile(out)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	g := doc.Groups[0]
	if g.Name != "Office Closures" || g.Risk != "critical" || g.Observed == nil || !g.Observed.Loop {
		t.Errorf("first group %+v", g)
	}
	if doc.Groups[1].Observed != nil {
		t.Errorf("second group has evidence: %+v", doc.Groups[1])
	}
	code, _, stderr = dgaudit(t, "scan", "--demo", "--tracking", filepath.Join(dir, "missing"))
	if code != exitRuntime || !strings.Contains(stderr, "missing") {
		t.Errorf("missing tracking path: exit %d %s", code, stderr)
	}
}

// TestScanTrackingAgainstBaseline: the baseline comparison and the summary
// count a live loop. A loop that starts between two runs with logs is a group
// worsened; a run without logs against a baseline that had them compares on
// configuration alone and shows no change.
func TestScanTrackingAgainstBaseline(t *testing.T) {
	t.Parallel()
	quiet, looping := t.TempDir(), t.TempDir()
	loopLog(t, quiet, "office-closures@corp.example", 0)
	loopLog(t, looping, "office-closures@corp.example", 4)
	out := t.TempDir()
	run := func(name, logs, baseline string) (string, changesDoc) {
		t.Helper()
		report := filepath.Join(out, name+".json")
		args := []string{"scan", "--demo", "-o", report, "--fail-on", "none", "--log-level", "error"}
		if logs != "" {
			args = append(args, "--tracking", logs)
		}
		if baseline != "" {
			args = append(args, "--baseline", baseline)
		}
		if code, _, stderr := dgaudit(t, args...); code != exitGaps && code != exitOK {
			t.Fatalf("%s: exit %d\n%s", name, code, stderr)
		}
		data, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		var doc changesDoc
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		return report, doc
	}
	first, _ := run("first", quiet, "")
	second, doc := run("second", looping, first)
	oc := doc.change("Office Closures")
	if doc.Changes.ConfigurationOnly || oc.Change != "worsened" || oc.Score != 100 || oc.PreviousScore >= 100 {
		t.Errorf("loop started: %+v (configuration only %v)", oc, doc.Changes.ConfigurationOnly)
	}
	if doc.Summary.ByBand["critical"] != doc.bands()["critical"] {
		t.Errorf("summary counts %d critical groups, the report lists %d", doc.Summary.ByBand["critical"], doc.bands()["critical"])
	}
	_, doc = run("third", "", second)
	if !doc.Changes.ConfigurationOnly || doc.Changes.Counts["worsened"]+doc.Changes.Counts["improved"] != 0 {
		t.Errorf("without logs against a baseline with a loop: configuration only %v, counts %v", doc.Changes.ConfigurationOnly, doc.Changes.Counts)
	}
}

// changesDoc is the part of a JSON report the baseline tests read.
type changesDoc struct {
	Summary struct{ ByBand map[string]int }
	Groups  []struct{ Name, Risk string }
	Changes struct {
		ConfigurationOnly bool
		Counts            map[string]int
		Groups            []struct {
			Name, Change         string
			Score, PreviousScore int
		}
	}
}

func (d changesDoc) change(name string) (c struct {
	Name, Change         string
	Score, PreviousScore int
}) {
	for _, g := range d.Changes.Groups {
		if g.Name == name {
			return g
		}
	}
	return c
}

func (d changesDoc) bands() map[string]int {
	n := map[string]int{}
	for _, g := range d.Groups {
		n[g.Risk]++
	}
	return n
}

// A trace without a directory says when its logs were read, not year 1, and
// its line formats carry the loop it found.
func TestTraceReportTimesAndLineFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loopLog(t, dir, "closures@corp.example", 5)
	out := t.TempDir()
	before := time.Now().UTC().Add(-time.Second)
	js, jl := filepath.Join(out, "t.json"), filepath.Join(out, "t.jsonl")
	if code, _, stderr := dgaudit(t, "trace", dir, "-o", js, "-o", jl); code != exitFindings {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	raw, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ CollectedAt time.Time }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.CollectedAt.Before(before) {
		t.Errorf("collectedAt %v, want the time of the run", doc.CollectedAt)
	}
	lines, err := os.ReadFile(jl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lines), `"scope":"traffic"`) || !strings.Contains(string(lines), `"rule":"observed-loop","severity":"critical"`) {
		t.Errorf("JSON Lines lack the loop:\n%s", lines)
	}
}
