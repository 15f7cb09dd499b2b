package mailflow_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// post is an ordinary post to roundsList by an internal sender: its
// submission and the list's EXPAND of it, to members that include outside
// responders.
func post(at time.Time, n int, sender, subject string) []tracking.Event {
	id := fmt.Sprintf("<post%d@contoso.com>", n)
	members := []string{"ann@contoso.com", "away@partner.example", "support@vendor.example", "desk@third.example"}
	return []tracking.Event{
		{Time: at, EventID: "RECEIVE", Source: "STOREDRIVER", Sender: sender, ReturnPath: sender,
			Recipients: []string{roundsList}, Subject: subject, MessageID: id, Directionality: "Originating"},
		{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: roundsList, Sender: sender, ReturnPath: sender,
			Recipients: members, Subject: subject, MessageID: id, Directionality: "Originating"},
	}
}

// answered is posts separate posts of subject every spacing, from the
// senders in turn, each answered once, delay later, by every responder with
// prefix in front of the subject (or replacing it, when prefix is a whole
// subject). It returns the posts' rows and the answers' rows apart.
func answered(posts int, spacing, delay time.Duration, senders, responders []string, prefix, subject string) (ps, as []tracking.Event) {
	for i := range posts {
		at := start.Add(time.Duration(i) * spacing)
		ps = append(ps, post(at, i, senders[i%len(senders)], subject)...)
		for j, r := range responders {
			as = append(as, report(at.Add(delay+time.Duration(j)*time.Second), i*10+j, r, prefix+subject)...)
		}
	}
	return ps, as
}

// byTime merges rows by time, posts before answers at the same time.
func byTime(parts ...[]tracking.Event) []tracking.Event {
	var evs []tracking.Event
	for _, p := range parts {
		evs = append(evs, p...)
	}
	slices.SortStableFunc(evs, func(a, b tracking.Event) int { return a.Time.Compare(b.Time) })
	return evs
}

