package mailflow_test

import (
	"fmt"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// A return is the same sender under a loosely matched subject: what lists
// and gateways do to a subject (the fourth review's mm3reply, trailtag,
// extcolon, ws, ew) leaves it a return (info), and a moderated list
// approving after 26 hours is within the week's window (moder). A message
// under the post's Message-ID and subject from another sender is a
// forgery (bec, copysubj): high.
func TestReturnIsTheSenderUnderALooseSubject(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	const id = "<post7@MBX01.contoso.com>"
	for _, tc := range []struct {
		name, posted, sender, back string
		after                      int
		want                       audit.Severity
	}{
		{"Mailman 3 moves the tag after Re:", "Re: [staff] Budget", "bob@contoso.com", "[staff] Re: Budget", 60, audit.Info},
		{"a trailing tag", "Budget", "bob@contoso.com", "Budget [staff]", 60, audit.Info},
		{"a gateway's EXTERNAL:", "Budget", "bob@contoso.com", "EXTERNAL: Budget", 60, audit.Info},
		{"a gateway's [EXTERNAL]", "Budget", "bob@contoso.com", "[EXTERNAL] Budget", 60, audit.Info},
		{"whitespace re-folded", "Budget  for\t2027", "bob@contoso.com", "Budget for 2027", 60, audit.Info},
		{"an encoded-word", "Budget für 2027", "bob@contoso.com", "=?utf-8?q?Budget_f=C3=BCr_2027?=", 60, audit.Info},
		{"non-ASCII capitals", "ÄRGER", "bob@contoso.com", "[staff] ärger", 60, audit.Info},
		{"sender's case", "Budget", "Bob@Contoso.com", "Budget", 60, audit.Info},
		{"Italian and Spanish prefixes", "Budget", "bob@contoso.com", "R: RV: I: Budget", 60, audit.Info},
		{"a moderated list approving after 26 hours", "Budget", "bob@contoso.com", "[staff] Budget", 26 * 3600, audit.Info},
		{"another subject", "Budget", "bob@contoso.com", "Budget 2", 60, audit.High},
		{"a subject of tags only", "[staff]", "bob@contoso.com", "[staff]", 60, audit.High},
		{"another sender under the ID and subject", "Invoice 4411", "cfo@contoso.com", "Invoice 4411", 2 * 3600, audit.High},
	} {
		t.Run(tc.name, func(t *testing.T) {
			submit := tracking.Event{Time: at(0), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "bob@contoso.com", MessageID: id, Subject: tc.posted}
			back := spoofed(tc.sender, "lists.example", tc.back, id)
			back.Time = at(tc.after)
			rows := []tracking.Event{submit, back}
			a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
			for i := range rows {
				a.Add(&rows[i])
			}
			tr := a.Result(tracking.Stats{})
			if len(tr.Spoofing) != 1 || tr.Spoofing[0].Severity() != tc.want {
				t.Errorf("spoofing %s, want one sender at %v", spoofers(tr.Spoofing), tc.want)
			}
		})
	}
}

// A broken server can stay under audit.ReturnFlood to each recipient: each
// of thirty messages sent back four times to two colleagues (flood4), or
// one message a hundred times to forty recipients in turn (floodrot). With
// so many returns, one repeated three times is a flood; a cross-post's
// three copies to two members, and a big list's seventy posts each once to
// its members, are not.
func TestManyReturnsRepeatedAreAFlood(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	type copyOf struct{ msg, rcpt int }
	run := func(msgs int, copies []copyOf) audit.Severity {
		var rows []tracking.Event
		for m := range msgs {
			rows = append(rows, tracking.Event{Time: at(m), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ann@contoso.com",
				MessageID: fmt.Sprintf("<m%d@contoso.com>", m), Subject: fmt.Sprintf("Post %d", m)})
		}
		for i, c := range copies {
			ev := spoofed("ann@contoso.com", "mx.partner.example", fmt.Sprintf("Post %d", c.msg), fmt.Sprintf("<m%d@contoso.com>", c.msg))
			ev.Time, ev.Recipients = at(1000+i), []string{fmt.Sprintf("u%d@contoso.com", c.rcpt)}
			rows = append(rows, ev)
		}
		a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
		for i := range rows {
			a.Add(&rows[i])
		}
		s := spoofedSender(a.Result(tracking.Stats{}), "ann@contoso.com")
		if s == nil {
			t.Fatal("ann@contoso.com not listed")
		}
		return s.Severity()
	}
	var flood4, floodrot, crosspost, bigList []copyOf
	for m := range 30 {
		for range 4 {
			flood4 = append(flood4, copyOf{m, 0}, copyOf{m, 1})
		}
	}
	for i := range 100 {
		floodrot = append(floodrot, copyOf{0, i % 40})
	}
	for range 3 {
		crosspost = append(crosspost, copyOf{0, 0}, copyOf{0, 1})
	}
	for m := range 70 {
		for r := range 5 {
			bigList = append(bigList, copyOf{m, r})
		}
	}
	for _, tc := range []struct {
		name   string
		msgs   int
		copies []copyOf
		want   audit.Severity
	}{
		{"thirty messages back four times each", 30, flood4, audit.High},
		{"one message a hundred times, recipients in turn", 1, floodrot, audit.High},
		{"a cross-post to three lists", 1, crosspost, audit.Info},
		{"seventy posts to a list, each member once", 70, bigList, audit.Info},
	} {
		if got := run(tc.msgs, tc.copies); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
