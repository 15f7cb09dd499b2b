package mailflow

import (
	"strings"
	"time"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/directory/tracking"
)

// Config tunes an analysis. The zero value is valid: group addresses are
// then inferred from EXPAND events, internal domains from local deliveries,
// originating senders and group addresses.
type Config struct {
	// Interval is the width of timeline buckets; 0 means one hour.
	Interval time.Duration
	// IsInternal decides whether mail for a domain stays in the
	// organization; nil infers internal domains from the events.
	IsInternal func(domain string) bool
	// InternalDomains are domains (with their subdomains) always taken as
	// internal, besides IsInternal or the inferred ones.
	InternalDomains []string
	// Groups are the organization's group addresses, when a directory is
	// available. Groups seen in EXPAND events are added either way.
	Groups []Group
	// Servers are the host names and IP addresses of the organization's
	// own Exchange servers, as tracking.Servers names them from the logs:
	// a message one of them relays to another is an internal hop, not mail
	// from outside (see fromOutside).
	Servers []string
	// MinRounds is how many rounds one message must go through a group to
	// count as a loop: reports (bounces, automatic replies) of it coming
	// back from the same reporter, each a report of the one before or a
	// while after it (see rounds.go), or the message itself expanded again
	// after leaving the organization; 0 means 3.
	MinRounds int
	// RoundGap is the longest pause between a reporter's reports that
	// still continues a chain of rounds; 0 means one hour. Loop rounds
	// take seconds to minutes; a partner answering a weekly post every
	// week is no loop. A report that follows a new post of the subject to
	// the group, by anyone but an outside member, answers the post and is
	// no round.
	RoundGap time.Duration
	// RoundSpacing is the time slot of a round of a reporter whose
	// reports do not stack prefixes: its reports in one slot belong to one
	// round. 0 means ten seconds.
	RoundSpacing time.Duration
	// MinDepth is the stack of report prefixes ("Undeliverable:
	// Undeliverable: ...") that alone marks a loop; 0 means 3.
	MinDepth int
	// MinStorm is how many automatic replies must go each way between the
	// same two addresses to count as a storm; 0 means 3.
	MinStorm int
	// MinBackscatter is how many delivery reports for recipients that do
	// not exist one source must send to outside addresses to be reported
	// as backscatter, medium; as many within one clock hour make it high.
	// 0 means 10. A mistyped address bounces once, a correspondent's stale
	// address a few times; an NDR attack (seeds 003 and 004) fills queues
	// with hundreds an hour. See backscatterOf.
	MinBackscatter int
	// MinDistributed is how many such reports the sources under
	// MinBackscatter must send together to be reported as one distributed
	// source: within 24 consecutive clock hours, medium; four times as
	// many within one clock hour, high. 0 means five times MinBackscatter
	// (50, and 200 an hour). See distributedOf.
	MinDistributed int
	// MaxKeys caps each organization-wide aggregate (senders, address
	// pairs, sources); 0 means 100,000.
	MaxKeys int
	// MaxPerGroup caps each group's per-address aggregates; 0 means 2,000.
	MaxPerGroup int
	// Window is the number of slots of the tables of recent message IDs that tie a
	// message's rows together; 0 means 65,536. The table of groups' posts
	// read before any report of their subject (posts.go) has a quarter as
	// many.
	Window int
	// Top caps the lists in the result; 0 means 20.
	Top int
}

// Group is a group address the directory knows.
type Group struct {
	Address string
	ID      string
	Name    string
}

// ConfigFor builds a Config from a snapshot: its groups' SMTP addresses,
// and the engine's own internal-domain test (audit.InternalDomainFunc).
func ConfigFor(snap *directory.Snapshot, extraInternal []string) Config {
	cfg := Config{IsInternal: audit.InternalDomainFunc(snap, extraInternal)}
	for i := range snap.Groups {
		g := &snap.Groups[i]
		for _, a := range g.SMTPAddresses() {
			cfg.Groups = append(cfg.Groups, Group{Address: a, ID: g.ID, Name: g.Name})
		}
	}
	return cfg
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = time.Hour
	}
	if c.MinRounds <= 0 {
		c.MinRounds = 3
	}
	if c.RoundGap <= 0 {
		c.RoundGap = time.Hour
	}
	if c.RoundSpacing <= 0 {
		c.RoundSpacing = 10 * time.Second
	}
	if c.MinDepth <= 0 {
		c.MinDepth = 3
	}
	if c.MinStorm <= 0 {
		c.MinStorm = 3
	}
	if c.MinBackscatter <= 0 {
		c.MinBackscatter = 10
	}
	if c.MinDistributed <= 0 {
		c.MinDistributed = 5 * c.MinBackscatter
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = 100_000
	}
	if c.MaxPerGroup <= 0 {
		c.MaxPerGroup = 2000
	}
	if c.Window <= 0 {
		c.Window = 1 << 16
	}
	if c.Top <= 0 {
		c.Top = 20
	}
	return c
}

