package mailflow_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

var start = time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)

// logFile writes events as one MSGTRK log with the given #Fields.
func logFile(t *testing.T, dir, name string, fields []string, evs []tracking.Event) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := trackingtest.WriteLogFile(path, fields, evs); err != nil {
		t.Fatal(err)
	}
	return path
}

// analyse reads the files back through the tracking reader and returns the
// evidence.
func analyse(t *testing.T, cfg mailflow.Config, files ...string) *audit.Traffic {
	t.Helper()
	a := mailflow.New(cfg)
	st, err := tracking.Read(context.Background(), files, tracking.Options{}, func(e *tracking.Event) error {
		a.Add(e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Malformed != 0 || st.Failed != 0 {
		t.Fatalf("fixture did not read cleanly: %+v", st)
	}
	return a.Result(st)
}

// seed001 rebuilds the incident of seed 001 on Exchange 2010: an external
// sender writes to a list of mostly external contacts; the list rewrites the
// return path to its own address on TRANSFER; two stale contacts bounce, the
// bounces go to the list, which expands them to every member again, and each
// round doubles.
func seed001(rounds int) []tracking.Event {
	const dl = "distributionlist@internal.com"
	members := []string{"paul@practical365.com", "stale1@gone.example", "old@defunct-partner.example", "alice@internal.com"}
	ext := members[:3]
	remote := map[string][2]string{
		"stale1@gone.example":         {"mx.gone.example", "198.51.100.20"},
		"old@defunct-partner.example": {"mail.defunct-partner.example", "198.51.100.30"},
	}
	var evs []tracking.Event
	n := 0
	// deliver adds the rows of one message to the list at time t.
	deliver := func(t time.Time, sender, rp, subject, client, clientIP string) {
		n++
		id := fmt.Sprintf("<msg%d@%s>", n, strings.SplitN(sender, "@", 2)[1])
		evs = append(evs,
			tracking.Event{Time: t, EventID: "RECEIVE", Source: "SMTP", ClientIP: clientIP, ClientHostname: client, ServerHostname: "HTSERVER1",
				Sender: sender, ReturnPath: rp, Recipients: []string{dl}, Subject: subject, MessageID: id},
			tracking.Event{Time: t.Add(time.Second), EventID: "EXPAND", Source: "ROUTING", ServerHostname: "HTSERVER1", RelatedRecipient: dl,
				RecipientStatus: []string{"250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded"},
				Sender:          sender, ReturnPath: rp, Recipients: members, Subject: subject, MessageID: id},
			tracking.Event{Time: t.Add(2 * time.Second), EventID: "TRANSFER", Source: "ROUTING", ServerHostname: "HTSERVER1",
				Sender: sender, ReturnPath: dl, Recipients: ext, Subject: subject, MessageID: id},
			tracking.Event{Time: t.Add(2 * time.Second), EventID: "DELIVER", Source: "STOREDRIVER", ServerHostname: "HTSERVER1",
				Sender: sender, ReturnPath: rp, Recipients: []string{"alice@internal.com"}, Subject: subject, MessageID: id},
		)
		for _, m := range ext {
			host := "mx." + strings.SplitN(m, "@", 2)[1]
			evs = append(evs, tracking.Event{Time: t.Add(3 * time.Second), EventID: "SEND", Source: "SMTP", ServerHostname: host, ServerIP: "192.0.2.1",
				ClientHostname: "ETSERVER1", Sender: sender, ReturnPath: dl, Recipients: []string{m}, Subject: subject, MessageID: id})
		}
	}
	deliver(start, "sender@externalcompany.com", "sender@externalcompany.com", "Quarterly figures", "mx.externalcompany.com", "203.0.113.10")
	subjects := []string{"Quarterly figures"}
	for r := 1; r <= rounds; r++ {
		var next []string
		for i, s := range subjects {
			for _, stale := range []string{"stale1@gone.example", "old@defunct-partner.example"} {
				h := remote[stale]
				at := start.Add(time.Duration(r)*10*time.Minute + time.Duration(i)*time.Second)
				deliver(at, "postmaster@"+strings.TrimPrefix(h[0], "mx."), "<>", "Undeliverable: "+s, h[0], h[1])
				next = append(next, "Undeliverable: "+s)
			}
		}
		subjects = next
	}
	return evs
}

func TestSeed001ListLoop(t *testing.T) {
	dir := t.TempDir()
	evs := seed001(6)
	// Two hub servers' logs, split in the middle, as an admin would copy them.
	half := len(evs) / 2
	f1 := logFile(t, dir, "MSGTRK20260305-1.LOG", trackingtest.Fields2010, evs[:half])
	f2 := logFile(t, dir, "MSGTRK20260305-2.LOG", trackingtest.Fields2010, evs[half:])
	tr := analyse(t, mailflow.Config{Interval: 10 * time.Minute}, f1, f2)

	if len(tr.Loops) != 1 {
		t.Fatalf("loops: %+v", tr.Loops)
	}
	l := tr.Loops[0]
	if l.Group != "distributionlist@internal.com" || l.Severity != audit.Critical {
		t.Errorf("loop %s severity %v", l.Group, l.Severity)
	}
	for _, s := range []string{"re-expansion", "nested-subject", "null-return-path", "return-path-rewrite"} {
		if !slices.Contains(l.Signals, s) {
			t.Errorf("signal %s missing from %v", s, l.Signals)
		}
	}
	// 2+4+...+64 = 126 bounces came back; the original plus them were
	// expanded to four members each.
	if l.Bounces != 126 || l.Expansions != 127 || l.Delivered != 127*4 {
		t.Errorf("bounces %d expansions %d delivered %d", l.Bounces, l.Expansions, l.Delivered)
	}
	// Six rounds: each reporter's bounces of one round arrive together and
	// count once, however many there are.
	if l.MaxDepth != 6 || l.MaxRounds != 6 || l.LoopingMessages != 1 || l.Amplification != 126*4 {
		t.Errorf("depth %d rounds %d looping %d amplification %v", l.MaxDepth, l.MaxRounds, l.LoopingMessages, l.Amplification)
	}
	var ext []string
	for _, e := range l.External {
		ext = append(ext, e.Address)
	}
	slices.Sort(ext)
	if want := []string{"old@defunct-partner.example", "paul@practical365.com", "stale1@gone.example"}; !slices.Equal(ext, want) {
		t.Errorf("external recipients %v, want %v", ext, want)
	}
	var in []string
	for _, s := range l.InboundServers {
		in = append(in, s.Address)
	}
	if !slices.Contains(in, "mx.gone.example") || !slices.Contains(in, "mail.defunct-partner.example") {
		t.Errorf("inbound servers %v", in)
	}
	// The server of the post that started it, though the group was only
	// learnt from that post's expansion, after its RECEIVE (no directory).
	if !slices.Contains(l.InboundServers, audit.AddressCount{Address: "mx.externalcompany.com", N: 1}) {
		t.Errorf("inbound servers %v lack the first post's, mx.externalcompany.com", l.InboundServers)
	}
	if len(l.OutboundServers) != 3 {
		t.Errorf("outbound servers %v", l.OutboundServers)
	}
	// Rounds are ten minutes apart and double: the last interval is the
	// peak with 64 bounces.
	if l.PeakPerInterval != 64 || !l.PeakAt.Equal(start.Add(60*time.Minute)) || len(l.Timeline) != 6 {
		t.Errorf("peak %d at %v, timeline %v", l.PeakPerInterval, l.PeakAt, l.Timeline)
	}
	if !l.FirstSeen.Equal(start.Add(10*time.Minute+time.Second)) || l.PerHour <= 0 {
		t.Errorf("first seen %v, rate %v", l.FirstSeen, l.PerHour)
	}
	if len(tr.ReturnPathRewrites) != 1 || tr.ReturnPathRewrites[0].Senders[0].Address != "sender@externalcompany.com" &&
		tr.ReturnPathRewrites[0].Senders[len(tr.ReturnPathRewrites[0].Senders)-1].Address != "sender@externalcompany.com" {
		t.Errorf("rewrites %+v", tr.ReturnPathRewrites)
	}
	if len(tr.Spoofing)+len(tr.Backscatter)+len(tr.OOFStorms) != 0 {
		t.Errorf("unexpected evidence: spoofing %+v backscatter %+v oof %+v", tr.Spoofing, tr.Backscatter, tr.OOFStorms)
	}
}

// The same incident read with a directory: the group is named, and a
// Trace-format export of an Exchange Online auto-reply loop is found too.
func TestLoopWithDirectoryAndExchangeOnline(t *testing.T) {
	dir := t.TempDir()
	var rows []trackingtest.TraceRow
	for i := range 8 {
		subj := strings.Repeat("Automatic reply: ", i) + "Project kickoff"
		id := fmt.Sprintf("<t%d@x>", i)
		at := start.Add(time.Duration(i) * time.Minute)
		sender := "organiser@corp.example"
		if i > 0 {
			sender = "away@vendor.example"
		}
		rows = append(rows,
			trackingtest.TraceRow{Received: at, Sender: sender, Recipient: "team@corp.example", Subject: subj, Status: "Expanded", MessageID: id},
			trackingtest.TraceRow{Received: at, Sender: sender, Recipient: "bob@corp.example", Subject: subj, Status: "Delivered", MessageID: id},
			trackingtest.TraceRow{Received: at, Sender: sender, Recipient: "away@vendor.example", Subject: subj, Status: "Delivered", MessageID: id},
		)
	}
	path := filepath.Join(dir, "trace.csv")
	if err := trackingtest.WriteTraceFile(path, rows); err != nil {
		t.Fatal(err)
	}
	cfg := mailflow.Config{
		IsInternal: func(d string) bool { return d == "corp.example" },
		Groups:     []mailflow.Group{{Address: "Team@corp.example", ID: "g1", Name: "Team"}},
	}
	tr := analyse(t, cfg, path)
	if len(tr.Loops) != 1 {
		t.Fatalf("loops %+v", tr.Loops)
	}
	l := tr.Loops[0]
	if l.GroupID != "g1" || l.GroupName != "Team" || l.MaxDepth != 7 || l.Bounces != 7 || l.Delivered != 16 ||
		!slices.Contains(l.Signals, "member-reentry") || !slices.Equal(l.ReentryMembers, []string{"away@vendor.example"}) {
		t.Errorf("loop %+v", l)
	}
	if !tr.Input.GroupsFromDirectory {
		t.Error("GroupsFromDirectory not set")
	}
}

// seed000: an internal address arrives from another organization's server
// (Exchange 2013 logs say Incoming); the same user's real mail is
// Originating and is not reported.
func TestSpoofedInternalSender(t *testing.T) {
	dir := t.TempDir()
	var evs []tracking.Event
	evs = append(evs, tracking.Event{Time: start, EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "anna@contoso.com", Recipients: []string{"x@partner.example"}, MessageID: "<real@contoso.com>", Directionality: "Originating"},
		tracking.Event{Time: start, EventID: "RECEIVE", Source: "SMTP", ClientIP: "10.0.0.5", ClientHostname: "MBX1", Sender: "anna@contoso.com", Recipients: []string{"x@partner.example"}, MessageID: "<real@contoso.com>", Directionality: "Originating"},
		tracking.Event{Time: start, EventID: "DELIVER", Source: "STOREDRIVER", Sender: "x@partner.example", Recipients: []string{"anna@contoso.com"}, MessageID: "<reply@partner.example>", Directionality: "Incoming"})
	for i := range 120 {
		id := fmt.Sprintf("<flood%d@partner-org.example>", i)
		at := start.Add(time.Duration(i) * 30 * time.Second)
		// Logged at the edge and again at the mailbox server: one message.
		for _, srv := range []string{"EDGE1", "MBX1"} {
			evs = append(evs, tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "192.0.2.55", ClientHostname: "mail.partner-org.example",
				ServerHostname: srv, Sender: "anna@contoso.com", ReturnPath: "anna@contoso.com", Recipients: []string{"anna@contoso.com", "colleague@contoso.com"},
				Subject: "Invoice", MessageID: id, Directionality: "Incoming"})
		}
	}
	tr := analyse(t, mailflow.Config{}, logFile(t, dir, "MSGTRK1.LOG", trackingtest.Fields2013, evs))
	if len(tr.Spoofing) != 1 {
		t.Fatalf("spoofing %+v", tr.Spoofing)
	}
	s := tr.Spoofing[0]
	if s.Sender != "anna@contoso.com" || s.Messages != 120 || s.Recipients != 240 || len(s.Clients) != 1 || s.Clients[0].Address != "mail.partner-org.example" ||
		!slices.Equal(s.Subjects, []string{"Invoice"}) {
		t.Errorf("spoofed sender %+v", s)
	}
	if len(tr.Loops) != 0 {
		t.Errorf("loops %+v", tr.Loops)
	}
}

// seed003/004: mail for made-up recipients is accepted, fails with 5.1.1 and
// the server sends delivery reports to the forged senders: backscatter.
func TestBackscatter(t *testing.T) {
	dir := t.TempDir()
	var evs []tracking.Event
	evs = append(evs, tracking.Event{Time: start, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"real@contoso.com"}, MessageID: "<ok@x>"})
	victims := []string{"a@victim1.example", "b@victim2.example", "c@victim1.example"}
	for i := range 90 {
		id := fmt.Sprintf("<spam%d@botnet.example>", i)
		at := start.Add(time.Duration(i) * time.Minute)
		victim := victims[i%3]
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "203.0.113.66", ClientHostname: "bot.botnet.example", Sender: victim, ReturnPath: victim,
				Recipients: []string{fmt.Sprintf("random%d@contoso.com", i)}, Subject: "cheap", MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "FAIL", Source: "ROUTING", Sender: victim, Recipients: []string{fmt.Sprintf("random%d@contoso.com", i)},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, MessageID: id},
			tracking.Event{Time: at.Add(time.Second), EventID: "DSN", Source: "DSN", Sender: "postmaster@contoso.com", ReturnPath: "<>", Recipients: []string{victim},
				Subject: "Undeliverable: cheap", MessageID: fmt.Sprintf("<dsn%d@contoso.com>", i), Reference: id},
		)
	}
	// A DSN for a full mailbox is not backscatter.
	evs = append(evs, tracking.Event{Time: start, EventID: "FAIL", Source: "STOREDRIVER", Recipients: []string{"real@contoso.com"}, RecipientStatus: []string{"554 5.2.2 mailbox full"}, MessageID: "<full@x>"},
		tracking.Event{Time: start, EventID: "DSN", Source: "DSN", Recipients: []string{"friend@partner.example"}, Reference: "<full@x>", MessageID: "<dsnfull@contoso.com>"})
	tr := analyse(t, mailflow.Config{Interval: 30 * time.Minute, IsInternal: func(d string) bool { return d == "contoso.com" }},
		logFile(t, dir, "MSGTRK1.LOG", trackingtest.Fields2013, evs))
	if len(tr.Backscatter) != 1 {
		t.Fatalf("backscatter %+v", tr.Backscatter)
	}
	b := tr.Backscatter[0]
	// 60 of the 90 came in the first clock hour: an attack, not a bounce.
	if b.Source != "bot.botnet.example" || b.Reports != 90 || b.Severity != audit.High || b.PeakPerHour != 60 || len(b.Timeline) != 3 || b.Timeline[0].N != 30 ||
		b.Domains[0] != (audit.AddressCount{Address: "victim1.example", N: 60}) {
		t.Errorf("backscatter %+v", b)
	}
	if len(tr.Spoofing) != 0 {
		t.Errorf("spoofing %+v", tr.Spoofing)
	}
}

