package mailflow

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// reportKind says what a subject prefix marks.
type reportKind uint8

const (
	notReport reportKind = iota
	ndrReport
	autoReply
)

// prefixes are the subject prefixes delivery reports and automatic replies
// put in front of the original subject, in the languages Exchange and
// Outlook write them in: ASCII letters lower-case (a subject's are folded),
// other letters as written, since only ASCII is folded (Cyrillic's capital
// first letter). "Delivery Status Notification (Failure)" and its like
// replace the subject rather than prefix it; they still count as one
// level. A language missing here hides its storms and loops, so the list
// errs on the side of more: a prefix no real subject starts with costs a
// comparison on the subjects sharing its first byte.
var prefixes = []struct {
	text string
	kind reportKind
}{
	{"undeliverable:", ndrReport},
	{"unzustellbar:", ndrReport},
	{"non remis :", ndrReport},
	{"non remis:", ndrReport},
	{"onbestelbaar:", ndrReport},
	{"no se puede entregar:", ndrReport},
	{"returned mail:", ndrReport},
	{"mail delivery failed:", ndrReport},
	{"mail delivery failed", ndrReport},
	{"delivery status notification (failure)", ndrReport},
	{"delivery status notification (delay)", ndrReport},
	{"delivery failure:", ndrReport},
	{"failure notice", ndrReport},
	{"delayed:", ndrReport},
	{"non recapitabile:", ndrReport},
	{"não é possível entregar:", ndrReport},
	{"kan inte levereras:", ndrReport},
	{"kan ikke leveres:", ndrReport},
	{"tavoittamaton:", ndrReport},
	{"niedostarczalne:", ndrReport},
	{"nedoručitelné:", ndrReport},
	{"kézbesíthetetlen:", ndrReport},
	{"teslim edilemedi:", ndrReport},
	{"Недоставляемое:", ndrReport},
	{"配信不能:", ndrReport},
	{"无法投递:", ndrReport},
	{"無法傳遞:", ndrReport},
	{"배달 못함:", ndrReport},
	{"automatic reply:", autoReply},
	{"autoreply:", autoReply},
	{"auto:", autoReply},
	{"out of office autoreply:", autoReply},
	{"out of office:", autoReply},
	{"automatische antwort:", autoReply},
	{"réponse automatique :", autoReply},
	{"réponse automatique:", autoReply},
	{"respuesta automática:", autoReply},
	{"risposta automatica:", autoReply},
	{"automatisch antwoord:", autoReply},
	{"resposta automática:", autoReply},
	{"automatiskt svar:", autoReply},
	{"automatisk svar:", autoReply},
	{"automaattinen vastaus:", autoReply},
	{"odpowiedź automatyczna:", autoReply},
	{"automatická odpověď:", autoReply},
	{"automatikus válasz:", autoReply},
	{"otomatik yanıt:", autoReply},
	{"Автоматический ответ:", autoReply},
	{"自動応答:", autoReply},
	{"自動応答：", autoReply},
	{"自动回复:", autoReply},
	{"自动回复：", autoReply},
	{"自動回覆:", autoReply},
	{"自動回覆：", autoReply},
	{"자동 회신:", autoReply},
}

// prefixesBy holds prefixes by their first byte (ASCII lower case), in
// the order of prefixes: every row's subject is looked at, and most start
// with a letter some prefix does, so trying them all cost more than the rest
// of the subject test.
var prefixesBy = func() (by [256][]struct {
	text string
	kind reportKind
}) {
	for _, p := range prefixes {
		by[p.text[0]|0x20] = append(by[p.text[0]|0x20], p)
	}
	return by
}()

// firstBytes marks the first bytes (ASCII lower case, as a subject's is
// looked up) that prefixes and replyPrefixes start with.
var firstBytes = func() (b [256]bool) {
	for _, p := range prefixes {
		b[p.text[0]|0x20] = true
	}
	for _, p := range replyPrefixes {
		b[p[0]|0x20] = true
	}
	return b
}()