// Analyzer accumulates evidence from events fed to Add in order.
type Analyzer struct {
	cfg      Config
	interval int64
	// roundGap and roundSpacing are Config's, in seconds.
	roundGap, roundSpacing int64

	known  map[string]Group
	groups map[string]*groupAgg
	own    ownServers
	// learned maps each inferred internal domain to itself, so that
	// lastLearned can hold the map's own copy of the one seen last.
	learned     map[string]string
	lastLearned string
	rewrites    map[string]*rewriteAgg
	spoof       map[string]*spoofAgg
	back        map[string]*backAgg
	oof         map[string]*oofAgg
	strs        map[string]string

	// spoofed counts spoofed messages, those of senders dropped at
	// MaxKeys included.
	spoofed int64
	// held are messages from outside that came while no internal domain
	// was known (see holdSpoof); unjudged counts them, those dropped at
	// maxHeldSpoofs or as repeats included.
	held     []heldSpoof
	unjudged int64

	msgs *recent[msgRef]
	// needRecips is set once msgs holds an expansion with needRecips.
	needRecips bool
	early      *recent[earlyRows]
	// earlyHeld counts the recipients early holds.
	earlyHeld int
	failed    *recent[struct{}]
	reentries *recent[reentry]
	// inbound holds the recent arrivals from outside (relayed.go).
	inbound *recent[arrival]
	// hostOf names remote servers by their addresses, as the edge's rows
	// name them (relayed.go); nil until a hub's row of an edge's arrival
	// names the address. hostsNamed: it holds one.
	hostOf     *recent[string]
	hostsNamed bool
	seen       *recent[struct{}]
	// arrivals count the Exchange Online member rows read before their
	// arrival's expansion (reentry.go); nil until one is.
	arrivals *recent[uint32]
	// ours holds when the organization's mailboxes submitted each recent
	// new message, and under what subject (ours.go).
	ours sentTable
	// returnCounts counts the arrivals of each of the organization's own
	// messages coming back to each recipient, by a hash of the two,
	// wherever from (countReturns); nil until one does.
	returnCounts *recent[uint32]
	// posts holds groups' ordinary posts read before any report of their
	// root subject (posts.go), nil until one is.
	posts *recent[heldPosts]
	// dsns are reports read before their original's RECEIVE from outside
	// (heldreports.go), nil until one is; dsnsHeld counts them.
	dsns     *recent[[]heldDSN]
	dsnsHeld int
	// ndrs ties Exchange Online's reports to their originals; nil until a
	// message-trace row needs it.
	ndrs *tenantNDRs

	// period spans the events' times.
	period    span
	truncated map[string]bool
}

type msgRef struct {
	g          *groupAgg
	root       *rootAgg
	needRecips bool
}

type groupAgg struct {
	addr, id, name string
	// addrHash is hash(addr), for the per-expansion look-up of returns.
	addrHash uint64

	expansions, delivered, inbound, bounces, nullBounces int64
	maxDepth                                             int
	span
	roots map[uint64]*rootAgg
	// returns are the messages the group expanded again after they left
	// the organization and came back (reentry.go).
	returns map[uint64]*returnAgg

	external              map[string]int64
	senders               map[string]bool
	inServers, outServers map[string]int64
	buckets               map[int64]int64
	// The ...Capped flags say the map beside them dropped a key at its cap:
	// its size is then only a lower bound of the distinct keys seen.
	externalCapped, sendersCapped, inCapped, outCapped bool
}

// span is when something was first and last seen. A zero time is no time:
// a row without one does not move either end.
type span struct{ first, last time.Time }

func (s *span) see(t time.Time) {
	if t.IsZero() {
		return
	}
	if s.first.IsZero() || t.Before(s.first) {
		s.first = t
	}
	if t.After(s.last) {
		s.last = t
	}
}

type rootAgg struct {
	reports, recipients int64
	span
	// depths has bit d set when a report d prefixes deep was seen; runs
	// are the reporters' time slots, posts the slots of the group's
	// ordinary posts of the root, sorted and distinct (rounds.go).
	depths uint64
	runs   []reporterRun
	posts  []int64
	// deep is the slots of the reports two or more prefixes deep, for the
	// span of a loop whose reports stack prefixes (rounds.go).
	deep reporterRun
}

type rewriteAgg struct {
	events int64
	span
	senders       map[string]int64
	sendersCapped bool
}

type spoofAgg struct {
	// returned counts the messages that were the organization's own,
	// coming back (ours.go).
	messages, returned, recipients int64
	// mostReturns is the most arrivals of one returned message to one
	// recipient (countReturns).
	mostReturns int64
	span
	// clients and subjectSeen are short lists searched in turn, made at
	// their first entry, not maps: a sender has a few of each (at most
	// perSpoofCap), and a map costs hundreds of bytes even for one, which
	// a campaign forging 80,000 senders multiplies by as many.
	clients []audit.AddressCount
	// subjects are the first few distinct subjects, cut to maxSubject.
	subjects []string
	// subjectSeen holds a hash of each distinct subject, so that the
	// report can say how many there were beyond the few it quotes.
	subjectSeen                   []uint64
	clientsCapped, subjectsCapped bool
}

// perSpoofCap caps each spoofed sender's clients and distinct subjects (or
// MaxPerGroup, when lower): a campaign may come from many hosts under many
// subjects, and what matters is that it happened and how big it was, not
// every host.
const perSpoofCap = 50

type backAgg struct {
	reports int64
	span
	domains       map[string]int64
	domainsCapped bool
	buckets       map[int64]int64
	// hours count the reports per clock hour, whatever the timeline's
	// interval: the severity must not depend on how the report is drawn.
	hours map[int64]int64
}

type oofAgg struct {
	internal, external string
	out, in            int64
	span
}

