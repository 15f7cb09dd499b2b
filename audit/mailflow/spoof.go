package mailflow

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"dgaudit/audit"
)

// quotedSubjects is how many distinct subjects a spoofed sender quotes, and
// maxSubject how many bytes of each: enough to recognise a campaign, where
// whole subjects of thousands of senders would fill the memory and the
// report.
const (
	quotedSubjects = 3
	maxSubject     = 200
)

// addClient counts a message from host, reporting false when host was
// dropped at limit.
func (s *spoofAgg) addClient(host string, limit int, a *Analyzer) bool {
	for i := range s.clients {
		if s.clients[i].Address == host {
			s.clients[i].N++
			return true
		}
	}
	if len(s.clients) >= limit {
		s.clientsCapped = true
		return false
	}
	// The host points into the reader's buffer: intern copies it.
	s.clients = append(s.clients, audit.AddressCount{Address: a.intern(host), N: 1})
	return true
}

// addSubject counts a subject, quoting the first few, and reports false
// when a new one was dropped at limit.
func (s *spoofAgg) addSubject(subj string, limit int) bool {
	if subj == "" {
		return true
	}
	return s.addQuoted(hash(subj), func() string { return quoteSubject(subj) }, limit)
}

// addQuoted is addSubject of a subject by its hash, quoted by quote when
// it is one of the first: a held message keeps the two (heldSpoof), not the
// whole subject.
func (s *spoofAgg) addQuoted(h uint64, quote func() string, limit int) bool {
	if slices.Contains(s.subjectSeen, h) {
		return true
	}
	if len(s.subjectSeen) >= limit {
		s.subjectsCapped = true
		return false
	}
	s.subjectSeen = append(s.subjectSeen, h)
	if len(s.subjects) < quotedSubjects {
		s.subjects = append(s.subjects, quote())
	}
	return true
}

// quoteSubject returns a copy of subj to keep, cut to maxSubject bytes at
// a character's start and marked with an ellipsis when it was longer.
func quoteSubject(subj string) string {
	if len(subj) <= maxSubject {
		return strings.Clone(subj)
	}
	i := maxSubject
	for i > 0 && !utf8.RuneStart(subj[i]) {
		i--
	}
	return subj[:i] + "…"
}

// spoofing lists the Config.Top worst spoofed senders, ties by address,
// and how many senders and messages there were in all: a campaign forging
// 80,000 senders, listed whole, made a JSON report of 170 MB from 400 MB of
// logs, and writing it tripled the memory the read had needed. The worst
// are those of the highest severity, then the most messages: twenty
// colleagues posting to outside lists, each post coming back a few times,
// must not push a forged sender with one message off the list, and with it
// the run's failure.
func (a *Analyzer) spoofing(t *audit.Traffic) {
	type ranked struct {
		sender string
		s      *spoofAgg
		sev    audit.Severity
	}
	all := make([]ranked, 0, len(a.spoof))
	for sender, s := range a.spoof {
		sev := audit.SpoofedSender{Messages: s.messages, Returned: s.returned, MostReturnsOfOne: s.mostReturns}.Severity()
		all = append(all, ranked{sender, s, sev})
	}
	slices.SortFunc(all, func(x, y ranked) int {
		if c := cmp.Compare(y.sev, x.sev); c != 0 {
			return c
		}
		if c := cmp.Compare(y.s.messages, x.s.messages); c != 0 {
			return c
		}
		return cmp.Compare(x.sender, y.sender)
	})
	t.SpoofingTotal, t.SpoofingCapped, t.SpoofedMessages = len(a.spoof), a.truncated["spoofed senders"], a.spoofed
	for _, r := range all[:min(len(all), a.cfg.Top)] {
		s := r.s
		t.Spoofing = append(t.Spoofing, audit.SpoofedSender{
			Sender: r.sender, Messages: s.messages, Returned: s.returned, MostReturnsOfOne: s.mostReturns,
			Recipients: s.recipients, FirstSeen: s.first, LastSeen: s.last, Clients: topCounts(s.clients, a.cfg.Top),
			ClientsTotal: len(s.clients), ClientsCapped: s.clientsCapped,
			Subjects: slices.Clone(s.subjects), SubjectsTotal: len(s.subjectSeen), SubjectsCapped: s.subjectsCapped,
		})
	}
}

// topCounts returns the n busiest of cs, ties by address, leaving cs as it
// is: top for a list rather than a map.
func topCounts(cs []audit.AddressCount, n int) []audit.AddressCount {
	if len(cs) == 0 {
		return nil
	}
	out := slices.Clone(cs)
	slices.SortFunc(out, func(x, y audit.AddressCount) int {
		if c := cmp.Compare(y.N, x.N); c != 0 {
			return c
		}
		return cmp.Compare(x.Address, y.Address)
	})
	return out[:min(len(out), n)]
}