// One outside responder (a partner's out-of-office, a ticket system's
// acknowledgement) answering each of several separate posts of one subject
// answers the posts: however close together the posts are, that is one
// report each, not rounds of a loop. A loop is the answer coming back
// through the group and being answered again, which no fresh post starts;
// it must still be found, whatever comes before it and whatever the order
// the rows are read in.
func TestResponderAnsweringSeparatePostsIsNoLoop(t *testing.T) {
	ann := []string{"ann@contoso.com"}
	away := []string{"away@partner.example"}
	type responderCase struct {
		name        string
		posts, ansr []tracking.Event
		// rounds is the loop's MaxRounds, 0 for no loop.
		rounds int64
	}
	var tests []responderCase
	add := func(name string, rounds int64, ps, as []tracking.Event) {
		tests = append(tests, responderCase{name, ps, as, rounds})
	}
	noLoop := func(name string, ps, as []tracking.Event) { add(name, 0, ps, as) }

	// No loop: each answer follows a post of its own.
	ps, as := answered(4, 15*time.Minute, 5*time.Second, ann, away, "Automatic reply: ", "Weekly status")
	noLoop("an out-of-office answers four posts a quarter of an hour apart", ps, as)
	ps, as = answered(6, time.Minute, 3*time.Second, ann, away, "Automatic reply: ", "Weekly status")
	noLoop("an out-of-office answers six posts a minute apart", ps, as)
	ps, as = answered(8, 25*time.Second, 2*time.Second, ann, away, "Automatic reply: ", "Weekly status")
	noLoop("an out-of-office answers eight posts twenty-five seconds apart", ps, as)
	ps, as = answered(5, 50*time.Minute, 40*time.Second, ann, away, "Automatic reply: ", "Weekly status")
	noLoop("an out-of-office answers five posts just under the round gap apart, slowly", ps, as)
	ps, as = answered(8, 5*time.Minute, 10*time.Second, ann, []string{"support@vendor.example"}, "RE: ", "Server down")
	// A ticket system acknowledges with a reply from the null return path.
	noLoop("a ticket system acknowledges eight alerts five minutes apart", ps, as)
	ps, as = answered(5, 10*time.Minute, 4*time.Second, ann, []string{"away@partner.example", "support@vendor.example", "desk@third.example"}, "Automatic reply: ", "Weekly status")
	noLoop("three responders each answer five posts", ps, as)
	ps, as = answered(6, 3*time.Minute, 6*time.Second, []string{"ann@contoso.com", "bob@contoso.com", "carol@contoso.com"}, away, "Automatic reply: ", "Weekly status")
	noLoop("posts from three internal senders, each answered", ps, as)
	ps, as = answered(6, 2*time.Minute, 5*time.Second, ann, away, "Automatic reply: ", "Weekly status")
	for i := range ps {
		// Replies in the thread, as people post them.
		if i >= 2 {
			ps[i].Subject = "RE: Weekly status"
		}
	}
	noLoop("replies in the thread, each answered", ps, as)

	// Loops: the answer comes back through the group and is answered
	// again, with no post between.
	ps, _ = answered(1, 0, 0, ann, nil, "", "Weekly status")
	as = nil
	for i := range 6 {
		as = append(as, report(start.Add(5*time.Second+time.Duration(i)*30*time.Second), i, "away@partner.example", "Automatic reply: Weekly status")...)
	}
	add("an out-of-office that does not stack prefixes answers its own answers after a post", 6, ps, as)

	ps, _ = answered(1, 0, 0, ann, nil, "", "Kickoff")
	as = nil
	for i := range 10 {
		as = append(as, report(start.Add(time.Minute+time.Duration(i)*2*time.Minute), i, "mailer-daemon@googlemail.com", "Delivery Status Notification (Failure)")...)
	}
	add("a bounce that replaces the subject, every two minutes after a post", 10, ps, as)

	// Stacked: each round is a report of the one before; posts of the
	// subject between the rounds do not matter.
	ps, _ = answered(3, 90*time.Second, 0, ann, nil, "", "Kickoff")
	as = nil
	subj := "Kickoff"
	for i := range 5 {
		subj = "Undeliverable: " + subj
		as = append(as, report(start.Add(20*time.Second+time.Duration(i)*time.Minute), i, "postmaster@partner.example", subj)...)
	}
	add("reports of reports with posts of the subject between them", 5, ps, as)

	// Three posts answered normally, then the last answer loops.
	ps, as = answered(3, 15*time.Minute, 5*time.Second, ann, away, "Automatic reply: ", "Weekly status")
	for i := range 4 {
		as = append(as, report(start.Add(30*time.Minute+35*time.Second+time.Duration(i)*30*time.Second), 100+i, "away@partner.example", "Automatic reply: Weekly status")...)
	}
	add("a loop that starts after answered posts", 5, ps, as)

	// A loop one post in the thread falls into: the report after it
	// answers the post, and the other eight are rounds.
	ps, _ = answered(1, 0, 0, ann, nil, "", "Weekly status")
	p2, _ := answered(1, 0, 0, []string{"bob@contoso.com"}, nil, "", "RE: Weekly status")
	for i := range p2 {
		p2[i].Time = start.Add(2*time.Minute + 10*time.Second)
		p2[i].MessageID = "<stop@contoso.com>"
	}
	ps = append(ps, p2...)
	as = nil
	for i := range 9 {
		as = append(as, report(start.Add(5*time.Second+time.Duration(i)*30*time.Second), i, "away@partner.example", "Automatic reply: Weekly status")...)
	}
	add("a loop a post in the thread falls into", 8, ps, as)

	orders := []struct {
		name  string
		files func(ps, as []tracking.Event) [][]tracking.Event
	}{
		{"in time order", func(ps, as []tracking.Event) [][]tracking.Event { return [][]tracking.Event{byTime(ps, as)} }},
		{"newest first", func(ps, as []tracking.Event) [][]tracking.Event {
			evs := byTime(ps, as)
			slices.Reverse(evs)
			return [][]tracking.Event{evs}
		}},
		{"posts' log before answers' log", func(ps, as []tracking.Event) [][]tracking.Event { return [][]tracking.Event{ps, as} }},
		{"answers' log before posts' log", func(ps, as []tracking.Event) [][]tracking.Event { return [][]tracking.Event{as, ps} }},
	}
	for _, tt := range tests {
		for _, o := range orders {
			t.Run(tt.name+"/"+o.name, func(t *testing.T) {
				dir := t.TempDir()
				var files []string
				for i, evs := range o.files(tt.posts, tt.ansr) {
					files = append(files, logFile(t, dir, fmt.Sprintf("export%d.log", i), trackingtest.Fields2013, evs))
				}
				tr := analyse(t, roundsCfg, files...)
				if tt.rounds == 0 {
					if len(tr.Loops) != 0 {
						t.Fatalf("no loop expected, got %d rounds: %+v", tr.Loops[0].MaxRounds, tr.Loops)
					}
					return
				}
				if len(tr.Loops) != 1 || tr.Loops[0].MaxRounds != tt.rounds {
					t.Fatalf("want one loop of %d rounds, got %+v", tt.rounds, tr.Loops)
				}
			})
		}
	}
}