// New returns an Analyzer.
func New(cfg Config) *Analyzer {
	cfg = cfg.withDefaults()
	a := &Analyzer{
		cfg:       cfg,
		interval:  int64(cfg.Interval / time.Second),
		known:     make(map[string]Group, len(cfg.Groups)),
		groups:    map[string]*groupAgg{},
		own:       newOwnServers(cfg.Servers),
		learned:   map[string]string{},
		rewrites:  map[string]*rewriteAgg{},
		spoof:     map[string]*spoofAgg{},
		back:      map[string]*backAgg{},
		oof:       map[string]*oofAgg{},
		strs:      map[string]string{},
		msgs:      newRecent[msgRef](cfg.Window),
		early:     newRecent[earlyRows](cfg.Window),
		failed:    newRecent[struct{}](cfg.Window),
		reentries: newRecent[reentry](cfg.Window),
		inbound:   newRecent[arrival](cfg.Window),
		seen:      newRecent[struct{}](cfg.Window),
		ours:      newSentTable(cfg.Window),
		truncated: map[string]bool{},
	}
	if a.interval <= 0 {
		a.interval = 1
	}
	a.roundGap, a.roundSpacing = int64(cfg.RoundGap/time.Second), max(int64(cfg.RoundSpacing/time.Second), 1)
	for _, g := range cfg.Groups {
		if addr := lower(strings.TrimSpace(g.Address)); addr != "" {
			a.known[addr] = g
		}
	}
	return a
}

// Add feeds one event. The event may be reused by the caller afterwards:
// nothing of it is kept without a copy.
func (a *Analyzer) Add(ev *tracking.Event) {
	a.period.see(ev.Time)
	k := kindOf(ev.EventID)
	// A mailbox's submission is looked up in the arrivals from outside
	// once, here: learn and submitted both need to know.
	var sub submission
	if k == kindSubmit || k == kindReceive && storeDriver(ev) {
		sub = a.submission(ev)
	}
	if a.cfg.IsInternal == nil {
		a.learn(ev, k, sub)
	}
	trace := ev.Format == tracking.FormatTrace || ev.Format == tracking.FormatTraceDetail
	switch k {
	case kindExpand:
		a.expand(ev)
	case kindReceive:
		if !trace {
			a.receive(ev)
		}
	case kindSend, kindDeliver, kindTransfer:
		a.correlate(ev)
	case kindFail:
		a.correlate(ev)
		a.fail(ev)
	case kindDSN:
		a.dsn(ev)
	}
	// Exchange 2010 logs a mailbox's submission as a RECEIVE from the
	// store driver (never from outside: receive's from outside is SMTP
	// alone), where later versions write SUBMIT.
	if sub.own && !trace {
		a.submitted(sub.h, ev)
	}
	switch k {
	case kindTransfer, kindSend, kindDeliver, kindExpand:
		a.returnPath(ev)
	}
	if trace {
		a.traceRow(ev)
	} else if k == kindSend {
		a.oofOut(ev)
	}
}

// eventKind is an EventID the analysis handles, read once a row rather
// than compared again by every step.
type eventKind uint8

const (
	kindOther eventKind = iota
	kindExpand
	kindReceive
	kindSend
	kindDeliver
	kindTransfer
	kindFail
	kindDSN
	kindSubmit
)

func kindOf(id string) eventKind {
	switch id {
	case "EXPAND":
		return kindExpand
	case "RECEIVE":
		return kindReceive
	case "SEND":
		return kindSend
	case "DELIVER":
		return kindDeliver
	case "TRANSFER":
		return kindTransfer
	case "FAIL":
		return kindFail
	case "DSN":
		return kindDSN
	case "SUBMIT":
		return kindSubmit
	}
	return kindOther
}

// learn infers internal domains when no directory says which they are: a
// local delivery, a mailbox submission and a group's own address all sit in
// one. k is ev's kind, sub what Add found of a submission.
func (a *Analyzer) learn(ev *tracking.Event, k eventKind, sub submission) {
	switch {
	case k == kindDeliver && (ev.Format == tracking.FormatLog || ev.Format == tracking.FormatTrackingCSV):
		for _, r := range ev.Recipients {
			a.learnDomain(domainOf(r))
		}
	case k == kindExpand:
		a.learnDomain(domainOf(ev.RelatedRecipient))
		if ev.Format == tracking.FormatTrace && len(ev.Recipients) > 0 {
			a.learnDomain(domainOf(ev.Recipients[0]))
		}
	case sub.mailbox && !sub.resent:
		// A mailbox submitted it. Originating alone is not enough: mail
		// relayed for an internal application is Originating too. A
		// message that came in from outside and a mailbox rule submits
		// again (resent) keeps its outside sender: learnt, it made that
		// domain internal and its mail a spoofed internal sender.
		a.learnDomain(domainOf(ev.Sender))
	}
}

func (a *Analyzer) learnDomain(d string) {
	// Nearly every row names the organization's main domain: a string
	// comparison settles those without a map look-up.
	if d == "" || d == a.lastLearned {
		return
	}
	if k, ok := a.learned[d]; ok {
		a.lastLearned = k
		return
	}
	if len(a.learned) >= a.cfg.MaxKeys {
		a.truncated["internal domains"] = true
		return
	}
	k := strings.Clone(d)
	a.learned[k], a.lastLearned = k, k
	if len(a.held) > 0 {
		a.judgeHeld()
	}
}

// internal reports whether an address's domain is internal; an address
// without a domain (X.500, <>) is not external.
func (a *Analyzer) internal(addr string) bool {
	d := domainOf(addr)
	if d == "" {
		return true
	}
	for _, x := range a.cfg.InternalDomains {
		if directory.DomainMatches(x, d, true) {
			return true
		}
	}
	if a.cfg.IsInternal != nil {
		return a.cfg.IsInternal(d)
	}
	if d == a.lastLearned {
		return true
	}
	_, ok := a.learned[d]
	return ok
}

func (a *Analyzer) intern(s string) string {
	if v, ok := a.strs[s]; ok {
		return v
	}
	c := strings.Clone(s)
	if len(a.strs) < a.cfg.MaxKeys {
		a.strs[c] = c
	}
	return c
}

func (a *Analyzer) bucket(t time.Time) int64 {
	u := t.Unix()
	b := u / a.interval
	if u < 0 && u%a.interval != 0 {
		b--
	}
	return b
}

