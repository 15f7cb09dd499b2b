package mailflow_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// returnedMessage is seed 000's case on two servers: a user's message,
// submitted on the mailbox server and sent out, comes back from a
// partner's server to the edge minutes later under its Message-ID.
func returnedMessage() []tracking.Event {
	const user, id = "ceo@internal.com", "<board-1@internal.com>"
	at := start.Add(2 * time.Hour)
	return []tracking.Event{
		{Time: at, EventID: "SUBMIT", Source: "STOREDRIVER", ServerHostname: "MBX1", Sender: user, MessageID: id, Subject: "Board pack"},
		{Time: at.Add(time.Second), EventID: "SEND", Source: "SMTP", ClientHostname: "EDGE1", ServerHostname: "mx.partner.example", ServerIP: "192.0.2.80",
			Sender: user, ReturnPath: user, Recipients: []string{"list@partner.example"}, MessageID: id, Subject: "Board pack", Directionality: "Originating"},
		{Time: at.Add(3 * time.Minute), EventID: "RECEIVE", Source: "SMTP", ClientIP: "192.0.2.80", ClientHostname: "mx.partner.example", ServerHostname: "EDGE1",
			Sender: user, ReturnPath: user, Recipients: []string{"cfo@internal.com"}, MessageID: id, Subject: "Board pack", Directionality: "Incoming"},
	}
}

// Get-TransportService | Get-MessageTrackingLog | Export-Csv writes one
// server's rows after another's. Read in file order, the edge's SENDs come
// before the hub's expansions they belong to (the remote servers a loop
// reached were lost) and a message's return before its submission (it was
// counted as forged); read as runs merged by time, the evidence is the one
// a time-ordered export gives, whichever server comes first, and so it is
// from an export per server, and from a folder of one per server and day.
func TestExportOfSeveralServersGivesTheSameEvidence(t *testing.T) {
	evs := append(seed001(6), returnedMessage()...)
	var edge, rest []tracking.Event
	for _, e := range evs {
		if e.EventID == "SEND" || e.ServerHostname == "EDGE1" {
			edge = append(edge, e)
		} else {
			rest = append(rest, e)
		}
	}
	inOrder := slices.Clone(evs)
	slices.SortStableFunc(inOrder, func(a, b tracking.Event) int { return a.Time.Compare(b.Time) })
	dir := t.TempDir()
	export := func(name string, evs []tracking.Event) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := trackingtest.WriteTrackingCSV(f, evs); err != nil {
			t.Fatal(err)
		}
		return path
	}
	evidence := func(tr *audit.Traffic) string {
		tr.Input = audit.TrafficInput{}
		b, err := json.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cfg := mailflow.Config{Interval: 10 * time.Minute}
	want := analyse(t, cfg, export("in-order.csv", inOrder))
	if len(want.Loops) != 1 || len(want.Loops[0].OutboundServers) != 3 || len(want.Spoofing) != 1 || want.Spoofing[0].Returned != 1 {
		t.Fatalf("time-ordered export: loops %+v, spoofing %+v", want.Loops, want.Spoofing)
	}
	wantJSON := evidence(want)
	for name, evs := range map[string][]tracking.Event{
		"edge-first.csv": append(slices.Clone(edge), rest...),
		"edge-last.csv":  append(slices.Clone(rest), edge...),
	} {
		if got := evidence(analyse(t, cfg, export(name, evs))); got != wantJSON {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, wantJSON)
		}
	}
	// A file per server, given in either order.
	edgeFile, restFile := export("edge.csv", edge), export("hub.csv", rest)
	for _, files := range [][]string{{edgeFile, restFile}, {restFile, edgeFile}} {
		if got := evidence(analyse(t, cfg, files...)); got != wantJSON {
			t.Errorf("%v:\n%s\nwant\n%s", files, got, wantJSON)
		}
	}
	// A folder of a file per server and day, listed a server's days
	// first, against the same days in one time-ordered export.
	nextDay := func(evs []tracking.Event) []tracking.Event {
		var out []tracking.Event
		for _, e := range evs[:2] {
			e.Time = e.Time.Add(24 * time.Hour)
			e.MessageID = "<next-" + e.MessageID[1:]
			out = append(out, e)
		}
		return out
	}
	folder := filepath.Join(dir, "per-server-and-day")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	export(filepath.Join("per-server-and-day", "edge-1.csv"), edge)
	export(filepath.Join("per-server-and-day", "edge-2.csv"), nextDay(edge))
	export(filepath.Join("per-server-and-day", "hub-1.csv"), rest)
	export(filepath.Join("per-server-and-day", "hub-2.csv"), nextDay(rest))
	both := append(slices.Clone(inOrder), append(nextDay(edge), nextDay(rest)...)...)
	slices.SortStableFunc(both, func(a, b tracking.Event) int { return a.Time.Compare(b.Time) })
	wantBoth := evidence(analyse(t, cfg, export("both-days.csv", both)))
	files, err := tracking.Expand([]string{folder})
	if err != nil {
		t.Fatal(err)
	}
	if got := evidence(analyse(t, cfg, files...)); got != wantBoth {
		t.Errorf("folder %v:\n%s\nwant\n%s", files, got, wantBoth)
	}
}