// seed002: out-of-office replies bouncing between a user and an external
// autoresponder, in the languages Exchange and Outlook write the prefix
// in (a storm in Portuguese, Swedish, Polish or Japanese went unseen).
func TestOOFStorm(t *testing.T) {
	for _, tc := range []struct{ lang, in, out string }{
		{"en", "Automatic reply: ", "Automatic reply: "},
		{"de", "Automatische Antwort: ", "AW: Automatische Antwort: "},
		{"pt", "Resposta automática: ", "Resposta automática: "},
		{"sv", "Automatiskt svar: ", "Automatiskt svar: "},
		{"pl", "Odpowiedź automatyczna: ", "Odpowiedź automatyczna: "},
		{"cs", "Automatická odpověď: ", "Automatická odpověď: "},
		{"ru", "Автоматический ответ: ", "Автоматический ответ: "},
		{"ja", "自動応答: ", "自動応答: "},
		{"zh", "自动回复: ", "自动回复: "},
		{"ko", "자동 회신: ", "자동 회신: "},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			dir := t.TempDir()
			var evs []tracking.Event
			for i := range 10 {
				at := start.Add(time.Duration(i) * time.Minute)
				evs = append(evs,
					tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.9", ClientHostname: "mx.vendor.example", Sender: "helpdesk@vendor.example",
						ReturnPath: "<>", Recipients: []string{"bob@contoso.com"}, Subject: strings.Repeat(tc.in, i+1) + "Ticket", MessageID: fmt.Sprintf("<in%d@vendor.example>", i), Directionality: "Incoming"},
					tracking.Event{Time: at.Add(time.Second), EventID: "SEND", Source: "SMTP", ServerHostname: "mx.vendor.example", Sender: "bob@contoso.com", ReturnPath: "<>",
						Recipients: []string{"helpdesk@vendor.example"}, Subject: tc.out + "Ticket", MessageID: fmt.Sprintf("<out%d@contoso.com>", i), Directionality: "Originating"},
				)
			}
			tr := analyse(t, mailflow.Config{IsInternal: func(d string) bool { return d == "contoso.com" }}, logFile(t, dir, "MSGTRK1.LOG", trackingtest.Fields2013, evs))
			want := []audit.OOFStorm{{Internal: "bob@contoso.com", External: "helpdesk@vendor.example", Out: 10, In: 10, FirstSeen: start, LastSeen: start.Add(9*time.Minute + time.Second)}}
			if !slices.Equal(tr.OOFStorms, want) {
				t.Errorf("storms %+v", tr.OOFStorms)
			}
		})
	}
}