// once reports whether (purpose, key) is new among recent events, so that a
// message logged on several servers is counted once.
//
// A row without a message ID cannot be matched to others, so it always
// counts.
func (a *Analyzer) once(purpose byte, id string, more ...string) bool {
	if id == "" {
		return true
	}
	h := hash(id)
	for _, m := range more {
		h = h*1099511628211 ^ hash(m)
	}
	return a.onceKey(h*31 + uint64(purpose))
}

// onceKey reports whether a key of once's is new among recent events.
func (a *Analyzer) onceKey(h uint64) bool {
	if _, ok := a.seen.get(h); ok {
		return false
	}
	a.seen.put(h, struct{}{})
	return true
}

// group returns the aggregate for a group address, creating it when the
// address is a known group or create is set (an EXPAND names it a group).
func (a *Analyzer) group(addr string, create bool) *groupAgg {
	if addr == "" {
		return nil
	}
	if g, ok := a.groups[addr]; ok {
		return g
	}
	k, isKnown := a.known[addr]
	if !isKnown && !create {
		return nil
	}
	if len(a.groups) >= a.cfg.MaxKeys {
		a.truncated["groups"] = true
		return nil
	}
	g := &groupAgg{addr: strings.Clone(addr), addrHash: hash(addr), id: k.ID, name: k.Name}
	a.groups[g.addr] = g
	return g
}

// firstInbound counts into a group its first expansion learnt it by
// (groups inferred from EXPAND rows, without a directory) the message from
// outside that came in before it: receive did not know the group then, so
// the server that started a loop went unnamed among the remote servers
// sending into it. The message's RECEIVE left its server in a.inbound.
func (a *Analyzer) firstInbound(g *groupAgg, ev *tracking.Event) {
	if ev.MessageID == "" || ev.Format == tracking.FormatTrace {
		return
	}
	in, ok := a.inbound.get(hash(ev.MessageID))
	if !ok {
		return
	}
	g.inbound++
	a.inServer(g, in.src)
}

// inServer and outServer count host among the remote servers sending
// into g and receiving from it.
func (a *Analyzer) inServer(g *groupAgg, host string) {
	if g.inServers == nil {
		g.inServers = map[string]int64{}
	}
	addCapped(g.inServers, host, 1, a.cfg.MaxPerGroup, a, "remote servers per group", &g.inCapped)
}

func (a *Analyzer) outServer(g *groupAgg, host string) {
	if g.outServers == nil {
		g.outServers = map[string]int64{}
	}
	addCapped(g.outServers, host, 1, a.cfg.MaxPerGroup, a, "remote servers per group", &g.outCapped)
}

// addCapped adds n to key's count, adding the key while the map is under
// its limit; a key dropped at the limit sets capped, since the map's size is
// then only a lower bound of the keys seen.
//
// Every key stored goes through intern, updates included: event strings
// point into the reader's buffer, and assigning to an existing string key
// replaces the stored key with the one given, which would leave the map
// holding (and keeping alive) a buffer that is about to be overwritten.
func addCapped(m map[string]int64, key string, n int64, limit int, a *Analyzer, what string, capped *bool) {
	if _, ok := m[key]; ok {
		m[a.intern(key)] += n
		return
	}
	if len(m) >= limit {
		a.truncated[what] = true
		*capped = true
		return
	}
	m[a.intern(key)] = n
}

func (a *Analyzer) expand(ev *tracking.Event) {
	addr := lower(ev.RelatedRecipient)
	if addr == "" && ev.Format == tracking.FormatTrace && len(ev.Recipients) > 0 {
		addr = lower(ev.Recipients[0])
	}
	_, existed := a.groups[addr]
	g := a.group(addr, true)
	if g == nil {
		return
	}
	if !existed {
		a.firstInbound(g, ev)
	}
	prev, isReturn, last := a.reenter(g, ev)
	var ret *returnAgg
	if isReturn {
		var dup bool
		if ret, dup = a.returnOf(g, ev, prev); dup {
			return
		}
	}
	g.expansions++
	g.see(ev.Time)
	depth, _, root := stripSubject(ev.Subject)
	sender := lower(ev.Sender)
	null := ev.IsNullReturnPath()
	if ev.Format == tracking.FormatTrace {
		a.traceIn(g, ev, sender, isReturn)
	}
	report := depth > 0 || null || isReportSender(sender)
	if report && ev.Format == tracking.FormatTrace && ev.MessageID != "" {
		a.tenant().expanded.put(hash(ev.MessageID), struct{}{})
	}
	var recips int64
	// Exchange Online lists the members on rows of their own, which may
	// come later: its expansions are taken to reach outside.
	outside := ev.Format == tracking.FormatTrace
	if ev.Format != tracking.FormatTrace {
		for _, r := range ev.Recipients {
			recips++
			if !a.internal(r) {
				outside = true
				if g.external == nil {
					g.external = map[string]int64{}
				}
				addCapped(g.external, lower(r), 1, a.cfg.MaxPerGroup, a, "external recipients per group", &g.externalCapped)
			}
		}
	}
	g.delivered += recips
	if last != nil {
		last.outside, last.returned = outside, ret != nil
	}
	returned := ret != nil
	if returned {
		ret.count++
		ret.recipients += recips
		ret.see(ev.Time)
	}
	// Only reports and returning messages go into the timeline: they are
	// the loop's traffic.
	if report || returned {
		if g.buckets == nil {
			g.buckets = map[int64]int64{}
		}
		g.buckets[a.bucket(ev.Time)]++
	}
	var ra *rootAgg
	if report {
		g.bounces++
		if null {
			g.nullBounces++
		}
		g.maxDepth = max(g.maxDepth, depth)
		if g.roots == nil {
			g.roots = map[uint64]*rootAgg{}
		}
		h := hash(root)
		ra = g.roots[h]
		if ra == nil {
			if len(g.roots) < a.cfg.MaxPerGroup {
				ra = &rootAgg{}
				g.roots[h] = ra
				a.takePosts(g, h, ra)
			} else {
				a.truncated["looping messages per group"] = true
			}
		}
		if ra != nil {
			ra.reports++
			ra.recipients += recips
			ra.see(ev.Time)
			ra.addReport(hash(a.reporterOf(sender, ev.MessageID)), ev.Time.Unix()/a.roundSpacing, depth, recips, max(a.roundGap/a.roundSpacing, 1))
		}
		if returned {
			ret.root = ra
		}
	} else if !returned && root != "" && a.isPost(g, ev, sender) {
		// A fresh post, which its answers follow (rounds.go). A message
		// coming back is not one, nor a post without a subject, whose
		// empty root the reports that replace the subject share.
		a.post(g, hash(root), ev.Time)
	}
	if sender != "" && !isReportSender(sender) && !a.internal(sender) {
		if g.senders == nil {
			g.senders = map[string]bool{}
		}
		if g.senders[sender] || len(g.senders) < a.cfg.MaxPerGroup {
			if !g.senders[sender] {
				g.senders[a.intern(sender)] = true
			}
		} else {
			a.truncated["outside senders per group"] = true
			g.sendersCapped = true
		}
	}
	if ev.MessageID != "" {
		h := hash(ev.MessageID)
		a.msgs.put(h, msgRef{g: g, root: ra, needRecips: ev.Format == tracking.FormatTrace})
		if ev.Format == tracking.FormatTrace {
			a.needRecips = true
			now := ev.Time.UnixMilli()
			if n := a.takeArrival(h, now); returned {
				ret.recipients += n
			}
			if p, ok := a.takeEarly(h); ok {
				for _, r := range p.recipients {
					r, host, _ := strings.Cut(r, hostSep)
					a.attribute(g, ra, r)
					a.traceOut(g, r, host)
					if returned && r != g.addr && a.onceAt(h, r, now) {
						ret.recipients++
					}
				}
				if p.dropped {
					a.truncated[earlyTruncated] = true
				}
			}
		}
	}
}

