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
)

// serverFolders writes two servers' folders of Exchange 2016 logs under a
// new directory, as an administrator copies them off each server: the edge
// EXEDGE01 takes twelve messages for recipients that do not exist from one
// host on the Internet in the last minute of 10:00 and relays them to the
// mailbox server EXCH01, which fails them and sends the reports back out in
// the first seconds of 11:00, in its next hourly log. EXCH01's folder sorts
// first, as a mailbox server's name often does, and it has a log of 10:00
// too, as any server does.
func serverFolders(t *testing.T) (root, hub, edge string) {
	t.Helper()
	root = t.TempDir()
	hub, edge = filepath.Join(root, "EXCH01"), filepath.Join(root, "EXEDGE01")
	for _, d := range []string{hub, edge} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ten, eleven := time.Date(2026, 3, 5, 10, 59, 0, 0, time.UTC), time.Date(2026, 3, 5, 11, 0, 0, 0, time.UTC)
	hubTen := []tracking.Event{{Time: ten.Add(-30 * time.Minute), EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"ann@corp.example"},
		MessageID: "<ok@corp.example>", ServerHostname: "EXCH01", ServerIP: "10.1.0.10"}}
	var edgeTen, hubEleven []tracking.Event
	for i := range 12 {
		id, sender, nobody := fmt.Sprintf("<m%d@forged.example>", i), fmt.Sprintf("victim%d@forged.example", i), fmt.Sprintf("jhon%d@corp.example", i)
		at, failed := ten.Add(time.Duration(i)*4*time.Second), eleven.Add(time.Duration(i)*time.Second)
		m := tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", Sender: sender, Recipients: []string{nobody},
			Subject: "Invoice", MessageID: id, Directionality: "Incoming"}
		in, send, relayed := m, m, m
		in.ClientHostname, in.ClientIP, in.ServerHostname, in.ServerIP = "mx.spammer.example", "198.51.100.7", "EXEDGE01", "203.0.113.25"
		send.EventID, send.ClientHostname, send.ClientIP, send.ServerHostname, send.ServerIP = "SEND", "exedge01.corp.example", "10.1.0.25", "exch01.corp.example", "10.1.0.10"
		relayed.Time, relayed.ClientHostname, relayed.ClientIP, relayed.ServerHostname, relayed.ServerIP = failed, "exedge01.corp.example", "10.1.0.25", "EXCH01", "10.1.0.10"
		edgeTen = append(edgeTen, in, send)
		hubEleven = append(hubEleven, relayed,
			tracking.Event{Time: failed, EventID: "FAIL", Source: "ROUTING", Recipients: []string{nobody},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, MessageID: id, ServerHostname: "EXCH01", ServerIP: "10.1.0.10"},
			tracking.Event{Time: failed, EventID: "DSN", Source: "DSN", Sender: "postmaster@corp.example", ReturnPath: "<>", Recipients: []string{sender},
				Subject: "Undeliverable: Invoice", MessageID: fmt.Sprintf("<dsn%d@corp.example>", i), Reference: id, ServerHostname: "EXCH01", ServerIP: "10.1.0.10"})
	}
	writeLog(t, hub, "MSGTRK2026030510-1.LOG", hubTen)
	writeLog(t, hub, "MSGTRK2026030511-1.LOG", hubEleven)
	writeLog(t, edge, "MSGTRK2026030510-1.LOG", edgeTen)
	return root, hub, edge
}

// A delivery report is backscatter from the host whose RECEIVE from
// outside took its original in. Whether the logs' parent folder or each
// server's folder is given, trace and scan --tracking read the two servers'
// logs together and name the host on the Internet, though the mailbox
// server's folder, with the reports, sorts first.
func TestTrackingReadsServerFoldersHourByHour(t *testing.T) {
	t.Parallel()
	root, hub, edge := serverFolders(t)
	const want = "backscatter: HIGH 12 delivery reports to external addresses for unknown recipients (at most 12 in one hour), source mx.spammer.example,"
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"trace, the parent folder", []string{"trace", root}},
		{"trace, each server's folder", []string{"trace", hub, edge}},
		{"scan --tracking", []string{"scan", "--demo", "--tracking", root, "--fail-on", "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "r.json")
			args := append(tc.args, "--internal-domain", "corp.example", "-o", out, "--log-level", "error")
			_, _, stderr := dgaudit(t, args...)
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Traffic struct {
					Backscatter []struct {
						Source  string
						Reports int64
					}
				}
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if b := doc.Traffic.Backscatter; len(b) != 1 || b[0].Source != "mx.spammer.example" || b[0].Reports != 12 {
				t.Errorf("backscatter in the report: %+v, want 12 reports from mx.spammer.example", b)
			}
		})
	}
}