// The analysis itself, without the reader: the same rows in any order give
// the same rounds.
func TestResponderRoundsDoNotDependOnOrder(t *testing.T) {
	ps, as := answered(7, 4*time.Minute, 5*time.Second, []string{"ann@contoso.com", "bob@contoso.com"}, []string{"away@partner.example", "desk@third.example"}, "Automatic reply: ", "Weekly status")
	for i := range 5 {
		as = append(as, report(start.Add(24*time.Minute+40*time.Second+time.Duration(i)*20*time.Second), 500+i, "away@partner.example", "Automatic reply: Weekly status")...)
	}
	evs := byTime(ps, as)
	rounds := func(evs []tracking.Event) int64 {
		a := mailflow.New(roundsCfg)
		for i := range evs {
			a.Add(&evs[i])
		}
		tr := a.Result(tracking.Stats{})
		if len(tr.Loops) != 1 {
			t.Fatalf("loops %+v", tr.Loops)
		}
		return tr.Loops[0].MaxRounds
	}
	want := rounds(evs)
	// The loop: the seventh post's answer and five more.
	if want != 6 {
		t.Fatalf("rounds %d, want 6", want)
	}
	// Rotations and reversals keep a message's rows together (a RECEIVE
	// and its EXPAND are one pair in report and post).
	for k := 0; k < len(evs); k += 2 {
		rot := append(slices.Clone(evs[k:]), evs[:k]...)
		if got := rounds(rot); got != want {
			t.Errorf("rotated by %d: rounds %d, want %d", k, got, want)
		}
		slices.Reverse(rot)
		if got := rounds(rot); got != want {
			t.Errorf("rotated by %d, reversed: rounds %d, want %d", k, got, want)
		}
	}
}

// The same in an Exchange Online message trace, newest first as
// Get-MessageTraceV2 lists it: an out-of-office answering each of five posts
// ten minutes apart is no loop; answering its own answer, coming back
// through the group, is.
func TestResponderInExchangeOnlineTrace(t *testing.T) {
	const group = "team@corp.example"
	rowsOf := func(at time.Time, id, sender, subject string) []trackingtest.TraceRow {
		var rows []trackingtest.TraceRow
		for _, r := range []struct{ to, status string }{{group, "Expanded"}, {"bob@corp.example", "Delivered"}, {"away@vendor.example", "Delivered"}} {
			rows = append(rows, trackingtest.TraceRow{Received: at, Sender: sender, Recipient: r.to, Subject: subject, Status: r.status, MessageID: id})
		}
		return rows
	}
	var separate, looping []trackingtest.TraceRow
	for i := range 5 {
		at := start.Add(time.Duration(i) * 10 * time.Minute)
		separate = append(separate, rowsOf(at, fmt.Sprintf("<p%d@corp.example>", i), "organiser@corp.example", "Weekly status")...)
		separate = append(separate, rowsOf(at.Add(5*time.Second), fmt.Sprintf("<a%d@vendor.example>", i), "away@vendor.example", "Automatic reply: Weekly status")...)
	}
	looping = append(looping, rowsOf(start, "<p@corp.example>", "organiser@corp.example", "Weekly status")...)
	for i := range 5 {
		looping = append(looping, rowsOf(start.Add(5*time.Second+time.Duration(i)*40*time.Second), fmt.Sprintf("<l%d@vendor.example>", i), "away@vendor.example", "Automatic reply: Weekly status")...)
	}
	cfg := mailflow.Config{IsInternal: func(d string) bool { return d == "corp.example" }}
	for _, tt := range []struct {
		name   string
		rows   []trackingtest.TraceRow
		rounds int64
	}{{"answers to separate posts", separate, 0}, {"answers to answers", looping, 5}} {
		t.Run(tt.name, func(t *testing.T) {
			rows := slices.Clone(tt.rows)
			slices.Reverse(rows)
			path := filepath.Join(t.TempDir(), "trace.csv")
			if err := trackingtest.WriteTraceFile(path, rows); err != nil {
				t.Fatal(err)
			}
			tr := analyse(t, cfg, path)
			if tt.rounds == 0 {
				if len(tr.Loops) != 0 {
					t.Fatalf("no loop expected, got %+v", tr.Loops)
				}
				return
			}
			if len(tr.Loops) != 1 || tr.Loops[0].MaxRounds != tt.rounds {
				t.Fatalf("want one loop of %d rounds, got %+v", tt.rounds, tr.Loops)
			}
		})
	}
}