// correlate ties SEND, DELIVER, TRANSFER and FAIL rows of a message a group
// expanded back to the group: remote servers it went to, and (in Exchange
// Online, whose expansion rows do not list members) the recipients and
// their remote servers (traceOut).
func (a *Analyzer) correlate(ev *tracking.Event) {
	if ev.MessageID == "" {
		return
	}
	h := hash(ev.MessageID)
	// A SEND to one of the organization's own servers (the hub's to the
	// edge) is a hop on the way out, not a remote server.
	out := ev.EventID == "SEND" && ev.Format != tracking.FormatTrace && !a.own.relays(ev.ServerIP, ev.ServerHostname)
	// Of a log's rows, only a SEND out of the organization needs the
	// message's expansion (its remote server), or any row once an
	// Exchange Online expansion wants its recipients: the look-up, a
	// cache miss in a table as large as msgs, is spared the others (the
	// deliveries and transfers, a third of a log's rows).
	if !out && !a.needRecips && ev.Format != tracking.FormatTrace {
		return
	}
	ref, ok := a.msgs.get(h)
	if !ok {
		if ev.Format == tracking.FormatTrace && ev.EventID != "TRANSFER" {
			a.holdEarly(h, ev)
		}
		return
	}
	g := ref.g
	if out {
		if host := firstNonEmpty(ev.ServerHostname, ev.ServerIP); host != "" {
			a.outServer(g, lower(host))
		}
	}
	// A Get-MessageTraceDetailV2 row is one event of a delivery its
	// summary row (Get-MessageTraceV2, which the detail is asked for by)
	// already counts: it brings the failure's reason (fail), never a
	// recipient of its own.
	if !ref.needRecips || ev.EventID == "TRANSFER" || ev.Format == tracking.FormatTraceDetail {
		return
	}
	for _, r := range ev.Recipients {
		lr := lower(r)
		a.attribute(g, ref.root, lr)
		a.traceOut(g, lr, ev.ServerIP)
	}
	a.arrivalRow(g, h, ev)
}

// traceIn names the remote server an Exchange Online expansion came in
// from, as a RECEIVE from outside does on premises (receive). Its row's
// FromIP is the address of the server that handed the message to Exchange
// Online; the tenant's own reports, and mail from the organization's own
// servers, are not from outside, so a sender in an internal domain (or a
// FromIP of one of Config.Servers) names none, unless the expansion is the
// message coming back (back, see reenter): an internal sender's post that
// an outside member's list returned came in from that list's server.
func (a *Analyzer) traceIn(g *groupAgg, ev *tracking.Event, sender string, back bool) {
	ip := ev.ClientIP
	if ip == "" || !back && sender != "" && a.internal(sender) || a.own.relays(ip, "") {
		return
	}
	a.inServer(g, lower(ip))
}

// traceOut names the remote server an Exchange Online row of g's expansion
// went to for an outside member, as a SEND out of the organization does on
// premises (correlate): the row's ToIP, the server Exchange Online
// delivered to, or tried to and was refused by (a Failed row's), where a
// log gives its host name. A row to a mailbox of the organization has
// none, or its own server's.
func (a *Analyzer) traceOut(g *groupAgg, member, toIP string) {
	if toIP == "" || member == g.addr || a.internal(member) {
		return
	}
	a.outServer(g, lower(toIP))
}

