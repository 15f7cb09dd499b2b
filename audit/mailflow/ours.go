package mailflow

import (
	"math"
	"mime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

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
// mailbox submitted. Each SUBMIT of a new message of the organization's
// own (a mailbox handed the message to transport; Exchange 2010 logs a
// RECEIVE from the store driver; see submission for what is not one) is
// remembered with its time, sender and subject in a recent table
// (Config.Window slots, 65,536 by default: a busy server's older messages
// drop out, so on one submitting more than that in returnWindow an old
// message's return counts as forged, a false alarm), and a message from
// outside under an ID submitted before it arrived, within returnWindow,
// from the submission's sender and under its subject (loosely, see
// subjectKey), is counted as returned (audit.SpoofedSender.Returned), at
// each arrival: seed 000's flood was one message sent back a hundred
// times. A message from outside under a submitted ID from another sender
// or under another subject is no return but a forgery that copied it (a
// CEO fraud reusing the ID and subject of a colleague's post to a list it
// read, or of an out-of-office reply it was sent), and is not counted
// against the real message either.
//
// What stays possible: a forgery that copies the Message-ID, the sender
// and the subject of a post it read (on a list, or forwarded to it) is
// taken for a return: it can only say, as the post's author, what the
// post said under the post's subject, and the returns that come with no
// flood are info, not hidden. Known false alarms: a message sent on
// behalf of another (the SUBMIT names the delegate, the copy back the
// principal) or by the organization's own list hosted outside (its bounce
// address as sender) comes back from another sender than its submission
// and counts as forged (high); and where subjects are not logged
// (Set-TransportService -MessageTrackingLogSubjectLoggingEnabled $false)
// no submission has a subject to match, so every message from outside
// with an internal sender is high, returns included. A false alarm, never
// false comfort.
//
// How many times each returned message came back to each recipient is
// counted too (returnCounts), since that is what tells the flood from a
// list's ordinary copies: a list delivers a post once to each internal
// member (twice with a digest, once from each of three lists it was
// cross-posted to), a broken server re-sends it to the same recipients
// again and again. The sender stays listed either way, but one whose
// messages all came back, none of them audit.ReturnFlood times to one
// recipient (nor audit.ReturnRepeat times among audit.ReturnMany
// returns), is mail working (audit.SpoofedSender.Severity).
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
// broken server (seed 000) for hours, a moderated list when the moderator
// approves it, days later (the fourth review's in/moder: 26 hours, high
// with a day's window). A week: the sender and the subject must match
// too, so an old Message-ID is no easier to abuse than a new one, and
// the table of submissions drops a busy server's old ones anyway.
const returnWindow = 7 * 24 * time.Hour

// sentTable remembers when recent messages (by Message-ID hash) were
// submitted and under what subject, in pairs of slots as recent
// does, but a slot's key and value side by side: it is written on every
// SUBMIT row and read only for mail from outside with an internal sender,
// so one cache line a write matters more than recent's quick misses.
type sentTable struct {
	slots []sentSlot
	// pair masks a hash to its pair's first slot.
	pair uint64
}

// sentSlot is 16 bytes, four to a cache line: the Message-ID's hash is
// kept as a 32-bit tag of its high bits (the slot's index holds its low
// ones: two messages of a pair mistaken for one another once in four
// billion), and the time in whole seconds (Unix, unsigned: until 2106). A
// second is fine enough: a return needs a list or a remote server to take
// the message and send it back, seconds at least, and returning's
// comparison in whole seconds errs only towards a forgery (see
// returning). The sender's and the subject's keys are 32 bits each: a
// return must match both, so a forgery reusing a Message-ID it read under
// its own sender and subject matches by chance once in four billion for
// each it did not copy.
type sentSlot struct {
	// tag is tagOfID of the Message-ID's hash; at is the submission's
	// time in Unix seconds, 0 for an empty slot; by is senderKey of its
	// sender; subject is subjectKey of its subject, 0 for none.
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
// return path.
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
	return fold32(hash(addr))
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

// subjectKey is a 32-bit key of a subject loosely, as the message's copies
// come back with it, 0 for none (no subject, or nothing but tags and
// prefixes): the sender has to match too (see returning), so the subject
// need only tell this message from another the forger wrote, and a strict
// one made ordinary returns forgeries. What the copies do to a subject:
//
//   - RFC 2047 encoded-words: a list or gateway decodes and re-encodes
//     them, so "=?utf-8?q?Budget?=" is "Budget" (decoded only when "=?"
//     is there: every submission is keyed; undecodable, kept raw).
//   - Case: folded (ASCII by hash; other letters by lower, only when the
//     subject has any).
//   - [tags] anywhere: Mailman 3 puts "[staff]" after the reply prefix
//     ("Re: [staff] Budget" back as "[staff] Re: Budget"), other lists at
//     the end ("Budget [staff]"), gateways "[EXTERNAL]".
//   - Leading reply and forward prefixes (replyPrefixes and their
//     translations in returnPrefixes), as lists move them around the tag,
//     and a gateway's "EXTERNAL:" marker.
//   - Whitespace: runs folded to one space and trimmed, as header
//     re-folding changes them.
//
// A forgery keeping the sender and a subject that differs only in these
// ways is a copy of the message, which is what it would have to be anyway.
func subjectKey(subj string) uint32 {
	if strings.Contains(subj, "=?") {
		if d, err := subjectDecoder.DecodeHeader(subj); err == nil {
			subj = d
		}
	}
	if !allASCII(subj) {
		subj = lower(subj)
	}
	subj = untagged(subj)
	if subj == "" {
		return 0
	}
	if plainSubject(subj) {
		// Nearly every subject: nothing to drop or fold, hashed as it is.
		return fold32(hash(subj)) | 1
	}
	// The rest is copied into a buffer on the stack without its tags and
	// with its whitespace folded, and hashed: no allocation for a subject
	// up to its size (append moves a longer one to the heap).
	var buf [256]byte
	out := buf[:0]
	space := false
	for i := 0; i < len(subj); i++ {
		c := subj[i]
		switch {
		case c == '[':
			if j := strings.IndexByte(subj[i:], ']'); j >= 0 {
				i += j
				space = true // "a[x]b" is "a b": a tag stands apart
				continue
			}
		case isSpace(c):
			space = true
			continue
		}
		if space && len(out) > 0 {
			out = append(out, ' ')
		}
		space = false
		out = append(out, c)
	}
	if len(out) == 0 {
		return 0
	}
	return fold32(hash(unsafe.String(unsafe.SliceData(out), len(out)))) | 1
}

// subjectDecoder decodes the encoded-words of a subject; an unknown
// charset is an error, and the subject is then kept as it came.
var subjectDecoder mime.WordDecoder

// returnPrefixes are the leading reply and forward prefixes untagged cuts
// (lower-case, as hasPrefixFold wants them): replyPrefixes, which the
// subject analysis strips, and the translations a list or a user's client
// may add to a copy: Finnish "vs:", Dutch "antw:", Spanish "rv:", Italian
// "r:" and "i:". Kept apart from replyPrefixes, whose subjects elsewhere
// are counted.
var returnPrefixes = append(slices.Clone(replyPrefixes), "vs:", "antw:", "rv:", "r:", "i:", "external:")

// plainSubject reports whether subj, untagged, has nothing subjectKey
// drops or folds: no '[', no whitespace but single spaces, no trailing
// space. strings' searches and a word at a time: every submission is
// keyed.
func plainSubject(subj string) bool {
	if subj[len(subj)-1] == ' ' || strings.IndexByte(subj, '[') >= 0 || strings.Contains(subj, "  ") {
		return false
	}
	// A byte below 0x20 (tab, CR, LF...) in a word: its high bit set in
	// w-0x20 where the byte was below, masked where the byte was not
	// ASCII (a UTF-8 byte is no whitespace).
	const low, high = 0x2020202020202020, 0x8080808080808080
	i := 0
	for ; i+8 <= len(subj); i += 8 {
		if w := word(subj, i); (w-low)&^w&high != 0 {
			return false
		}
	}
	for ; i < len(subj); i++ {
		if subj[i] < 0x20 {
			return false
		}
	}
	return true
}

// untagged is subj trimmed, without its leading "[tag]"s, reply and
// forward prefixes and "EXTERNAL:" marker, however many and in whatever
// order.
func untagged(subj string) string {
	for {
		for len(subj) > 0 && isSpace(subj[0]) {
			subj = subj[1:]
		}
		if len(subj) == 0 {
			return subj
		}
		if subj[0] == '[' {
			i := strings.IndexByte(subj, ']')
			if i < 0 {
				return subj
			}
			subj = subj[i+1:]
			continue
		}
		// Every prefix ends in ':' within its first nine bytes
		// ("external:"): a subject without one there has none, settled
		// without trying each (every submission is keyed).
		if strings.IndexByte(subj[:min(len(subj), 9)], ':') < 0 {
			return subj
		}
		cut := false
		for _, p := range returnPrefixes {
			if hasPrefixFold(subj, p) {
				subj, cut = subj[len(p):], true
				break
			}
		}
		if !cut {
			return subj
		}
	}
}

// isSpace reports whether c is ASCII whitespace, as header folding writes
// it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// submission is what Add finds out about a row of a mailbox's submission
// (a SUBMIT, or Exchange 2010's RECEIVE from the store driver), once.
type submission struct {
	// mailbox: the row is a submission.
	mailbox bool
	// resent: its Message-ID came from outside recently (a.inbound), so a
	// mailbox rule redirecting or forwarding the arrival (which keeps its
	// Message-ID) submitted it again: the message, its sender and its
	// subject are the outside sender's.
	resent bool
	// own: a new message of the organization's own, remembered by
	// submitted; h is its Message-ID's hash.
	own bool
	h   uint64
}

// storeDriver reports whether a RECEIVE is Exchange 2010's of a mailbox's
// submission. Exchange writes the source as compared first: EqualFold, a
// byte at a time, is the rare case.
func storeDriver(ev *tracking.Event) bool {
	return ev.Source == "STOREDRIVER" || strings.EqualFold(ev.Source, "STOREDRIVER")
}

// submission tells whether a mailbox's submission is the organization's
// own new message, whose Message-ID coming back from outside under its
// subject proves a return (see returning). Two are not, and remembered
// they made a forgery a return:
//
//   - An automatic reply or a read receipt: an out-of-office reply goes to
//     whoever wrote to the user, so its Message-ID and subject are the
//     outside sender's to reuse ("Automatic reply: quick question" from
//     the CEO, to all@). isAutoReply knows Exchange's and Outlook's
//     prefixes in their languages; isReceipt the read receipts'.
//   - A message that came from outside recently (resent): a redirect or
//     forward rule submits it again under its Message-ID, with the outside
//     sender's subject, and the sender may send it again, now "from" the
//     CEO.
//
// The subject tests come first: they cost a comparison or two, the look-up
// in a.inbound a hash and a cache miss, once a submission.
func (a *Analyzer) submission(ev *tracking.Event) submission {
	s := submission{mailbox: true}
	if ev.MessageID == "" {
		return s
	}
	auto := isAutoReply(ev) || isReceipt(ev.Subject)
	if auto && a.cfg.IsInternal != nil {
		// Neither remembered nor learnt from: no look-up needed.
		return s
	}
	s.h = hash(ev.MessageID)
	_, s.resent = a.inbound.get(s.h)
	s.own = !auto && !s.resent
	return s
}

// receiptPrefixes are the subject prefixes of read (and not-read) receipts
// Outlook and Exchange write, lower-case as hasPrefixFold wants them
// (ASCII letters folded, others as written): the mailbox submits them to
// whoever asked, as it does automatic replies.
var receiptPrefixes = []string{
	"read:", "not read:", "gelesen:", "nicht gelesen:", "lu :", "lu:", "non lu :", "non lu:",
	"leído:", "no leído:", "letto:", "non letto:", "gelezen:", "niet gelezen:", "lida:", "não lida:",
	"läst:", "inte läst:", "læst:", "lest:", "luettu:", "przeczytano:", "přečteno:", "olvasott:",
	"okundu:", "Прочитано:", "開封済み:", "已读:", "已讀:", "읽음:",
}

// receiptFirst marks the first bytes (ASCII lower case) of
// receiptPrefixes: most subjects start with none, and are settled without
// trying each prefix (every submission is tested).
var receiptFirst = func() (b [256]bool) {
	for _, p := range receiptPrefixes {
		b[p[0]|0x20] = true
	}
	return b
}()

// isReceipt reports whether subject is a read receipt's.
func isReceipt(subject string) bool {
	subject = strings.TrimSpace(subject)
	if subject == "" || !receiptFirst[subject[0]|0x20] {
		return false
	}
	for _, p := range receiptPrefixes {
		if hasPrefixFold(subject, p) {
			return true
		}
	}
	return false
}

// submitted records that a mailbox submitted the message with hash h at
// ev's time, a new message of the organization's own (submission). A
// message submitted again keeps its first time and subject.
func (a *Analyzer) submitted(h uint64, ev *tracking.Event) {
	at, ok := unixSeconds(ev.Time)
	if !ok {
		return
	}
	tag := tagOfID(h)
	slot := func() sentSlot {
		return sentSlot{tag: tag, at: at, by: senderKey(senderOf(ev)), subject: subjectKey(ev.Subject)}
	}
	p := a.ours.pairOf(h)
	for i := range p {
		if s := &p[i]; s.tag == tag && s.at != 0 {
			if at < s.at {
				*s = slot()
			}
			return
		}
	}
	p[1], p[0] = p[0], slot()
}

// returning reports whether a message from outside is one the
// organization submitted before it arrived, within returnWindow, and if so
// counts its arrival (see countReturns).
//
// The same message: from the submission's sender (senderKey, its case
// folded) and under its subject (subjectKey, loosely: tags, prefixes,
// case, whitespace and encoding as lists change them), not empty. Both:
// the subject alone let a forgery "from" the CFO copy the ID and subject
// of a colleague's post it read (the fourth review's bec), and the sender
// alone one "from" the post's author under a subject of its own. A real
// return that names another sender than its submission (sent on behalf
// of another: the SUBMIT names the delegate, the list's copy the
// principal; an own list hosted outside: its bounce address) counts as
// forged: a known false alarm, see the package's note.
//
// Before, in whole seconds: a return read in the second of its
// submission, or a second of skew between the servers' clocks ahead of
// it, counts as forged (a false alarm, never false comfort), since
// floor(arrival) > floor(submission) only when the arrival was later. No
// list answers within the second (the reviewers' same-second return came
// 50 ms after the SEND out); what does is a mailbox rule redirecting the
// arriving message, which keeps its Message-ID, sender and subject and
// is logged as a submission right after it (submission leaves out such
// a submission when the arrival was read before it; read after it, from
// an export read apart, the second still stands between them). The day is
// counted in whole seconds too, up to a second longer than returnWindow.
func (a *Analyzer) returning(ev *tracking.Event, sender string) (back bool, arrival int64) {
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
		if s.by != senderKey(sender) || s.subject == 0 || s.subject != subjectKey(ev.Subject) {
			return false, 0
		}
		return true, a.countReturns(h, ev)
	}
	return false, 0
}

// returnCountSlots is the size of returnCounts. A variable for the tests.
var returnCountSlots = 1 << 16

// countReturns counts an arrival of the returned message with hash h to
// each of its recipients, and returns how many times it has come to the
// one it came to most, this time included.
//
// A flood is the message sent to the same recipient again and again,
// wherever from: a broken server re-sends it with a new envelope sender
// each time (a bounce address per message) or through a pool of
// addresses (Exchange Online Protection in a hybrid), so counting each
// return path or remote server apart, as an earlier version did, made
// every copy of seed 000's flood a first. A list's ordinary copies stay
// under audit.ReturnFlood: once to each member, twice with a digest, once
// from each list of a cross-post.
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
func (a *Analyzer) countReturns(h uint64, ev *tracking.Event) int64 {
	if a.returnCounts == nil {
		a.returnCounts = newRecent[uint32](returnCountSlots)
	}
	recipients := ev.Recipients
	if len(recipients) == 0 {
		// Still one message to someone: counted under no recipient.
		recipients = []string{""}
	}
	var most uint32
	for _, r := range recipients {
		n := a.returnCounts.front(mix(hash(lower(r)), h))
		if *n < math.MaxUint32 {
			*n++
		}
		most = max(most, *n)
	}
	return int64(most)
}