// A copy coming back to one server within the hour that another server
// sent its post out is known for the organization's own: the two servers'
// logs are read merged by time, not the first folder's hour before the
// second's.
func TestTrackingMergesServersLogsOfAnHour(t *testing.T) {
	t.Parallel()
	root := returnFolders(t, time.Date(2026, 3, 5, 10, 30, 0, 0, time.UTC))
	for _, args := range [][]string{{root}, {filepath.Join(root, "EXCH01"), filepath.Join(root, "EXCH02")}} {
		_, _, stderr := dgaudit(t, append([]string{"trace"}, append(args, "--internal-domain", "corp.example", "--log-level", "error")...)...)
		if want := "1 messages from outside (all of them its own messages coming back from an outside list or forwarder, each at most once"; !strings.Contains(stderr, want) {
			t.Errorf("trace %v: stderr lacks %q:\n%s", args, want, stderr)
		}
	}
}

// returnFolders writes two mailbox servers' folders: on EXCH02, ann
// submits a post at sent and sends it to a partner's list; on EXCH01,
// which sorts first, the partner's server hands bob's copy back seven
// seconds later, in the log of that hour. Read folder after folder, the
// copy coming back is read before the post went out, and looks forged.
func returnFolders(t *testing.T, sent time.Time) (root string) {
	t.Helper()
	root = t.TempDir()
	one, two := filepath.Join(root, "EXCH01"), filepath.Join(root, "EXCH02")
	for _, d := range []string{one, two} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const id = "<post.1@corp.example>"
	logName := func(at time.Time) string { return at.Format("MSGTRK2006010215") + "-1.LOG" }
	writeLog(t, two, logName(sent), []tracking.Event{
		{Time: sent, EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ann@corp.example", MessageID: id, ServerHostname: "EXCH02", Subject: "Lunch"},
		{Time: sent.Add(time.Second), EventID: "SEND", Source: "SMTP", ClientHostname: "EXCH02", ClientIP: "10.1.0.12",
			ServerHostname: "mx.partner.example", ServerIP: "198.51.100.20", Sender: "ann@corp.example", Recipients: []string{"list@partner.example"}, MessageID: id},
	})
	back := sent.Add(7 * time.Second)
	writeLog(t, one, logName(back), []tracking.Event{
		{Time: back.Add(-time.Minute), EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"bob@corp.example"}, MessageID: "<other@corp.example>", ServerHostname: "EXCH01"},
		{Time: back, EventID: "RECEIVE", Source: "SMTP", ClientHostname: "mx.partner.example", ClientIP: "198.51.100.20",
			ServerHostname: "EXCH01", ServerIP: "10.1.0.11", Sender: "ann@corp.example", Recipients: []string{"bob@corp.example"},
			Subject: "Lunch", MessageID: id, Directionality: "Incoming"},
	})
	return root
}

// A copy coming back to one server of a post another server sent out an
// hour before is known for the organization's own message: the two
// servers' logs are read together by time, not the first folder's whole
// log before the second's. A file not named as Exchange names its logs,
// found among them, is read after them, and the command says so.
func TestTrackingFoldersReturnsAndStrayFiles(t *testing.T) {
	t.Parallel()
	// Posted at 10:59:58, back at 11:00:05, in the next hour's log.
	root := returnFolders(t, time.Date(2026, 3, 5, 10, 59, 58, 0, time.UTC))
	const back = "1 messages from outside (all of them its own messages coming back from an outside list or forwarder, each at most once"
	const warning = "a tracking file among Exchange's logs is read after all of them"
	// The post coming back once is mail working, listed as info: the run
	// passes the default --fail-on.
	code, _, stderr := dgaudit(t, "trace", root, "--internal-domain", "corp.example", "--log-level", "warn")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, back) || strings.Contains(stderr, warning) {
		t.Errorf("stderr lacks %q, or warns of a stray file:\n%s", back, stderr)
	}
	// Notes in the first server's folder, named between its logs and the
	// second's.
	stray := writeLog(t, filepath.Join(root, "EXCH01"), "notes.log", nil)
	_, _, stderr = dgaudit(t, "trace", root, "--internal-domain", "corp.example", "--log-level", "warn")
	if !strings.Contains(stderr, back) {
		t.Errorf("with a stray file, stderr lacks %q:\n%s", back, stderr)
	}
	if !strings.Contains(stderr, warning) || !strings.Contains(stderr, stray) {
		t.Errorf("stderr lacks the warning naming %s:\n%s", stray, stderr)
	}
}

