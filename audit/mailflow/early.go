package mailflow

import (
	"strings"

	"dgaudit/directory/tracking"
)

// earlyRows are the recipients of Exchange Online message-trace rows read
// before their message's Expanded row. Get-MessageTraceV2 lists the newest
// messages first and a message's rows in no promised order, so a member's
// Delivered or Failed row may come before the expansion that explains it;
// they wait here (bounded like the other recent tables) until it comes.
type earlyRows struct {
	recipients []string
	// dropped is set when the message had more member rows than are kept.
	dropped bool
}

// holdEarly keeps a trace row's recipients for the expansion that may
// follow. Most rows belong to messages no group expanded; they are
// overwritten as the table turns over.
func (a *Analyzer) holdEarly(h uint64, ev *tracking.Event) {
	p, evicted := a.early.slot(h)
	a.earlyHeld -= len(evicted.recipients)
	for _, r := range ev.Recipients {
		// Each message keeps at most MaxPerGroup, and all of them together
		// ten times MaxKeys: many large mailings, newest first, must not
		// hold every recipient.
		// A dropped row is reported only if its message turns out to be a
		// group's expansion (see expand): most held messages never are.
		if len(p.recipients) >= a.cfg.MaxPerGroup || a.earlyHeld >= 10*a.cfg.MaxKeys {
			p.dropped = true
			return
		}
		p.recipients = append(p.recipients, strings.Clone(lower(r)))
		a.earlyHeld++
	}
}

// takeEarly returns the rows held for a message, freeing their place.
func (a *Analyzer) takeEarly(h uint64) (earlyRows, bool) {
	p, ok := a.early.take(h)
	a.earlyHeld -= len(p.recipients)
	return p, ok
}

const earlyTruncated = "member rows listed before their expansion"
