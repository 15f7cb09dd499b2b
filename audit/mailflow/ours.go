package mailflow

import (
	"time"

	"dgaudit/directory/tracking"
)

// A message of the organization's own can come back in from outside with
// its internal sender: a user posts to a partner's list that has
// colleagues on it, and the partner's server sends their copies back; or,
// as in seed 000, a recipient's broken server sends the user's message
// back a hundred times. It arrives anonymously from another organization
// with an internal sender, as a forged one does, and Exchange logs it as
// if the user had sent it. The admin of seed 000 lost hours taking it for
// a forgery, or for the user's own sending, before finding the remote
// server re-sending it.
//
// What tells the two apart is the Message-ID: a forged message has one the
// organization never made, a returning one keeps the ID one of its
// mailboxes submitted. Each SUBMIT (a mailbox handed the message to
// transport; Exchange 2010 logs a RECEIVE from the store driver) is
// remembered with its time in a recent table (Config.Window slots, a busy
// server's older messages dropping out), and a message from outside whose
// ID was submitted before it arrived, within returnWindow, is counted as
// returned (audit.SpoofedSender.Returned), at each arrival: seed 000's
// flood was one message sent back a hundred times. How many times each
// returned message came back is counted too (returnCounts), since that is
// what tells the flood from a list's ordinary copies: it stays listed
// either way, but a sender whose messages all came back, none of them
// audit.ReturnFlood times, is mail working (audit.SpoofedSender.Severity).
//
// Only a submission counts. A SEND to the Internet is no proof that the
// organization made the message: a forged one sent to a group with an
// external member goes out a second after it came in, and a second of skew
// between the edge's clock and the mailbox server's, or a tracking export
// in local time, would put that SEND before the arrival and make the
// forgery a "return". With the edge's logs alone, then, nothing counts as
// returned: a false alarm, never false comfort.
//
// Rows read out of time order: tracking.Read merges Exchange's logs of
// several servers and services by their rows' times, so a return is read
// after its submission unless one of the two is in an export (whose rows
// are read apart, see tracking.Interleave) or a server's clock is behind;
// such a return counts as forged.

// returnWindow is how long after its submission a message coming back
// counts as returned: a partner's list sends it back within minutes, a
// broken server (seed 000) for hours. The Message-ID is the sender's
// word: an old one sent again much later proves nothing.
const returnWindow = 24 * time.Hour

// sentTable remembers when recent messages (by Message-ID hash) were
// submitted, in pairs of slots as recent does, but a slot's key and time
// side by side: it is written on every SUBMIT row and read only for mail
// from outside with an internal sender, so one cache line a write matters
// more than recent's quick misses.
type sentTable struct {
	slots []sentSlot
	// pair masks a hash to its pair's first slot.
	pair uint64
}

type sentSlot struct {
	key uint64
	at  int64
}

func newSentTable(n int) sentTable {
	size := 2
	for size < n {
		size <<= 1
	}
	return sentTable{slots: make([]sentSlot, size), pair: uint64(size-1) &^ 1}
}

// pairOf returns the pair of slots of hash h: the newest message first.
func (t sentTable) pairOf(h uint64) *[2]sentSlot {
	i := h & t.pair
	return (*[2]sentSlot)(t.slots[i : i+2])
}

// submitted records that a mailbox submitted the message with hash h at
// ev's time. A message submitted again keeps its first time.
func (a *Analyzer) submitted(h uint64, ev *tracking.Event) {
	if ev.Time.IsZero() {
		return
	}
	at := ev.Time.UnixNano()
	p := a.ours.pairOf(h)
	for i := range p {
		if s := &p[i]; s.key == h && s.at != 0 {
			s.at = min(s.at, at)
			return
		}
	}
	p[1], p[0] = p[0], sentSlot{h, at}
}

// returning reports whether a message from outside is one the
// organization submitted before it arrived, within returnWindow, and if
// so counts its arrival (see countReturn).
func (a *Analyzer) returning(ev *tracking.Event) (back bool, arrival int64) {
	if ev.MessageID == "" || ev.Time.IsZero() {
		return false, 0
	}
	h := hash(ev.MessageID)
	for _, s := range a.ours.pairOf(h) {
		if s.key == h && s.at != 0 {
			d := ev.Time.UnixNano() - s.at
			if d > 0 && d <= int64(returnWindow) {
				return true, a.countReturn(h)
			}
			return false, 0
		}
	}
	return false, 0
}

// maxReturnCounts bounds returnCounts. Returns are rare, a list's copies
// of the organization's own posts: a read that finds more distinct ones
// than this is no ordinary one, and its further returns are judged as
// possible floods (audit.SpoofedSender.MostReturnsCapped). A variable
// for the tests.
var maxReturnCounts = 65536

// countReturn counts an arrival of the returned message with hash h and
// returns how many times it has come back, this time included, or 0 when
// the table was full without it. The table is apart from sentTable, which
// is written on every submission and must stay small; this one is touched
// only by returns, and made at the first.
func (a *Analyzer) countReturn(h uint64) int64 {
	n, ok := a.returnCounts[h]
	if !ok && len(a.returnCounts) >= maxReturnCounts {
		a.truncated["returned messages counted by Message-ID"] = true
		return 0
	}
	if a.returnCounts == nil {
		a.returnCounts = map[uint64]int64{}
	}
	n++
	a.returnCounts[h] = n
	return n
}
