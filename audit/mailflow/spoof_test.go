package mailflow_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// spoofed is a message from outside claiming an internal sender.
func spoofed(sender, client, subject, id string) tracking.Event {
	return tracking.Event{Time: start, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.66", ClientHostname: client, Sender: sender,
		Recipients: []string{"ann@contoso.com"}, Subject: subject, MessageID: id, Directionality: "Incoming"}
}

// A campaign forging many internal senders is listed by its busiest
// senders, with how many senders and messages there were in all; at the
// cap of senders kept, the count of senders is a lower bound and that of
// messages stays exact.
func TestSpoofingListIsCutWithItsTotals(t *testing.T) {
	// Sender sNN sends NN%4+1 messages: 30 senders, 73 messages.
	var evs []tracking.Event
	for i := range 30 {
		for k := range i%4 + 1 {
			evs = append(evs, spoofed(fmt.Sprintf("s%02d@contoso.com", i), "mail.attacker.example", "Invoice", fmt.Sprintf("<%d.%d@x>", i, k)))
		}
	}
	internal := func(d string) bool { return d == "contoso.com" }
	for _, tc := range []struct {
		name          string
		cfg           mailflow.Config
		listed        []string
		total         int
		capped        bool
		wantTruncated []string
	}{
		{"busiest first, ties by address", mailflow.Config{Top: 4, IsInternal: internal},
			[]string{"s03@contoso.com", "s07@contoso.com", "s11@contoso.com", "s15@contoso.com"}, 30, false, nil},
		{"at the cap of senders", mailflow.Config{Top: 4, MaxKeys: 10, IsInternal: internal},
			[]string{"s03@contoso.com", "s07@contoso.com", "s02@contoso.com", "s06@contoso.com"}, 10, true, []string{"spoofed senders"}},
		{"all listed", mailflow.Config{Top: 40, IsInternal: internal}, nil, 30, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mailflow.New(tc.cfg)
			for i := range evs {
				a.Add(&evs[i])
			}
			tr := a.Result(tracking.Stats{})
			var listed []string
			var messages int64
			for _, s := range tr.Spoofing {
				listed = append(listed, s.Sender)
				messages += s.Messages
			}
			if tc.listed == nil && (len(listed) != 30 || messages != 73) || tc.listed != nil && !slices.Equal(listed, tc.listed) {
				t.Errorf("listed %q, want %q", listed, tc.listed)
			}
			if tr.SpoofingTotal != tc.total || tr.SpoofingCapped != tc.capped || tr.SpoofedMessages != 73 {
				t.Errorf("%d senders (capped %v), %d messages; want %d (capped %v), 73", tr.SpoofingTotal, tr.SpoofingCapped, tr.SpoofedMessages, tc.total, tc.capped)
			}
			if !slices.Equal(tr.Truncated, tc.wantTruncated) {
				t.Errorf("truncated %q, want %q", tr.Truncated, tc.wantTruncated)
			}
		})
	}
}

// A spoofed sender quotes its first subjects cut to 200 bytes at a
// character's start, and counts subjects that differ only beyond that as
// distinct. What it quotes is its own copy: the reader's buffer is
// overwritten once the row is read.
func TestSpoofedSubjectsAreCut(t *testing.T) {
	long := strings.Repeat("x", 199) + "é" + strings.Repeat("y", 100) // é spans bytes 199 and 200
	subjects := []string{long + " one", long + " two", "Short", "Fourth"}
	a := mailflow.New(mailflow.Config{IsInternal: func(d string) bool { return d == "contoso.com" }})
	for i, subj := range subjects {
		buf := []byte(subj + "mail.attacker.example")
		ev := spoofed("ceo@contoso.com", unsafe.String(&buf[len(subj)], len(buf)-len(subj)), unsafe.String(&buf[0], len(subj)), fmt.Sprintf("<%d@x>", i))
		a.Add(&ev)
		for j := range buf {
			buf[j] = '#'
		}
	}
	tr := a.Result(tracking.Stats{})
	if len(tr.Spoofing) != 1 {
		t.Fatalf("spoofing %+v", tr.Spoofing)
	}
	s := tr.Spoofing[0]
	cut := strings.Repeat("x", 199) + "…"
	if want := []string{cut, cut, "Short"}; !slices.Equal(s.Subjects, want) || s.SubjectsTotal != 4 {
		t.Errorf("subjects %q of %d, want %q of 4", s.Subjects, s.SubjectsTotal, want)
	}
	for _, q := range s.Subjects {
		if !utf8.ValidString(q) || len(q) > 200+len("…") {
			t.Errorf("quoted subject %q: %d bytes, valid UTF-8 %v", q, len(q), utf8.ValidString(q))
		}
	}
	if want := []audit.AddressCount{{Address: "mail.attacker.example", N: 4}}; !slices.Equal(s.Clients, want) {
		t.Errorf("clients %+v, want %+v", s.Clients, want)
	}
}

// What one spoofed sender holds stays small: 80,000 forged senders, each
// from eight hosts under eight long subjects, once took 1,850 bytes each
// (two maps and three whole subjects); short lists and cut subjects take
// about 1,250.
func TestSpoofedSenderMemory(t *testing.T) {
	const senders, per = 5000, 8
	long := strings.Repeat("lorem ipsum dolor sit amet, ", 11)
	a := mailflow.New(mailflow.Config{IsInternal: func(d string) bool { return d == "contoso.com" }})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range senders * per {
		s, k := i%senders, i/senders
		ev := spoofed(fmt.Sprintf("user%d@contoso.com", s), fmt.Sprintf("mail%d.attacker%d.example", k, s%977),
			fmt.Sprintf("Invoice %d-%d overdue: %s", s, k, long), fmt.Sprintf("<%d@x>", i))
		a.Add(&ev)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(a)
	if per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / senders; per > 1500 {
		t.Errorf("%d bytes per spoofed sender, want at most 1500", per)
	}
}
