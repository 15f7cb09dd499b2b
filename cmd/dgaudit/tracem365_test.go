package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/demo"
	"dgaudit/directory/graph/graphtest"
	"dgaudit/directory/tracking/trackingtest"
)

// seed001Trace is the seed 001 incident as Exchange Online message trace
// rows: mail to the list is expanded to its members, the copy to a stale
// external member bounces, and the bounce, sent to the list's address,
// is expanded again, rounds times.
func seed001Trace(start time.Time, list string, rounds int) []trackingtest.TraceRow {
	var rows []trackingtest.TraceRow
	subj := "Closure notice"
	for i := range rounds + 1 {
		at := start.Add(time.Duration(i) * 7 * time.Minute)
		from := "news@external.example"
		if i > 0 {
			subj = "Undeliverable: " + subj
			from = "postmaster@gone.example"
		}
		id, trace := fmt.Sprintf("<m%d@x>", i), fmt.Sprintf("6f1c0c1e-0000-0000-0000-%012d", i)
		rows = append(rows,
			trackingtest.TraceRow{Received: at, Sender: from, Recipient: list, Subject: subj, Status: "Expanded", FromIP: "198.51.100.20", MessageID: id, MessageTraceID: trace, Size: 5120},
			trackingtest.TraceRow{Received: at, Sender: from, Recipient: "ann@corp.example", Subject: subj, Status: "Delivered", FromIP: "198.51.100.20", MessageID: id, MessageTraceID: trace, Size: 5120},
			trackingtest.TraceRow{Received: at, Sender: from, Recipient: "stale@gone.example", Subject: subj, Status: "Delivered", FromIP: "198.51.100.20", ToIP: "203.0.113.9", MessageID: id, MessageTraceID: trace, Size: 5120},
		)
	}
	return rows
}

func graphRows(rows []trackingtest.TraceRow) []graphtest.MessageTrace {
	out := make([]graphtest.MessageTrace, len(rows))
	for i, r := range rows {
		out[i] = graphtest.MessageTrace{ID: r.MessageTraceID, SenderAddress: r.Sender, RecipientAddress: r.Recipient, MessageID: r.MessageID,
			Received: r.Received, Subject: r.Subject, Size: r.Size, FromIP: r.FromIP, ToIP: r.ToIP, Status: r.Status}
	}
	return out
}

// traceEmulator starts the Graph emulator with small message-trace pages
// and returns the trace --m365 flags pointing at it.
func traceEmulator(t *testing.T, rows []graphtest.MessageTrace) (*graphtest.Server, []string) {
	t.Helper()
	srv := graphtest.New(demoSnapshotForTrace(t), graphtest.Options{MaxTracePageSize: 4})
	t.Cleanup(srv.Close)
	srv.SetMessageTraces(rows)
	ca, err := srv.WriteCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o := srv.Options()
	t.Setenv(envClientSecret, o.ClientSecret)
	return srv, []string{"--m365", "--tenant", o.TenantID, "--client-id", o.ClientID,
		"--graph-url", srv.GraphURL, "--authority-host", srv.URL, "--ca-file", ca}
}

