package mailflow_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// Without a directory, internal domains are learnt from the rows: forged
// messages that come before the first local delivery are judged once one
// is known (the first of a day's logs were missed), and a read that never
// learns one says spoofing was not looked for, where it found nothing and
// said nothing (an export of RECEIVE rows alone).
func TestSpoofsBeforeAnyInternalDomainIsKnown(t *testing.T) {
	deliver := tracking.Event{Format: tracking.FormatLog, Time: start.Add(time.Hour), EventID: "DELIVER", Source: "STOREDRIVER", Sender: "x@partner.example",
		Recipients: []string{"ann@contoso.com"}, MessageID: "<reply@partner.example>", Directionality: "Incoming"}
	for _, tc := range []struct {
		name                string
		cfg                 mailflow.Config
		deliverAfter        int // spoofs before the delivery; -1: none
		wantSpoofed         int64
		wantUnjudged        string
		wantPartnerSpoofing bool
	}{
		{"receive rows alone", mailflow.Config{}, -1, 0, "spoofed internal senders: 7 messages came from outside", false},
		{"receive rows alone, domain given", mailflow.Config{InternalDomains: []string{"contoso.com"}}, -1, 5, "", false},
		{"delivery after three", mailflow.Config{}, 3, 5, "", false},
		{"delivery first", mailflow.Config{}, 0, 5, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mailflow.New(tc.cfg)
			add := func(sender, subject, id string) {
				// The reader reuses its buffer: what is held must be copied.
				buf := []byte(sender + subject)
				ev := spoofed(unsafe.String(&buf[0], len(sender)), "mail.attacker.example", unsafe.String(&buf[len(sender)], len(subject)), id)
				a.Add(&ev)
				for j := range buf {
					buf[j] = '#'
				}
			}
			for i := range 5 {
				if i == tc.deliverAfter {
					a.Add(&deliver)
				}
				add("ceo@contoso.com", fmt.Sprintf("Wire transfer %d", i), fmt.Sprintf("<s%d@x>", i))
			}
			// A partner's own mail, before anything is learnt, is not
			// spoofing once contoso.com is.
			add("bob@partner.example", "Hello", "<p1@x>")
			add("bob@partner.example", "Hello again", "<p2@x>")
			tr := a.Result(tracking.Stats{})
			if tr.SpoofedMessages != tc.wantSpoofed {
				t.Errorf("spoofed messages %d, want %d: %+v", tr.SpoofedMessages, tc.wantSpoofed, tr.Spoofing)
			}
			if tc.wantSpoofed > 0 {
				if len(tr.Spoofing) != 1 || tr.Spoofing[0].Sender != "ceo@contoso.com" || len(tr.Spoofing[0].Subjects) != 3 ||
					tr.Spoofing[0].Subjects[0] != "Wire transfer 0" || tr.Spoofing[0].Clients[0].Address != "mail.attacker.example" {
					t.Errorf("spoofing %+v", tr.Spoofing)
				}
			}
			switch {
			case tc.wantUnjudged == "" && len(tr.Unjudged) != 0:
				t.Errorf("unjudged %q, want none", tr.Unjudged)
			case tc.wantUnjudged != "" && (len(tr.Unjudged) != 1 || !strings.HasPrefix(tr.Unjudged[0], tc.wantUnjudged)):
				t.Errorf("unjudged %q, want %q", tr.Unjudged, tc.wantUnjudged)
			}
		})
	}
}

// A held message is judged by every domain learnt later, not only the
// first: an organization of two domains may deliver to one first (a forged
// fabrikam.com sender held before anything was learnt was let go as
// external once contoso.com was). Its subject counts as the same subject as
// a message counted at once, however long (a held one was cut first, and a
// long subject was listed twice).
func TestHeldSpoofsAreJudgedByEveryDomainLearnt(t *testing.T) {
	long := strings.Repeat("Wire transfer ", 30) // over the 200 bytes quoted
	a := mailflow.New(mailflow.Config{})
	ev := spoofed("cfo@fabrikam.com", "mail.attacker.example", long, "<f1@x>")
	a.Add(&ev)
	for _, d := range []string{"contoso.com", "fabrikam.com"} {
		deliver := tracking.Event{Format: tracking.FormatLog, Time: start.Add(time.Hour), EventID: "DELIVER", Source: "STOREDRIVER", Sender: "x@partner.example",
			Recipients: []string{"ann@" + d}, MessageID: "<reply-" + d + "@partner.example>", Directionality: "Incoming"}
		a.Add(&deliver)
	}
	again := spoofed("cfo@fabrikam.com", "mail.attacker.example", long, "<f2@x>")
	a.Add(&again)
	tr := a.Result(tracking.Stats{})
	if len(tr.Spoofing) != 1 || tr.Spoofing[0].Messages != 2 || tr.Spoofing[0].SubjectsTotal != 1 || len(tr.Spoofing[0].Subjects) != 1 {
		t.Errorf("spoofing %+v, want cfo@fabrikam.com twice under one subject", tr.Spoofing)
	}
}