// isPost reports whether g's ordinary expansion of ev, from sender, is a
// post its reporters may answer (rounds.go). Mail from one of g's outside
// members (by sender or return path), or a forward from an outside
// member's domain, may be a loop's own: a member whose mailbox forwards or
// redirects the list's mail back to it, perhaps under another address of
// its own than the one the list holds. A customer forwarding something to
// a support list is a post, where the group's outside members are known.
func (a *Analyzer) isPost(g *groupAgg, ev *tracking.Event, sender string) bool {
	rp := lower(unbracket(ev.ReturnPath))
	if g.externalMember(sender) || g.externalMember(rp) {
		return false
	}
	return !isForward(ev.Subject) || a.internal(sender) || !g.externalDomain(domainOf(sender)) && !g.externalDomain(domainOf(rp))
}

// externalDomain reports whether one of the outside addresses g's
// expansions reached is at domain, or none is known (an Exchange Online
// trace filtered to the group has no member rows). Only a forward from
// outside asks.
func (g *groupAgg) externalDomain(domain string) bool {
	if len(g.external) == 0 {
		return true
	}
	if domain == "" {
		return false
	}
	for addr := range g.external {
		if domainOf(addr) == domain {
			return true
		}
	}
	return false
}

// externalMember reports whether addr is one of the outside addresses g's
// expansions reached.
func (g *groupAgg) externalMember(addr string) bool {
	_, ok := g.external[addr]
	return ok && addr != ""
}

// attribute counts a member a group's expansion reached (Exchange Online
// lists them on rows of their own).
func (a *Analyzer) attribute(g *groupAgg, root *rootAgg, member string) {
	if member == g.addr {
		return
	}
	g.delivered++
	if root != nil {
		root.recipients++
	}
	if !a.internal(member) {
		if g.external == nil {
			g.external = map[string]int64{}
		}
		addCapped(g.external, member, 1, a.cfg.MaxPerGroup, a, "external recipients per group", &g.externalCapped)
	}
}

// fromOutside tells whether a RECEIVE came in anonymously from another
// organization (fromInside when not): Exchange 2013 and later say so
// (Incoming); before that the client address has to: not private, not
// loopback.
//
// Incoming stays on every hop inside the organization too, so a RECEIVE
// whose client is one of the organization's own servers (Config.Servers)
// is not from outside in either case: the edge that took the message from
// the Internet relayed it, and its own RECEIVE is the one from outside.
// Unless the row names an outside client in original-client-ip: the Front
// End Transport of the server itself (throughFrontEnd) or of another
// (throughOwnServer) took the message from it, and no row of the Front
// End's logs it. The original client travels with the message, though, and
// may be named again on every later hop between the organization's
// servers: arrive tells those apart.
//
// A private client address on an Incoming row is taken as outside all the
// same, unless it is one of those servers: a filtering gateway in front of
// Exchange hands over all Internet mail from a private address, spoofed
// mail included (seed 000's), and Exchange marks it Incoming because it
// came unauthenticated. Logs without directionality have nothing else to
// tell an internal application's relay from outside mail, so there a
// private address stays inside.
func (a *Analyzer) fromOutside(ev *tracking.Event) origin {
	// Exchange writes both as compared first: EqualFold, a byte at a time,
	// cost more than the rest of the test.
	if ev.Source != "SMTP" && !strings.EqualFold(ev.Source, "SMTP") {
		return fromInside
	}
	if ev.Directionality != "" {
		if ev.Directionality != "Incoming" && !strings.EqualFold(ev.Directionality, "Incoming") {
			return fromInside
		}
	} else if !publicIP(ev.ClientIP) {
		return fromInside
	}
	// Most clients are settled here without a call (see may).
	if !a.own.may(ev.ClientIP) && (surelyPublic(ev.ClientIP) || !a.own.may(ev.ClientHostname)) {
		return a.notOwn(ev)
	}
	if !a.own.relays(ev.ClientIP, ev.ClientHostname) {
		return a.notOwn(ev)
	}
	self := proxiedBySelf(ev)
	switch {
	case ev.OriginalClientIP == "":
		// Without the Front End's client the server's own row may be the
		// first hop (a single server that faces the Internet), so it
		// counts; another server's is a hop.
		if self {
			return fromRemote
		}
		return fromInside
	case a.own.relays(ev.OriginalClientIP, ""):
		return fromInside
	case self:
		return throughFrontEnd
	}
	return throughOwnServer
}

// notOwn tells where a RECEIVE from outside whose client is none of the
// organization's servers came from: a private client that names another
// client in original-client-ip is a Front End that writes no logs (a
// dedicated one, never learnt as a server). The client it names is the
// remote server, or one of the organization's servers or relay clients
// (Config.Servers), whose mail is not from outside; anything else is the
// remote server itself. Behind a filtering gateway on a private address,
// the Front End names the gateway: that is the server the mail came from as
// far as the organization's logs can tell.
func (a *Analyzer) notOwn(ev *tracking.Event) origin {
	// Most rows end at the first test (no Front End on the way), or the
	// second (a public client).
	oc := ev.OriginalClientIP
	if oc == "" || surelyPublic(ev.ClientIP) || oc == ev.ClientIP || publicIP(ev.ClientIP) {
		return fromRemote
	}
	if a.own.relays(oc, "") {
		return fromInside
	}
	return throughHiddenFrontEnd
}

// origin is where a RECEIVE came from (fromOutside).
type origin uint8

const (
	fromInside origin = iota
	// fromRemote: the client is another organization's server.
	fromRemote
	// throughFrontEnd: the server's own Front End took the message from
	// the client named in original-client-ip (see proxiedBySelf).
	throughFrontEnd
	// throughOwnServer: another of the organization's servers handed it
	// over naming an outside client in original-client-ip: its Front End
	// took it from the Internet, or the row is a later hop of an arrival
	// (see arrive).
	throughOwnServer
	// throughHiddenFrontEnd: a private client that is none of the
	// organization's known servers handed it over naming another outside
	// client in original-client-ip (see notOwn).
	throughHiddenFrontEnd
)

