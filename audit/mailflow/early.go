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
	// recipients are lower-cased, each followed by hostSep and its
	// row's ToIP when it has one (traceOut): a slice of hosts beside them
	// would make every slot of the table larger (TestSlotSizes).
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
		// A concatenation is a copy of its own; a recipient alone points
		// into the reader's buffer.
		held := strings.Clone(lower(r))
		if ev.ServerIP != "" {
			held = lower(r) + hostSep + ev.ServerIP
		}
		p.recipients = append(p.recipients, held)
		a.earlyHeld++
	}
}

// takeEarly returns the rows held for a message, freeing their place.
func (a *Analyzer) takeEarly(h uint64) (earlyRows, bool) {
	p, ok := a.early.take(h)
	a.earlyHeld -= len(p.recipients)
	return p, ok
}

// hostSep parts a held recipient from its row's ToIP: no address holds it.
const hostSep = "\x00"

const earlyTruncated = "member rows listed before their expansion"
