package tracking_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// An edge server's log: it receives from the Internet on one address and
// relays to the hub from another, under its short name on the one and its
// full name on the other.
func edgeRows() []tracking.Event {
	return []tracking.Event{
		{Time: t0, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.66", ClientHostname: "mail.attacker.example", ServerIP: "203.0.113.25", ServerHostname: "EDGE01",
			Sender: "ceo@contoso.com", Recipients: []string{"ann@contoso.com"}, MessageID: "<1@x>", Directionality: "Incoming"},
		{Time: t0, EventID: "SEND", Source: "SMTP", ClientIP: "10.1.0.25", ClientHostname: "EDGE01.contoso.com", ServerIP: "10.1.0.10", ServerHostname: "HUB01.contoso.com",
			Sender: "ceo@contoso.com", Recipients: []string{"ann@contoso.com"}, MessageID: "<1@x>", Directionality: "Incoming"},
		// Past the first RECEIVE and SEND: not read.
		{Time: t0, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.67", ServerIP: "203.0.113.99", ServerHostname: "LATER",
			Sender: "x@partner.example", Recipients: []string{"ann@contoso.com"}, MessageID: "<2@x>", Directionality: "Incoming"},
	}
}

func TestServersAreNamedByTheirFirstRows(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	logOf := func(fields []string, evs []tracking.Event) []byte {
		t.Helper()
		var b bytes.Buffer
		lw, err := trackingtest.NewLogWriter(&b, fields, t0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range evs {
			lw.Write(&evs[i])
		}
		lw.Flush()
		return b.Bytes()
	}
	edge := logOf(trackingtest.Fields2013, edgeRows())
	hub := logOf(trackingtest.Fields2010, []tracking.Event{
		{Time: t0, EventID: "RECEIVE", Source: "SMTP", ClientIP: "10.1.0.25", ClientHostname: "EDGE01.contoso.com", ServerIP: "10.1.0.10", ServerHostname: "HUB01",
			Sender: "ceo@contoso.com", Recipients: []string{"ann@contoso.com"}, MessageID: "<1@x>"},
	})
	// A mailbox server that delivers for longer than the scan reads before
	// it first receives: the scan stops unnamed rather than read on.
	var busy []tracking.Event
	for range 100 {
		busy = append(busy, tracking.Event{Time: t0, EventID: "DELIVER", Source: "STOREDRIVER", ServerHostname: "MBX01", Recipients: []string{"ann@contoso.com"}, MessageID: "<d@x>"})
	}
	busy = append(busy, tracking.Event{Time: t0, EventID: "RECEIVE", Source: "SMTP", ServerHostname: "MBX01", ServerIP: "10.1.0.30", Recipients: []string{"ann@contoso.com"}, MessageID: "<r@x>"})
	var export bytes.Buffer
	if err := trackingtest.WriteTrackingCSV(&export, edgeRows()[:2]); err != nil {
		t.Fatal(err)
	}
	// Get-TransportService | Get-MessageTrackingLog: the edge's rows, then
	// the hub's of the same hour.
	hubRow := tracking.Event{Time: t0.Add(-time.Hour), EventID: "RECEIVE", Source: "SMTP", ClientIP: "10.1.0.25", ClientHostname: "EDGE01.contoso.com",
		ServerIP: "10.1.0.10", ServerHostname: "HUB01", Sender: "ceo@contoso.com", Recipients: []string{"ann@contoso.com"}, MessageID: "<1@x>"}
	var both bytes.Buffer
	if err := trackingtest.WriteTrackingCSV(&both, append(edgeRows()[:2], hubRow)); err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	if err := trackingtest.WriteTraceCSV(&trace, []trackingtest.TraceRow{{Received: t0, Sender: "a@contoso.com", Recipient: "b@partner.example", Status: "Delivered", FromIP: "10.9.9.9", ToIP: "198.51.100.1", MessageID: "<t@x>"}}); err != nil {
		t.Fatal(err)
	}
	edgeNames := []string{"10.1.0.25", "203.0.113.25", "edge01", "edge01.contoso.com"}
	for _, tc := range []struct {
		name  string
		files []string
		want  []string
	}{
		{"edge log", []string{write("MSGTRK2026030510-1.LOG", edge)}, edgeNames},
		{"edge and hub, the hub gzip-compressed", []string{write("edge.LOG", edge), write("hub.LOG.gz", gzipped(hub))},
			[]string{"10.1.0.10", "10.1.0.25", "203.0.113.25", "edge01", "edge01.contoso.com", "hub01"}},
		{"first rows only", []string{write("busy.LOG", logOf(trackingtest.Fields2013, busy))}, []string{}},
		{"Get-MessageTrackingLog export", []string{write("export.csv", export.Bytes())}, edgeNames},
		{"export of two servers", []string{write("both.csv", both.Bytes())},
			[]string{"10.1.0.10", "10.1.0.25", "203.0.113.25", "edge01", "edge01.contoso.com", "hub01"}},
		{"Exchange Online trace names none", []string{write("trace.csv", trace.Bytes())}, []string{}},
		{"a missing file names none", []string{filepath.Join(dir, "missing.LOG")}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tracking.Servers(context.Background(), tc.files)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("servers %q, want %q", got, tc.want)
			}
		})
	}
}

func TestServersStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "edge.LOG")
	writeLog(t, path, trackingtest.Fields2013, edgeRows())
	if _, err := tracking.Servers(ctx, []string{path}); err != context.Canceled {
		t.Errorf("error %v, want context.Canceled", err)
	}
}
