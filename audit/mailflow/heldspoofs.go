package mailflow

import (
	"slices"
	"strings"
	"time"

	"dgaudit/directory/tracking"
)

// maxHeldSpoofs bounds the messages from outside held back while no
// internal domain is known: the first minutes of a busy server's logs.
const maxHeldSpoofs = 4096

// heldSpoof is a message from outside whose sender could be an internal
// address spoofed, held until an internal domain is known to tell.
type heldSpoof struct {
	sender, host, subject string
	// subjectHash is the whole subject's hash when subject is held quoted
	// (cut, for the report), so that it counts as the same subject as a
	// message counted at once; 0 when subject is whole.
	subjectHash uint64
	at          time.Time
	recipients  int
	// back: the message is the organization's own coming back; arrival is
	// how many times it had then come to the recipient it came to most
	// (countReturns).
	back    bool
	arrival int64
}

// inferring reports whether internal domains come only from the rows
// (no directory source, no --internal-domain).
func (a *Analyzer) inferring() bool {
	return a.cfg.IsInternal == nil && len(a.cfg.InternalDomains) == 0
}

// holdSpoof keeps a message from outside while the rows have taught no
// internal domain yet. Without a directory the organization's domains are
// learnt from its own deliveries and submissions, which a log may show
// only after the first forged messages (1 of 24 was missed in a day's
// logs), and an export of RECEIVE rows alone never shows: those were
// judged external and never counted, and the report did not say it could
// not tell.
func (a *Analyzer) holdSpoof(ev *tracking.Event, sender, host string) {
	a.unjudged++
	back, arrival := a.returning(ev, sender)
	if !back && !a.once('S', ev.MessageID, sender) {
		return
	}
	if len(a.held) >= maxHeldSpoofs {
		a.truncated["messages from outside held until an internal domain is known"] = true
		return
	}
	m := heldSpoof{sender: strings.Clone(sender), host: strings.Clone(host), at: ev.Time, recipients: len(ev.Recipients), back: back, arrival: arrival}
	if subj := strings.TrimSpace(ev.Subject); subj != "" {
		m.subject, m.subjectHash = quoteSubject(subj), hash(subj)
	}
	a.held = append(a.held, m)
}

// judgeHeld counts the held messages whose sender's domain is now known to
// be internal, each time a domain is learnt (learnDomain: in the order
// they came), and keeps the rest for a domain learnt later: an
// organization of two domains may show one first. What is left at the end
// of the read is the external mail it looks like. Messages are held only
// until the first domain is learnt; the rest of the read judges as it
// goes.
func (a *Analyzer) judgeHeld() {
	a.held = slices.DeleteFunc(a.held, func(h heldSpoof) bool {
		if a.internal(h.sender) {
			a.countSpoof(h)
			return true
		}
		return false
	})
}
