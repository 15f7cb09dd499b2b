package mailflow

import "dgaudit/directory/tracking"

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
// organization never made, a returning one keeps the ID its mailbox
// submitted and its servers sent out before. Each SUBMIT (a mailbox handed
// it to transport) and each SEND to a server not of the organization (it
// left) is remembered with its time in a recent table (Config.Window
// slots). A spoofed sender's messages that came back that way are counted
// apart (audit.SpoofedSender.Returned): they stay listed, since a flood of
// them is seed 000's incident, but the report can say where they come
// from.
//
// The time matters when servers' logs are read out of time order: a
// spoofed message the edge took in at 10:00:00 and the hub sent on to an
// external member at 10:00:02 is no return when the hub's rows are read
// first. A return read before the row that sent it out is counted as
// forged; tracking.Read merges the servers' logs of an hour by time, so
// that happens only when the logs are not named as Exchange names them
// (exports) or a stray file stops the hour-by-hour reading (see
// tracking.Interleave).

// sentTable remembers when recent messages (by Message-ID hash) were made
// or sent out, direct-mapped as recent is, but a slot's key and time side
// by side: it is written on every SUBMIT and SEND row and read only for
// mail from outside with an internal sender, so one cache line a write
// matters more than recent's quick misses.
type sentTable struct {
	slots []sentSlot
	mask  uint64
}

type sentSlot struct {
	key uint64
	at  int64
}

func newSentTable(n int) sentTable {
	size := 1
	for size < n {
		size <<= 1
	}
	return sentTable{slots: make([]sentSlot, size), mask: uint64(size - 1)}
}

// leftAt records that the message with hash h was made or sent out by the
// organization at ev's time.
func (a *Analyzer) leftAt(h uint64, ev *tracking.Event) {
	if ev.Time.IsZero() {
		return
	}
	a.ours.slots[h&a.ours.mask] = sentSlot{h, ev.Time.UnixNano()}
}

// returning reports whether a message from outside is one the
// organization made or sent out before it arrived.
func (a *Analyzer) returning(ev *tracking.Event) bool {
	if ev.MessageID == "" || ev.Time.IsZero() {
		return false
	}
	h := hash(ev.MessageID)
	s := a.ours.slots[h&a.ours.mask]
	return s.key == h && s.at != 0 && ev.Time.UnixNano() > s.at
}