// proxiedBySelf reports whether a RECEIVE names its own server as client:
// on Exchange 2013 and later the Front End Transport service takes mail on
// port 25 and hands it to the Transport service on the same server, which
// logs the RECEIVE with the server as client and the real one in
// original-client-ip.
func proxiedBySelf(ev *tracking.Event) bool {
	return ev.ClientIP != "" && ev.ClientIP == ev.ServerIP ||
		ev.ClientHostname != "" && strings.EqualFold(ev.ClientHostname, ev.ServerHostname)
}

// clientOf names the client a RECEIVE from outside (o) came from: the
// Front End's client when a Front End handed it over (see origin).
func clientOf(ev *tracking.Event, o origin) string {
	if o >= throughFrontEnd {
		return ev.OriginalClientIP
	}
	return firstNonEmpty(ev.ClientHostname, ev.ClientIP)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// receive counts a message into the groups it is for. One from outside
// also names its remote server to them and to a later backscatter report,
// and may be a spoofed internal sender or an automatic reply from outside;
// an internal hop (see fromOutside) is none of those, and a hop of a
// message that came from outside (again) is not counted into its groups a
// second time. But when the row taken for the arrival was a hop's for no
// group, and this repeat is for one (the arrival's own row, read after
// it), the repeat counts the arrival into its groups.
func (a *Analyzer) receive(ev *tracking.Event) {
	o := a.fromOutside(ev)
	outside := o != fromInside
	var host, src string
	var h uint64
	var again, asked, late, grouped bool
	if outside {
		host = clientOf(ev, o)
		if ev.MessageID != "" && host != "" {
			h = hash(ev.MessageID)
			var in arrival
			in, again = a.arrive(h, ev, o, host)
			src, outside = in.src, !again
			if outside {
				// The name arrive gave it (see hostOf).
				host = src
			}
			late = again && !in.grouped()
		}
	}
	for _, r := range ev.Recipients {
		g := a.group(lower(r), false)
		if g == nil {
			continue
		}
		if !asked {
			// Only a row for a group asks: most are for mailboxes.
			again, asked = again || !outside && a.hopOfArrival(ev), true
		}
		if again && !late {
			break
		}
		g.inbound++
		grouped = true
		switch {
		case late:
			a.inServer(g, src)
		case outside && host != "":
			a.inServer(g, lower(host))
		}
	}
	if grouped && h != 0 {
		a.markGrouped(h)
	}
	if !outside {
		return
	}
	// Nearly always nothing is held: one comparison spares the look-up on
	// every message from outside.
	if a.dsnsHeld > 0 && src != "" {
		a.receivedDSNs(h, src)
	}
	sender := lower(senderOf(ev))
	if sender != "" && domainOf(sender) != "" && a.internal(sender) {
		// A message is counted once however many rows from outside log
		// it, but one of the organization's own coming back is counted at
		// each arrival: seed 000's remote server sent one message back a
		// hundred times under its one Message-ID, and that is the
		// incident.
		if back, arrival := a.returning(ev, sender); back || a.once('S', ev.MessageID, sender) {
			a.addSpoof(ev, sender, host, back, arrival)
		}
	} else if sender != "" && len(a.learned) == 0 && a.inferring() && domainOf(sender) != "" {
		a.holdSpoof(ev, sender, host)
	}
	a.oofIn(ev, sender)
}

func (a *Analyzer) addSpoof(ev *tracking.Event, sender, host string, back bool, arrival int64) {
	a.countSpoof(heldSpoof{sender: sender, host: host, subject: strings.TrimSpace(ev.Subject), at: ev.Time, recipients: len(ev.Recipients),
		back: back, arrival: arrival})
}

// countSpoof counts one spoofed message. Its strings may point into the
// reader's buffer: what is kept is copied.
func (a *Analyzer) countSpoof(m heldSpoof) {
	sender, host := m.sender, m.host
	a.spoofed++
	s := a.spoof[sender]
	if s == nil {
		if len(a.spoof) >= a.cfg.MaxKeys {
			a.truncated["spoofed senders"] = true
			return
		}
		s = &spoofAgg{}
		a.spoof[a.intern(sender)] = s
	}
	s.messages++
	if m.back {
		s.returned++
		s.mostReturns = max(s.mostReturns, m.arrival)
	}
	s.recipients += int64(m.recipients)
	s.see(m.at)
	if host == "" {
		host = "unknown"
	}
	limit := min(perSpoofCap, a.cfg.MaxPerGroup)
	if !s.addClient(lower(host), limit, a) {
		a.truncated["clients per spoofed sender"] = true
	}
	added := false
	if m.subjectHash != 0 {
		added = s.addQuoted(m.subjectHash, func() string { return m.subject }, limit)
	} else {
		added = s.addSubject(m.subject, limit)
	}
	if !added {
		a.truncated["subjects per spoofed sender"] = true
	}
}

// fail remembers a message that failed because a recipient does not
// exist, for the DSN row that reports it (on premises, the DSN's Reference
// names it). Exchange Online's reports name nothing: traceFail keeps its
// failures by what the report will share with them.
func (a *Analyzer) fail(ev *tracking.Event) {
	if ev.Format == tracking.FormatTrace || ev.Format == tracking.FormatTraceDetail {
		a.traceFail(ev)
		return
	}
	if ev.MessageID == "" {
		return
	}
	for _, st := range ev.RecipientStatus {
		if whyFailed(st) == whyNotFound {
			a.failed.put(hash(ev.MessageID), struct{}{})
			return
		}
	}
}

// dsn counts a delivery report to external addresses whose original message
// failed for a recipient that does not exist: backscatter, once a source
// has sent enough of them (see backscatterOf). A single one is a mistyped
// address bounced as it should be. The source is the server the original
// came in from; a report read before the original's RECEIVE from outside
// (the hub's folder read before the edge's) waits for it (heldreports.go).
func (a *Analyzer) dsn(ev *tracking.Event) {
	if ev.Reference == "" {
		return
	}
	h := hash(ev.Reference)
	if _, ok := a.failed.get(h); !ok {
		return
	}
	in, ok := a.inbound.get(h)
	for _, r := range ev.Recipients {
		if a.internal(r) {
			continue
		}
		if ok {
			a.addBackscatter(ev.Time, in.src, domainOf(r))
		} else {
			a.holdDSN(h, ev.Time, domainOf(r))
		}
	}
}

func (a *Analyzer) addBackscatter(t time.Time, source, domain string) {
	b := a.back[source]
	if b == nil {
		if len(a.back) >= a.cfg.MaxKeys {
			a.truncated[backscatterSourcesCapped] = true
			return
		}
		b = newBackAgg()
		a.back[a.intern(source)] = b
	}
	if !b.count(t, a.intern(domain), a.cfg.MaxPerGroup, a.bucket(t)) {
		a.truncated[backscatterDomainsCapped] = true
	}
}

func (a *Analyzer) returnPath(ev *tracking.Event) {
	raw := unbracket(ev.ReturnPath)
	if raw == ev.Sender {
		// Nearly every row: the return path is the sender, which is no
		// rewrite whatever the group. Only the look-up's one effect is
		// kept: it makes a known group's aggregate (see group).
		if raw != "" && len(a.known) != 0 {
			a.group(lower(raw), false)
		}
		return
	}
	rp := lower(raw)
	if rp == "" {
		return
	}
	g := a.group(rp, false)
	if g == nil {
		return
	}
	sender := lower(ev.Sender)
	if sender == rp {
		return
	}
	r := a.rewrites[g.addr]
	if r == nil {
		r = &rewriteAgg{senders: map[string]int64{}}
		a.rewrites[g.addr] = r
	}
	r.events++
	r.see(ev.Time)
	if sender != "" {
		addCapped(r.senders, sender, 1, a.cfg.MaxPerGroup, a, "senders per rewritten return path", &r.sendersCapped)
	}
}

func isAutoReply(ev *tracking.Event) bool {
	return outerKind(ev.Subject) == autoReply
}

// oofIn counts an automatic reply from outside to internal recipients.
func (a *Analyzer) oofIn(ev *tracking.Event, sender string) {
	// The subject test is the cheaper and rules out most rows.
	if sender == "" || !isAutoReply(ev) || a.internal(sender) || !a.once('I', ev.MessageID) {
		return
	}
	for _, r := range ev.Recipients {
		if lr := lower(r); a.internal(lr) && a.group(lr, false) == nil {
			a.addOOF(ev.Time, lr, sender, false)
		}
	}
}

// oofOut counts an automatic reply sent out to external recipients.
func (a *Analyzer) oofOut(ev *tracking.Event) {
	// As in oofIn, the subject test first: it rules out most rows before
	// the sender is lower-cased.
	if ev.Sender == "" || !isAutoReply(ev) {
		return
	}
	// The hub's SEND to the edge is a hop on the way out: the edge's SEND
	// is the reply leaving, and the two may be read far apart.
	if a.own.relays(ev.ServerIP, ev.ServerHostname) {
		return
	}
	sender := lower(ev.Sender)
	if !a.internal(sender) || !a.once('O', ev.MessageID) {
		return
	}
	for _, r := range ev.Recipients {
		if lr := lower(r); !a.internal(lr) {
			a.addOOF(ev.Time, sender, lr, true)
		}
	}
}

func (a *Analyzer) addOOF(t time.Time, internal, external string, out bool) {
	key := internal + "\x00" + external
	o := a.oof[key]
	if o == nil {
		if len(a.oof) >= a.cfg.MaxKeys {
			a.truncated["automatic-reply address pairs"] = true
			return
		}
		o = &oofAgg{internal: a.intern(internal), external: a.intern(external)}
		a.oof[strings.Clone(key)] = o
	}
	if out {
		o.out++
	} else {
		o.in++
	}
	o.see(t)
}

// msgHash is hash(id), 0 for no Message-ID.
func msgHash(id string) uint64 {
	if id == "" {
		return 0
	}
	return hash(id)
}

// traceRow handles what only Exchange Online message-trace rows show: one
// row per message and recipient, so automatic replies and delivery reports
// are read from sender, recipient and subject. A report the tenant sent out
// is backscatter only if its original failed for a recipient that does not
// exist (see tenantNDR).
func (a *Analyzer) traceRow(ev *tracking.Event) {
	if ev.Format != tracking.FormatTrace {
		return
	}
	sender := lower(ev.Sender)
	if sender == "" {
		return
	}
	depth, kind, root := stripSubject(ev.Subject)
	for _, r := range ev.Recipients {
		lr := lower(r)
		if lr == "" || !a.once('T', ev.MessageID, lr) {
			continue
		}
		si, ri := a.internal(sender), a.internal(lr)
		switch {
		case kind == autoReply && si && !ri:
			a.addOOF(ev.Time, sender, lr, true)
		case kind == autoReply && !si && ri && a.group(lr, false) == nil:
			a.addOOF(ev.Time, lr, sender, false)
		case kind == ndrReport && depth > 0 && si && !ri && isReportSender(sender):
			a.tenantNDR(ev.Time, lr, root, msgHash(ev.MessageID))
		}
	}
}