// Clean traffic: a busy list with repeated subjects, one bounce, one
// out-of-office reply, internal mail and outbound mail: nothing to report.
func TestCleanTrafficStaysClean(t *testing.T) {
	dir := t.TempDir()
	var evs []tracking.Event
	members := []string{"a@contoso.com", "b@contoso.com", "p@partner.example"}
	for i := range 200 {
		at := start.Add(time.Duration(i) * time.Minute)
		subj := fmt.Sprintf("Topic %d", i%20)
		if i%7 == 0 {
			subj = "Weekly update"
		}
		id := fmt.Sprintf("<n%d@contoso.com>", i)
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "STOREDRIVER", Sender: "a@contoso.com", Recipients: []string{"all@contoso.com"}, Subject: subj, MessageID: id, Directionality: "Originating"},
			tracking.Event{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: "all@contoso.com", Sender: "a@contoso.com", ReturnPath: "a@contoso.com", Recipients: members, Subject: subj, MessageID: id, Directionality: "Originating"},
			tracking.Event{Time: at, EventID: "DELIVER", Source: "STOREDRIVER", Sender: "a@contoso.com", Recipients: members[:2], Subject: subj, MessageID: id, Directionality: "Originating"},
			tracking.Event{Time: at, EventID: "SEND", Source: "SMTP", ServerHostname: "mx.partner.example", Sender: "a@contoso.com", ReturnPath: "a@contoso.com", Recipients: members[2:], Subject: subj, MessageID: id, Directionality: "Originating"},
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.1", ClientHostname: "mx.partner.example", Sender: fmt.Sprintf("x%d@partner.example", i%5), Recipients: []string{"b@contoso.com"}, Subject: "RE: " + subj, MessageID: fmt.Sprintf("<r%d@partner.example>", i), Directionality: "Incoming"},
		)
	}
	evs = append(evs,
		tracking.Event{Time: start.Add(time.Hour), EventID: "EXPAND", RelatedRecipient: "all@contoso.com", Sender: "postmaster@partner.example", ReturnPath: "<>", Recipients: members, Subject: "Undeliverable: Weekly update", MessageID: "<ndr1@partner.example>"},
		tracking.Event{Time: start.Add(2 * time.Hour), EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.1", Sender: "p@partner.example", ReturnPath: "<>", Recipients: []string{"a@contoso.com"}, Subject: "Automatic reply: Topic 3", MessageID: "<oof1@partner.example>", Directionality: "Incoming"},
		tracking.Event{Time: start.Add(2 * time.Hour), EventID: "SEND", Source: "SMTP", Sender: "a@contoso.com", ReturnPath: "<>", Recipients: []string{"p@partner.example"}, Subject: "Automatic reply: RE: Topic 3", MessageID: "<oof2@contoso.com>", Directionality: "Originating"},
	)
	for _, fields := range [][]string{trackingtest.Fields2013, trackingtest.Fields2010} {
		tr := analyse(t, mailflow.Config{}, logFile(t, dir, fmt.Sprintf("MSGTRK%d.LOG", len(fields)), fields, evs))
		if len(tr.Loops)+len(tr.ReturnPathRewrites)+len(tr.Spoofing)+len(tr.Backscatter)+len(tr.OOFStorms) != 0 {
			t.Errorf("%d fields: clean traffic reported: loops %+v rewrites %+v spoofing %+v backscatter %+v oof %+v",
				len(fields), tr.Loops, tr.ReturnPathRewrites, tr.Spoofing, tr.Backscatter, tr.OOFStorms)
		}
		if tr.Input.Events != int64(len(evs)) || len(tr.Truncated) != 0 {
			t.Errorf("input %+v truncated %v", tr.Input, tr.Truncated)
		}
	}
}

// Caps bound memory: with tiny caps the counts stay exact and the result
// says what was folded away.
func TestCapsAreReported(t *testing.T) {
	a := mailflow.New(mailflow.Config{MaxKeys: 2, MaxPerGroup: 2, IsInternal: func(d string) bool { return d == "contoso.com" }})
	for i := range 10 {
		a.Add(&tracking.Event{Time: start, EventID: "EXPAND", RelatedRecipient: fmt.Sprintf("g%d@contoso.com", i), Recipients: []string{"x@a.example", "y@b.example", "z@c.example"}, MessageID: fmt.Sprint(i)})
	}
	tr := a.Result(tracking.Stats{})
	if !slices.Equal(tr.Truncated, []string{"external recipients per group", "groups"}) {
		t.Errorf("truncated %v", tr.Truncated)
	}
}
