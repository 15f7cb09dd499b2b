package mailflow_test

import (
	"maps"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// An automatic reply or a read receipt is no message of the
// organization's own to prove a return by: ceo@'s out-of-office reply
// goes to whoever wrote to ceo@, who may then send "ceo@" to all@ under
// its Message-ID, under any subject or the reply's own (the third review's
// in/oof: info). Only a new message's submission is remembered.
func TestAutomaticRepliesAndReceiptsProveNoReturn(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	const id = "<oof1@MBX01.contoso.com>"
	probe := spoofed("x@evil.example", "mail.evil.example", "quick question", "<probe@evil.example>")
	probe.Recipients = []string{"ceo@contoso.com"}
	for _, tc := range []struct {
		name             string
		reply, forgedSub string
		want             audit.Severity
	}{
		{"out of office, forged under another subject", "Automatic reply: quick question", "Wire transfer today", audit.High},
		{"out of office, forged under its subject", "Automatic reply: quick question", "Automatic reply: quick question", audit.High},
		{"out of office in German", "Automatische Antwort: quick question", "Automatische Antwort: quick question", audit.High},
		{"Out of Office:", "Out of Office: quick question", "Out of Office: quick question", audit.High},
		{"read receipt", "Read: quick question", "Read: quick question", audit.High},
		{"read receipt in French", "Lu : quick question", "Lu : quick question", audit.High},
		// A reply a user wrote is a new message: its copy coming back is
		// one (a forgery must copy "Re: quick question" too, see
		// TestMessageIDSubmittedUnderAnotherSubjectIsNoReturn).
		{"a reply the user wrote", "Re: quick question", "Re: quick question", audit.Info},
	} {
		t.Run(tc.name, func(t *testing.T) {
			submit := tracking.Event{Time: at(2), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "ceo@contoso.com", MessageID: id, Subject: tc.reply}
			forged := spoofed("ceo@contoso.com", "mail.evil.example", tc.forgedSub, id)
			forged.Time, forged.Recipients = at(7200), []string{"all@contoso.com"}
			rows := []tracking.Event{probe, submit, forged}
			a := mailflow.New(mailflow.Config{InternalDomains: []string{"contoso.com"}})
			for i := range rows {
				a.Add(&rows[i])
			}
			tr := a.Result(tracking.Stats{})
			if s := spoofedSender(tr, "ceo@contoso.com"); s == nil || s.Severity() != tc.want {
				t.Errorf("spoofing %s, want ceo@contoso.com at %v", spoofers(tr.Spoofing), tc.want)
			}
		})
	}
}

// A message that came in from outside and a mailbox rule redirects (or
// forwards as an attachment) is submitted again under its Message-ID,
// with the outside sender and subject: it is not the organization's own,
// so the sender sending it again as ceo@ is a forgery (the third review's
// in/redirect: info), and its sender's domain is not learnt as internal
// (finding 4: x@evil.example's next message was a spoofed internal
// sender).
func TestResubmittedArrivalsAreNotOurs(t *testing.T) {
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	const id = "<x9@evil.example>"
	in := spoofed("x@evil.example", "mail.evil.example", "Wire transfer today", id)
	in.Recipients = []string{"helpdesk@contoso.com"}
	redirect := tracking.Event{Time: at(2), EventID: "SUBMIT", Source: "STOREDRIVER", Sender: "x@evil.example", ReturnPath: "x@evil.example",
		MessageID: id, Subject: "Wire transfer today"}
	redirect2010 := redirect
	redirect2010.EventID, redirect2010.Recipients = "RECEIVE", []string{"carl@contoso.com"}
	forged := spoofed("ceo@contoso.com", "mail.evil.example", "Wire transfer today", id)
	forged.Time, forged.Recipients = at(300), []string{"all@contoso.com"}
	// Learnt from a local delivery: contoso.com, and only it.
	local := tracking.Event{Time: start, EventID: "DELIVER", Source: "STOREDRIVER", Format: tracking.FormatLog, Sender: "carl@contoso.com",
		Recipients: []string{"ann@contoso.com"}, MessageID: "<base@contoso.com>", Subject: "Q1 plan"}
	next := spoofed("x@evil.example", "mail.evil.example", "second mail", "<y1@evil.example>")
	next.Time = at(600)
	for _, tc := range []struct {
		name     string
		internal []string
		rows     []tracking.Event
		want     map[string]audit.Severity
	}{
		{"redirected, then sent again as ceo@", []string{"contoso.com"}, []tracking.Event{in, redirect, forged},
			map[string]audit.Severity{"ceo@contoso.com": audit.High}},
		{"redirected on Exchange 2010, then sent again as ceo@", []string{"contoso.com"}, []tracking.Event{in, redirect2010, forged},
			map[string]audit.Severity{"ceo@contoso.com": audit.High}},
		{"redirected, no internal domain given", nil, []tracking.Event{local, in, redirect, next}, map[string]audit.Severity{}},
		{"redirected on Exchange 2010, no internal domain given", nil, []tracking.Event{local, in, redirect2010, next}, map[string]audit.Severity{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mailflow.New(mailflow.Config{InternalDomains: tc.internal})
			for i := range tc.rows {
				a.Add(&tc.rows[i])
			}
			got := map[string]audit.Severity{}
			for _, s := range a.Result(tracking.Stats{}).Spoofing {
				got[s.Sender] = s.Severity()
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("spoofing %v, want %v", got, tc.want)
			}
		})
	}
}
