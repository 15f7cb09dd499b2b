package mailflow

import (
	"math"
	"math/bits"
	"strings"
	"time"
	"unicode/utf8"

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
// organization never made, a returning one keeps the ID its sender's
// mailbox submitted. Each SUBMIT (a mailbox handed the message to
// transport; Exchange 2010 logs a RECEIVE from the store driver) is
// remembered with its time, sender and subject in a recent table
// (Config.Window slots, a busy server's older messages dropping out), and
// a message from outside under an ID submitted before it arrived, within
// returnWindow, is counted as returned (audit.SpoofedSender.Returned), at
// each arrival: seed 000's flood was one message sent back a hundred
// times. It must also be the same message: from the same sender, or under
// the same subject (see returning). A message from outside under an ID
// submitted with another sender and another subject is no return but a
// forgery that copied it (a CEO fraud reusing the ID of a colleague's post
// to a list it read), and is not counted against the real message either.
//
// How many times each returned message came back to each recipient from
// each source is counted too (returnCounts), since that is what tells the
// flood from a list's ordinary copies: a list delivers a post once to each
// internal member (a list that sends each apart, as VERP does, a dozen
// times for a dozen members), a broken server re-sends it to the same
// recipients again and again. The sender stays listed either way, but one
// whose messages all came back, none of them audit.ReturnFlood times to
// one recipient from one source, is mail working
// (audit.SpoofedSender.Severity).
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
// submitted, by whom and under what subject, in pairs of slots as recent
// does, but a slot's key and value side by side: it is written on every
// SUBMIT row and read only for mail from outside with an internal sender,
// so one cache line a write matters more than recent's quick misses.
type sentTable struct {
	slots []sentSlot
	// pair masks a hash to its pair's first slot.
	pair uint64
}

// sentSlot is 16 bytes, as it was before it held the sender and subject:
// the Message-ID's hash is kept as a 32-bit tag of its high bits (the
// slot's index holds its low ones: two messages of a pair mistaken for one
// another once in four billion), and the time in whole seconds (Unix,
// unsigned: until 2106). A second is fine enough: a return needs a list or
// a remote server to take the message and send it back, seconds at least,
// and returning's comparison in whole seconds errs only towards a forgery
// (see returning). A collision of sender or subject keys (one in four
// billion) would take a forgery that also copied the Message-ID of a
// message submitted in the day before it.
type sentSlot struct {
	// tag is tagOfID of the Message-ID's hash; at is the submission's
	// time in Unix seconds, 0 for an empty slot; by is senderKey of its
	// sender, subject subjectKey of its subject.
	tag, at, by, subject uint32
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

// tagOfID is the part of a Message-ID's hash a sentSlot keeps: the high
// bits, the slot's index being the low ones.
func tagOfID(h uint64) uint32 { return uint32(h >> 32) }

// unixSeconds is t in Unix seconds as a sentSlot holds it, and false for
// no time or one a uint32 cannot hold (before 1970, after 2106: no log's).
func unixSeconds(t time.Time) (uint32, bool) {
	if t.IsZero() {
		return 0, false
	}
	s := t.Unix()
	if s <= 0 || s > math.MaxUint32 {
		return 0, false
	}
	return uint32(s), true
}

// senderOf is the sender a row names, as receive picks it for a message
// from outside: the sender-address (From:, which a list keeps when it
// rewrites the envelope sender to its own bounce address), else the
// return path. A SUBMIT row and the message's return name the same,
// unless the message was sent on behalf of another (see returning).
func senderOf(ev *tracking.Event) string {
	return firstNonEmpty(ev.Sender, unbracket(ev.ReturnPath))
}

// senderKey is a 32-bit key of an address, its case folded as lower
// does, without lower's allocation for an address with ASCII capitals
// (hash folds those itself): it runs on every SUBMIT row.
func senderKey(addr string) uint32 {
	if !allASCII(addr) {
		addr = lower(addr)
	}
	h := hash(addr)
	return uint32(h ^ h>>32)
}

// subjectKey is a 32-bit key of a subject as a list sends it back, 0 for
// none: trimmed, its leading bracketed tags dropped ("[staff] Post 0" is
// "Post 0": a list adds its tag), and its ASCII case folded (hash does).
// Reply and forward prefixes are kept: a list adds none, and "Re: x" is
// another message than "x". Non-ASCII letters keep their case, as hash
// keeps them: a list copies the subject, it does not change its case.
func subjectKey(subj string) uint32 {
	subj = untagged(subj)
	if subj == "" {
		return 0
	}
	h := hash(subj)
	return uint32(h^h>>32) | 1
}

// untagged is subj trimmed, without its leading "[tag]"s.
func untagged(subj string) string {
	subj = strings.TrimSpace(subj)
	for len(subj) > 0 && subj[0] == '[' {
		i := strings.IndexByte(subj, ']')
		if i < 0 {
			break
		}
		subj = strings.TrimSpace(subj[i+1:])
	}
	return subj
}

// allASCII reports whether s has no byte of a multi-byte character, eight
// at a time.
func allASCII(s string) bool {
	const high = 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if word(s, i)&high != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// submitted records that a mailbox submitted the message with hash h at
// ev's time. A message submitted again keeps its first time, sender and
// subject.
func (a *Analyzer) submitted(h uint64, ev *tracking.Event) {
	at, ok := unixSeconds(ev.Time)
	if !ok {
		return
	}
	tag := tagOfID(h)
	p := a.ours.pairOf(h)
	for i := range p {
		if s := &p[i]; s.tag == tag && s.at != 0 {
			if at < s.at {
				*s = sentSlot{tag: tag, at: at, by: senderKey(senderOf(ev)), subject: subjectKey(ev.Subject)}
			}
			return
		}
	}
	p[1], p[0] = p[0], sentSlot{tag: tag, at: at, by: senderKey(senderOf(ev)), subject: subjectKey(ev.Subject)}
}

// returning reports whether a message from outside from sender, through
// the remote server host, is one the organization submitted before it
// arrived, within returnWindow, and if so counts its arrival (see
// countReturns).
//
// The same message: from the sender that submitted it, or under its
// subject. Either alone, since a return may change the one but not the
// other: sent on behalf of another, the SUBMIT names the delegate (the
// Sender: header) and the list's copy, without that header, names the
// From: (boss@ where assistant@ submitted); an own list hosted outside
// (Mailman at lists.corp.example) sets Sender: to its bounce address; and
// a list tags the subject ("[staff] Post 0"), which subjectKey drops. A
// forgery reusing a Message-ID it read on a list, with another sender and
// a subject of its own ("Urgent: new bank details"), stays one; one that
// also copies the subject or the sender is a copy of the post it read.
//
// Before, in whole seconds: a return read in the second of its
// submission, or a second of skew between the servers' clocks ahead of
// it, counts as forged (a false alarm, never false comfort), since
// floor(arrival) > floor(submission) only when the arrival was later. No
// list answers within the second (the reviewers' same-second return came
// 50 ms after the SEND out); what does is a mailbox rule redirecting the
// arriving message, which keeps its Message-ID, sender and subject and
// is logged as a submission right after it: tolerating the second would
// make such a forgery, its submission read first (an export read apart),
// a return. The day is counted in whole seconds too, up to a second
// longer than returnWindow.
func (a *Analyzer) returning(ev *tracking.Event, sender, host string) (back bool, arrival int64) {
	if ev.MessageID == "" {
		return false, 0
	}
	at, ok := unixSeconds(ev.Time)
	if !ok {
		return false, 0
	}
	h := hash(ev.MessageID)
	tag := tagOfID(h)
	for _, s := range a.ours.pairOf(h) {
		if s.tag != tag || s.at == 0 {
			continue
		}
		d := int64(at) - int64(s.at)
		if d <= 0 || d > int64(returnWindow/time.Second) {
			return false, 0
		}
		if s.by != senderKey(sender) && (s.subject == 0 || s.subject != subjectKey(ev.Subject)) {
			return false, 0
		}
		return true, a.countReturns(h, ev, sender, host)
	}
	return false, 0
}

// returnCountSlots is the size of returnCounts. A variable for the tests.
var returnCountSlots = 1 << 16

// countReturns counts an arrival of the returned message with hash h to
// each of its recipients from its source, and returns how many times it
// has come to the one it came to most from that source, this time
// included.
//
// A flood is the same source sending the same message again: a list
// delivers a post to each internal member once, whether to all in one
// arrival or to each apart (VERP); a broken server sends it to the same
// ones again and again. A post to three lists with the same members comes
// once from each, and is no flood (sourceKey).
//
// The counts are kept in a recent table, the newest kept and the oldest
// dropped, where a map made full by a large list (seventy posts to a
// thousand members) left every later return uncounted. A flood comes
// within minutes to hours and each arrival moves its count to the front
// of its pair: to lose it, two other new counts must land in its pair
// between two of its arrivals (at 65,536 slots, one in two thousand for a
// thousand-member list's post between them), and a count lost starts
// again, so a flood is missed only if that happens between each two of
// its arrivals. The table is apart from sentTable, which is written on
// every submission and must stay small; this one is touched only by
// returns, and made at the first.
func (a *Analyzer) countReturns(h uint64, ev *tracking.Event, sender, host string) int64 {
	if a.returnCounts == nil {
		a.returnCounts = newRecent[uint32](returnCountSlots)
	}
	src := bits.RotateLeft64(a.sourceKey(ev, sender, host), 31) * 0xff51afd7ed558ccd
	recipients := ev.Recipients
	if len(recipients) == 0 {
		// Still one message to someone: counted under no recipient.
		recipients = []string{""}
	}
	var most uint32
	for _, r := range recipients {
		n := a.returnCounts.front(h ^ src ^ hash(lower(r))*0x9e3779b97f4a7c15)
		if *n < math.MaxUint32 {
			*n++
		}
		most = max(most, *n)
	}
	return int64(most)
}

// sourceKey is a hash of who sent a returned message: its envelope sender
// (the return path), where a list puts its own bounce address (one for
// each list, even on one server; for each recipient with VERP, each
// counted apart anyway), else the remote server, where the return path is
// none, or the organization's own: a forwarder, a broken server (seed 000)
// or a list keeping the sender's.
func (a *Analyzer) sourceKey(ev *tracking.Event, sender, host string) uint64 {
	if rp := unbracket(ev.ReturnPath); rp != "" && !strings.EqualFold(rp, sender) && !a.internal(rp) {
		return hash(lower(rp))
	}
	return hash(lower(host)) ^ 1
}