// trafficOf reads a JSON report's traffic section without its input
// statistics, which name the files or Graph windows read.
func trafficOf(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Traffic map[string]any `json:"traffic"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Traffic == nil {
		t.Fatalf("%s has no traffic section", path)
	}
	delete(doc.Traffic, "input")
	return doc.Traffic
}

// The seed 001 loop served as Graph message-trace pages, through the real
// sign-in, with a 429 in the middle of the paging, is reported exactly as
// the same rows exported by Get-MessageTraceV2 | Export-Csv.
func TestTraceM365MatchesCSVExport(t *testing.T) {
	start := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)
	rows := seed001Trace(start, "closures@corp.example", 6)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "MessageTrace.csv")
	if err := trackingtest.WriteTraceFile(csvPath, rows); err != nil {
		t.Fatal(err)
	}
	wantOut := filepath.Join(dir, "csv.json")
	wantCode, _, wantErr := dgaudit(t, "trace", csvPath, "-o", wantOut)
	if wantCode != exitFindings || !strings.Contains(wantErr, "closures@corp.example") {
		t.Fatalf("CSV: exit %d, want a loop (exit %d)\n%s", wantCode, exitFindings, wantErr)
	}

	srv, flags := traceEmulator(t, graphRows(rows))
	srv.SetFaults(graphtest.Times(1, func(r graphtest.Request) bool {
		return strings.Contains(r.Path, "/messageTraces") && r.Query.Get("$skiptoken") == "8"
	}, graphtest.Fault{Status: 429, RetryAfter: "1"}))
	gotOut := filepath.Join(dir, "graph.json")
	code, _, stderr := dgaudit(t, append([]string{"trace", "--since", "24h", "-o", gotOut}, flags...)...)
	if code != wantCode {
		t.Fatalf("Graph: exit %d, want the CSV's %d\n%s", code, wantCode, stderr)
	}
	if diff := cmp.Diff(trafficOf(t, wantOut), trafficOf(t, gotOut)); diff != "" {
		t.Errorf("traffic (-csv +graph):\n%s", diff)
	}
	if !strings.Contains(stderr, "dgaudit: read 1 message-trace windows from Microsoft Graph") || !strings.Contains(stderr, "CRITICAL closures@corp.example") {
		t.Errorf("summary does not name the loop:\n%s", stderr)
	}
	st := srv.Stats()
	if st.Faults != 1 || st.TokenRequests == 0 || st.Requests < len(rows)/4+1 {
		t.Errorf("emulator %+v: want the 429 served, a sign-in and every page", st)
	}
	if f := srv.TraceFilters(); len(f) != 1 || !strings.HasPrefix(f[0], "receivedDateTime ge ") {
		t.Errorf("filters %q", f)
	}
	if strings.Contains(stderr, srv.Options().ClientSecret) {
		t.Error("the secret was logged")
	}
	var rep struct {
		Source string `json:"source"`
	}
	data, _ := os.ReadFile(gotOut)
	if err := json.Unmarshal(data, &rep); err != nil || !strings.HasPrefix(rep.Source, "Exchange Online message trace (Microsoft Graph") {
		t.Errorf("report source %q (%v)", rep.Source, err)
	}
}

func TestTraceM365ErrorsAndRanges(t *testing.T) {
	srv, flags := traceEmulator(t, graphRows(seed001Trace(time.Now().UTC().Add(-3*time.Hour), "closures@corp.example", 2)))
	tests := []struct {
		name   string
		args   []string
		fault  graphtest.FaultFunc
		want   int
		stderr []string
	}{
		{"permission missing", append([]string{"trace"}, flags...), graphtest.Times(100, graphtest.Graph("/messageTraces"), graphtest.Fault{Status: 403}),
			exitRuntime, []string{"HTTP 403", "ExchangeMessageTrace.Read.All", "hint: application permissions need admin consent"}},
		{"throttled after rows were read is a gap", append([]string{"trace", "--fail-on", "none"}, flags...), graphtest.Times(100, func(r graphtest.Request) bool {
			return strings.Contains(r.Path, "/messageTraces") && r.Query.Get("$skiptoken") != ""
		}, graphtest.Fault{Status: 503, RetryAfter: "0"}), exitGaps, []string{"4 events", "not read to its end: https://", "HTTP 503", "exit 4"}},
		{"too old", append([]string{"trace", "--since", "2400h"}, flags...), nil, exitUsage, []string{"90 days"}},
		{"90 days exactly", append([]string{"trace", "--since", "2160h", "--fail-on", "none"}, flags...), nil, exitOK, []string{"starts at the 90-day limit", "windows from Microsoft Graph"}},
		{"90 days in days", append([]string{"trace", "--since", "90d", "--fail-on", "none"}, flags...), nil, exitOK, []string{"starts at the 90-day limit"}},
		{"91 days in days", append([]string{"trace", "--since", "90d1h"}, flags...), nil, exitUsage, []string{"90 days"}},
		{"days not a number", append([]string{"trace", "--since", "twod"}, flags...), nil, exitUsage, []string{"whole number of days"}},
		{"since and from", append([]string{"trace", "--since", "1h", "--from", "2026-01-01"}, flags...), nil, exitUsage, []string{"not both"}},
		{"bad from", append([]string{"trace", "--from", "yesterday"}, flags...), nil, exitUsage, []string{`--from "yesterday"`}},
		{"files and m365", append([]string{"trace", "somewhere"}, flags...), nil, exitUsage, []string{"not both"}},
		{"m365 flag without m365", []string{"trace", t.TempDir(), "--since", "1h"}, nil, exitUsage, []string{"--since applies only with --m365"}},
		{"neither", []string{"trace"}, nil, exitUsage, []string{"or --m365"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.SetFaults(tc.fault)
			defer srv.SetFaults(nil)
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
}

func demoSnapshotForTrace(t *testing.T) *directory.Snapshot {
	t.Helper()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// The service promises no order among a message's rows: with the members'
// rows before the Expanded row, the loop is still attributed as the CSV
// export's is (the reader passes a message's Expanded rows on first).
func TestTraceM365ExpandedRowLast(t *testing.T) {
	start := time.Now().UTC().Add(-5 * time.Hour).Truncate(time.Second)
	rows := seed001Trace(start, "closures@corp.example", 6)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "MessageTrace.csv")
	if err := trackingtest.WriteTraceFile(csvPath, rows); err != nil {
		t.Fatal(err)
	}
	wantOut := filepath.Join(dir, "csv.json")
	if code, _, stderr := dgaudit(t, "trace", csvPath, "-o", wantOut); code != exitFindings {
		t.Fatalf("CSV: exit %d\n%s", code, stderr)
	}
	shuffled := slices.Clone(rows)
	for i := 0; i+3 <= len(shuffled); i += 3 {
		slices.Reverse(shuffled[i : i+3]) // Expanded last, across page boundaries (pages of 4)
	}
	_, flags := traceEmulator(t, graphRows(shuffled))
	gotOut := filepath.Join(dir, "graph.json")
	if code, _, stderr := dgaudit(t, append([]string{"trace", "-o", gotOut}, flags...)...); code != exitFindings {
		t.Fatalf("Graph: exit %d\n%s", code, stderr)
	}
	if diff := cmp.Diff(trafficOf(t, wantOut), trafficOf(t, gotOut)); diff != "" {
		t.Errorf("traffic (-csv +graph):\n%s", diff)
	}
}