// A loop through a group, logged by an edge (RECEIVE from the Internet,
// SEND back out) and a hub (RECEIVE from the edge, EXPAND, DELIVER, SEND
// to the edge), with the edge's folder given first: the remote server the
// group's expansions went to is named, which it is only when the edge's
// SEND rows are read after the hub's expansions they follow.
func TestTrackingLoopAcrossEdgeAndHub(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	edge, hub := filepath.Join(root, "edge"), filepath.Join(root, "hub")
	for _, d := range []string{edge, hub} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const list = "closures@corp.example"
	start := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	members := []string{"stale@gone.example", "ann@corp.example"}
	subj := "Closure notice"
	var edgeRows, hubRows []tracking.Event
	for i := range 6 {
		at := start.Add(time.Duration(i) * time.Minute)
		from, rp := "news@external.example", "news@external.example"
		if i > 0 {
			subj = "Undeliverable: " + subj
			from, rp = "postmaster@gone.example", "<>"
		}
		id := fmt.Sprintf("<m%d@x>", i)
		s := time.Second
		edgeRows = append(edgeRows,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.20", ClientHostname: "mx.gone.example", ServerHostname: "EDGE01", ServerIP: "203.0.113.25",
				Sender: from, ReturnPath: rp, Recipients: []string{list}, Subject: subj, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at.Add(s), EventID: "SEND", Source: "SMTP", ClientHostname: "EDGE01", ClientIP: "10.1.0.25", ServerHostname: "EXCH01", ServerIP: "10.1.0.10",
				Sender: from, ReturnPath: rp, Recipients: []string{list}, Subject: subj, MessageID: id},
			tracking.Event{Time: at.Add(4 * s), EventID: "RECEIVE", Source: "SMTP", ClientHostname: "EXCH01", ClientIP: "10.1.0.10", ServerHostname: "EDGE01", ServerIP: "10.1.0.25",
				Sender: from, ReturnPath: rp, Recipients: members[:1], Subject: subj, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at.Add(5 * s), EventID: "SEND", Source: "SMTP", ClientHostname: "EDGE01", ClientIP: "203.0.113.25", ServerHostname: "mx.gone.example", ServerIP: "198.51.100.20",
				Sender: from, ReturnPath: rp, Recipients: members[:1], Subject: subj, MessageID: id},
		)
		hubRows = append(hubRows,
			tracking.Event{Time: at.Add(2 * s), EventID: "RECEIVE", Source: "SMTP", ClientHostname: "EDGE01", ClientIP: "10.1.0.25", ServerHostname: "EXCH01", ServerIP: "10.1.0.10",
				Sender: from, ReturnPath: rp, Recipients: []string{list}, Subject: subj, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at.Add(3 * s), EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: list, Sender: from, ReturnPath: rp, Recipients: members, Subject: subj, MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at.Add(3 * s), EventID: "DELIVER", Source: "STOREDRIVER", Sender: from, Recipients: members[1:], Subject: subj, MessageID: id},
			tracking.Event{Time: at.Add(3 * s), EventID: "SEND", Source: "SMTP", ClientHostname: "EXCH01", ClientIP: "10.1.0.10", ServerHostname: "EDGE01", ServerIP: "10.1.0.25",
				Sender: from, ReturnPath: rp, Recipients: members[:1], Subject: subj, MessageID: id},
		)
	}
	writeLog(t, edge, "MSGTRK2026030509-1.LOG", edgeRows)
	writeLog(t, hub, "MSGTRK2026030509-1.LOG", hubRows)
	out := filepath.Join(t.TempDir(), "t.json")
	_, _, stderr := dgaudit(t, "trace", edge, hub, "--internal-domain", "corp.example", "-o", out, "--log-level", "error")
	var doc struct {
		Traffic struct {
			Loops []struct {
				Group           string
				OutboundServers []struct{ Address string }
			}
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	loops := doc.Traffic.Loops
	if len(loops) != 1 || loops[0].Group != list || len(loops[0].OutboundServers) != 1 || loops[0].OutboundServers[0].Address != "mx.gone.example" {
		t.Errorf("loops %+v, want one through %s going out to mx.gone.example\n%s", loops, list, stderr)
	}
}