// replyPrefixes are stripped without counting: a reply or forward of a
// report is not a report of a report.
var replyPrefixes = []string{"re:", "aw:", "fw:", "fwd:", "wg:", "tr:", "sv:"}

// forwardPrefixes are replyPrefixes' forwards.
var forwardPrefixes = []string{"fw:", "fwd:", "wg:", "tr:"}

// isForward reports whether subject starts with a forward prefix.
func isForward(subject string) bool {
	subject = strings.TrimSpace(subject)
	for _, p := range forwardPrefixes {
		if hasPrefixFold(subject, p) {
			return true
		}
	}
	return false
}

// stripSubject removes report and reply prefixes, returning how many report
// prefixes were stacked, the kind of the outermost one and the root subject
// (trimmed, its case as written: hash folds it).
func stripSubject(s string) (depth int, outer reportKind, root string) {
	root = strings.TrimSpace(s)
	for guard := 0; guard < 64 && mayHavePrefix(root); guard++ {
		matched := false
		for _, p := range prefixesBy[root[0]|0x20] {
			if hasPrefixFold(root, p.text) {
				if depth == 0 {
					outer = p.kind
				}
				depth++
				root = strings.TrimSpace(root[len(p.text):])
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if root, matched = cutReplyPrefix(root); !matched {
			break
		}
	}
	return depth, outer, root
}

// cutReplyPrefix removes one reply or forward prefix ("RE:", "AW:"...)
// from s, if it has one.
func cutReplyPrefix(s string) (string, bool) {
	for _, p := range replyPrefixes {
		if hasPrefixFold(s, p) {
			return strings.TrimSpace(s[len(p):]), true
		}
	}
	return s, false
}

// outerKind is stripSubject's outer alone: the kind of the first report
// prefix under any reply prefixes. It stops there, where stripSubject goes
// on through every report prefix under it, which a loop's subjects stack
// dozens deep; the automatic-reply tests of every RECEIVE and SEND need
// nothing more.
func outerKind(s string) reportKind {
	root := strings.TrimSpace(s)
	for guard := 0; guard < 64 && mayHavePrefix(root); guard++ {
		for _, p := range prefixesBy[root[0]|0x20] {
			if hasPrefixFold(root, p.text) {
				return p.kind
			}
		}
		var matched bool
		if root, matched = cutReplyPrefix(root); !matched {
			break
		}
	}
	return notReport
}

// mayHavePrefix is false when s cannot start with any of prefixes or
// replyPrefixes (firstBytes). It spares most subjects (every row's is
// looked at) the comparisons with each prefix.
func mayHavePrefix(s string) bool {
	return s != "" && firstBytes[s[0]|0x20]
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix is
// lower-case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// reportSenders are local parts that only automated senders use.
var reportSenders = []string{"postmaster", "mailer-daemon", "microsoftexchange329e71ec88ae4615bbc36ab6ce41109e", "mail-daemon"}

func isReportSender(addr string) bool {
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return false
	}
	for _, r := range reportSenders {
		if strings.EqualFold(local, r) {
			return true
		}
	}
	return false
}

// mix combines two hashes into one key: a message and a recipient, a
// remote server and a sender. The multiplier is hash's.
func mix(a, b uint64) uint64 { return a*0x9e3779b97f4a7c15 ^ b }

// fold32 is a 64-bit hash as the 32-bit keys of the tables' slots keep it.
func fold32(h uint64) uint32 { return uint32(h ^ h>>32) }

// hash mixes s eight bytes at a time, ASCII case folded, so keys that
// differ only in case meet. It runs for every row of the logs (message IDs
// tie a message's rows together), where a byte-at-a-time hash cost more
// than the rest of the row's analysis.
//
// It folds ASCII only, unlike lower, and that is not a mismatch: its inputs
// are message IDs, subject roots and addresses lower has already folded.
// Message IDs are case-sensitive in RFC 5322, but they are ASCII (bar the
// rare RFC 6532 message) and folding tolerates logs and relays that change
// their case; two distinct IDs that differ only in case would need their
// long unique parts to coincide letter for letter, which practically never
// happens within the recent tables' window. Subject roots are copied
// verbatim into the reports and replies that carry them, so their
// non-ASCII letters keep their case; folding Unicode here would put the
// many non-ASCII subjects on a slow path for nothing.
func hash(s string) uint64 {
	const m = 0x9e3779b97f4a7c15
	h := uint64(len(s)) * m
	for len(s) >= 8 {
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8))
		h = (h ^ foldWord(w)) * m
		h ^= h >> 29
		s = s[8:]
	}
	if len(s) > 0 {
		var w uint64
		for i := len(s) - 1; i >= 0; i-- {
			w = w<<8 | uint64(s[i])
		}
		h = (h ^ foldWord(w)) * m
		h ^= h >> 29
	}
	// The tables index by the low bits: mix the high ones down.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// foldWord lower-cases the ASCII capitals among the eight bytes of w.
func foldWord(w uint64) uint64 {
	const (
		low7  = 0x7f7f7f7f7f7f7f7f
		highs = 0x8080808080808080
	)
	b := w & low7
	atLeastA := b + 0x3f3f3f3f3f3f3f3f        // high bit set where b >= 'A'
	aboveZ := b + 0x2525252525252525          // high bit set where b > 'Z'
	upper := (atLeastA ^ aboveZ) & ^w & highs // 'A'..'Z', and not a byte >= 0x80
	return w | upper>>2
}

// lower folds an address's case the way strings.ToLower does, Unicode
// included, allocating only when something changes.
//
// Full Unicode folding, not ASCII only: the group addresses and internal
// domains the analysis is matched against come from the directory
// (Recipient.SMTPAddresses, directory.Domain, the audit's own look-ups),
// which all use strings.ToLower. Folding ASCII only would leave a logged
// "ÉVA@x.de" as "Éva@x.de", never the directory's "éva@x.de"; folding
// Unicode only when an ASCII capital is present (as this once did) split
// one address into two keys depending on its other letters. Addresses with
// non-ASCII letters (SMTPUTF8) are rare, so the cost of the slow path falls
// on few rows, and strings.ToLower allocates nothing when it changes
// nothing.
func lower(s string) string {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
				return strings.ToLower(s)
			}
		}
		return s
	}
	// The last eight bytes are tested as one word, overlapping the one
	// before: cheaper than a byte at a time for the tail.
	last := len(s) - 8
	for i := 0; i < last; i += 8 {
		if mayFold(word(s, i)) {
			return strings.ToLower(s)
		}
	}
	if mayFold(word(s, last)) {
		return strings.ToLower(s)
	}
	return s
}

// word returns the eight bytes of s from i on; s must hold them.
func word(s string, i int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
}

// mayFold reports whether one of w's bytes is an ASCII capital or not
// ASCII, which strings.ToLower may change. Addresses are lower-cased on
// almost every row, and are lower-case ASCII already nearly always: testing
// a word at a time makes that check cheap.
func mayFold(w uint64) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	x := w &^ high // no carry leaves a byte below
	// A byte of ge has its high bit set where x >= 'A', of gt where
	// x > 'Z'; a byte with the high bit set in w is not ASCII.
	ge, gt := x+(0x80-'A')*ones, x+(0x80-'Z'-1)*ones
	return ((ge^gt)|w)&high != 0
}

// unbracket is strings.Trim(s, "<>"), which builds its set of characters
// on every call: once or twice a row, that was most of the return-path
// check.
func unbracket(s string) string {
	for len(s) > 0 && (s[0] == '<' || s[0] == '>') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == '<' || s[len(s)-1] == '>') {
		s = s[:len(s)-1]
	}
	return s
}

// domainOf returns the lower-case domain of an address, "" when none.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	return lower(strings.TrimSuffix(addr[i+1:], ">"))
}
