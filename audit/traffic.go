package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"dgaudit/directory"
)

// Traffic is what message tracking showed, beside what the configuration
// says: loops through groups, return paths rewritten to a group, spoofed
// internal senders, backscatter and out-of-office storms. Package
// audit/mailflow builds it; AttachTraffic adds it to a report.
type Traffic struct {
	// Input says what was read.
	Input TrafficInput
	// Start and End bound the events' timestamps.
	Start, End time.Time
	// Interval is the width of every timeline bucket.
	Interval time.Duration
	// Loops are sorted worst first (the order is audit/mailflow's).
	Loops []Loop
	// ReturnPathRewrites are groups whose address was seen as the return
	// path of mail they passed on.
	ReturnPathRewrites []ReturnPathRewrite
	Spoofing           []SpoofedSender
	// Backscatter are the sources that sent at least the threshold of
	// reports, worst first; BackscatterBelow counts the rest.
	Backscatter      []BackscatterSource
	BackscatterBelow BackscatterBelow
	OOFStorms        []OOFStorm
	// Truncated names the aggregates that hit their size cap: counts stay
	// exact, but some keys beyond the cap were folded away.
	Truncated []string
	// Unjudged says what evidence could not be looked for, and why (no
	// internal domain to tell a spoofed sender by): each is a coverage gap.
	Unjudged []string

	// SpoofingTotal is how many internal senders were spoofed, of whom
	// Spoofing lists those with the most messages (20, as audit/mailflow
	// cuts the list); SpoofingCapped makes it a lower bound.
	// SpoofedMessages counts the spoofed messages of all of them, those
	// beyond the cap included.
	SpoofingTotal   int
	SpoofingCapped  bool
	SpoofedMessages int64
}

// TrafficInput describes the tracking files read.
type TrafficInput struct {
	Files     []TrafficFile
	Bytes     int64
	Lines     int64
	Events    int64
	Malformed int64
	// MalformedLines counts the lines of the malformed records: more than
	// Malformed when a quoted value left open took several.
	MalformedLines int64
	// MalformedSamples are the first malformed records with file and line.
	MalformedSamples []MalformedLine
	// Duplicates counts the rows, among Events, read before from another
	// export (overlapping exports hold the same rows) and counted once.
	Duplicates int64
	// DuplicatesAtLeast: some rows kept to find their copies were let go
	// (too many overlapping message traces at once), so Duplicates is a
	// lower bound and some copies may be counted twice.
	DuplicatesAtLeast bool
	// Unmatched counts the files whose rows overlap others' in time but
	// could not be matched with them (see their Notes): rows of the
	// overlap may be counted twice.
	Unmatched int
	// Failed counts files that could not be read to their end.
	Failed int
	// GroupsFromDirectory is true when group addresses and internal
	// domains came from a snapshot; false when they were inferred from
	// EXPAND events and originating senders.
	GroupsFromDirectory bool
}

// TrafficFile is one file read.
type TrafficFile struct {
	Path      string
	Format    string
	Lines     int64
	Events    int64
	Malformed int64
	// MalformedLines: see TrafficInput.
	MalformedLines int64
	// Duplicates: the file's rows read before from another export.
	Duplicates int64
	Notes      []string
	// Lacks names what the file does not hold that the evidence rests on.
	Lacks []string
	Error string
}

// MalformedLine is a record that could not be read: its first line, and
// how many it took (a quoted value left open takes several).
type MalformedLine struct {
	File   string
	Line   int64
	Lines  int64
	Reason string
}

// Count is a number of messages in one interval starting At.
type Count struct {
	At time.Time
	N  int64
}

// AddressCount is an address (or host) and how often it was seen.
type AddressCount struct {
	Address string
	N       int64
}

// Loop is a group whose traffic forms a cycle.
type Loop struct {
	Group string // SMTP address as seen in the logs
	// GroupID and GroupName are set when the directory knows the group.
	GroupID   string
	GroupName string
	Severity  Severity
	// Signals name the loop signatures seen: re-expansion (reports of one
	// message coming back from one reporter round after round),
	// message-reentry (the message itself, under its own Message-ID,
	// expanded again after leaving through an external member),
	// nested-subject (Undeliverable: / Automatic reply: prefixes stacked),
	// null-return-path (bounces and auto-replies with <> coming into the
	// list), member-reentry (an external member's mail coming back into
	// the list), return-path-rewrite (the list's own address as return
	// path).
	Signals   []string
	FirstSeen time.Time
	LastSeen  time.Time
	// Expansions counts EXPAND events of the group; Delivered the
	// recipients those expansions fanned out to.
	Expansions int64
	Delivered  int64
	// Inbound counts messages into the group; Bounces those that were
	// delivery reports or automatic replies.
	Inbound int64
	Bounces int64
	// LoopingMessages counts distinct original messages (by subject with
	// report prefixes removed, or by Message-ID for one that came back
	// itself) that went round at least the minimum of rounds; MaxRounds is
	// the most rounds of any one of them (audit/mailflow's rounds.go and
	// reentry.go say what a round is); MaxDepth the deepest stack of report
	// prefixes seen.
	LoopingMessages int64
	MaxRounds       int64
	MaxDepth        int
	// Amplification is recipients reached per looping original message:
	// how many messages one message became.
	Amplification float64
	// PeakPerInterval is the most reports expanded in one interval, at
	// PeakAt.
	PeakPerInterval int64
	PeakAt          time.Time
	// PerHour is the looping messages' reports and returns over the loop's
	// active span (FirstSeen to LastSeen), per hour.
	PerHour float64
	// Timeline counts the reports (Bounces) and the returning messages
	// expanded per interval, intervals with none left out: they are the
	// loop's traffic.
	Timeline []Count
	// External are the external recipients involved (the busiest first),
	// ExternalTotal how many distinct ones there were.
	External      []AddressCount
	ExternalTotal int
	// ExternalCapped: the group's recipient aggregate hit its cap, so
	// ExternalTotal is a lower bound. Each list below cut to its busiest
	// entries has such a total and flag: the reports say how many are not
	// shown, and a total that is only a lower bound must not pass for the
	// count.
	ExternalCapped bool
	// ReentryMembers are external members whose own mail came back into
	// the group (at most the first 20 by address).
	ReentryMembers       []string
	ReentryMembersTotal  int
	ReentryMembersCapped bool
	// InboundServers sent mail into the group (the remote servers
	// generating bounces and replies); OutboundServers received the
	// group's mail.
	InboundServers        []AddressCount
	InboundServersTotal   int
	InboundServersCapped  bool
	OutboundServers       []AddressCount
	OutboundServersTotal  int
	OutboundServersCapped bool
}

// ReturnPathRewrite is a group whose own address was the return path of
// mail it passed on: the precondition that turns delivery reports into a
// loop, observed rather than inferred.
type ReturnPathRewrite struct {
	Group     string
	GroupID   string
	GroupName string
	Events    int64
	FirstSeen time.Time
	LastSeen  time.Time
	// Senders are the original senders whose mail was rewritten (the
	// busiest), of SendersTotal; SendersCapped makes that a lower bound.
	Senders       []AddressCount
	SendersTotal  int
	SendersCapped bool
}

// SpoofedSender is an internal address that arrived from outside without
// authenticated submission.
type SpoofedSender struct {
	Sender   string
	Messages int64
	// Returned counts the Messages that were the organization's own
	// coming back: their Message-ID is that of a message the Sender's
	// mailbox submitted within the week before they arrived, under the
	// same subject (loosely: tags, reply prefixes, case, whitespace and
	// encoding as lists change them). A remote
	// server re-sends them (a partner's list with colleagues on it, or
	// seed 000's broken server sending one message back a hundred times).
	// Each arrival of those counts, where a forged message is counted
	// once however many rows log it.
	Returned int64
	// MostReturnsOfOne is the most arrivals of any one of the returned
	// messages to any one recipient, whatever the return path or remote
	// server: a partner's list sends a post back once to each internal
	// member (to all in one arrival, or to each apart: a dozen arrivals
	// for a dozen members, each once), and a post to three lists comes
	// once from each; seed 000's server sent one back to the same
	// recipient a hundred times.
	MostReturnsOfOne int64
	// MostReturnsCapped is no longer set: the counts are kept in a table
	// of recent ones that drops the oldest, where a full table once left
	// returns uncounted and their sender high. A report of an earlier
	// version may have it, MostReturnsOfOne then a lower bound.
	MostReturnsCapped bool
	FirstSeen         time.Time
	LastSeen          time.Time
	// Clients are the remote hosts (hostname or IP) that sent it, of
	// ClientsTotal; ClientsCapped makes that a lower bound.
	Clients       []AddressCount
	ClientsTotal  int
	ClientsCapped bool
	Recipients    int64
	// Subjects are the first few distinct subjects (each cut to 200
	// bytes, ending in … when it was longer), of SubjectsTotal;
	// SubjectsCapped makes that a lower bound.
	Subjects       []string
	SubjectsTotal  int
	SubjectsCapped bool
}

// DistributedSource is the Source of the sources under the threshold
// judged together: one name whatever their number (SourcesTotal), so that
// runs compared over time, or alerts keyed by source, see the same
// finding.
const DistributedSource = "distributed (sources each under the threshold)"

// BackscatterSource is delivery-report traffic to external addresses for
// recipients that do not exist, grouped by where the original mail came
// from. A source is one only from a threshold of reports on (BackscatterBelow
// says what that was): one mistyped address bounced to its sender is mail
// working as it should, an NDR attack is volume. The sources under the
// threshold are judged together as well, as one Distributed source: a
// botnet's hosts each send a few, and it is the organization's servers
// that the block lists see.
type BackscatterSource struct {
	// Source is the remote host that sent the mail for unknown recipients
	// (unknown when the original RECEIVE was not in the logs), or the
	// Exchange Online tenant, which sends the reports whoever sent the
	// originals; for a Distributed source, DistributedSource.
	Source string
	// Severity is high when the threshold of reports was reached within
	// one clock hour (a burst, the queues of seeds 003 and 004 filling),
	// medium for reports spread wider; ReasonUnknown sources are medium.
	// A Distributed source's threshold is higher, and its medium needs
	// the threshold within 24 consecutive clock hours (PeakPer24Hours).
	Severity Severity
	// Distributed: the source is the sources under the threshold taken
	// together (Sources), none of which was reported alone.
	Distributed bool
	// Sources are a Distributed source's hosts (the busiest) with their
	// reports, SourcesTotal how many there were; SourcesCapped: the
	// organization's aggregate of sources hit its cap and dropped some,
	// whose reports are not counted (a lower bound, and Truncated says
	// so). Empty for a single source.
	Sources       []AddressCount
	SourcesTotal  int
	SourcesCapped bool
	// ReasonUnknown: the export did not say why the originals failed
	// (Exchange Online summary rows carry only Status Failed), so these
	// reports may be for full mailboxes or rules as much as for recipients
	// that do not exist.
	ReasonUnknown bool
	Reports       int64
	// PeakPerHour is the most reports in one clock hour (UTC),
	// PeakPer24Hours the most within 24 consecutive clock hours.
	PeakPerHour    int64
	PeakPer24Hours int64
	FirstSeen      time.Time
	LastSeen       time.Time
	// Domains are the external domains the reports went to (the
	// busiest), DomainsTotal how many distinct ones there were.
	// DomainsCapped: the source's domain aggregate hit its cap and dropped
	// new domains, so DomainsTotal is a lower bound (and Truncated says
	// so).
	Domains       []AddressCount
	DomainsTotal  int
	DomainsCapped bool
	Timeline      []Count
}

// BackscatterBelow is the delivery reports for unknown recipients from
// sources under the threshold, which are not listed one by one: mistyped
// addresses and the like, unless many sources add up (a botnet's hosts
// each sending a few), when Backscatter has them as one Distributed
// source.
type BackscatterBelow struct {
	// Threshold is the reports one source needed to be listed.
	Threshold int
	Sources   int
	Reports   int64
}

// OOFStorm is automatic replies exchanged repeatedly between an internal
// and an external address.
type OOFStorm struct {
	Internal  string
	External  string
	Out       int64
	In        int64
	FirstSeen time.Time
	LastSeen  time.Time
}

// ObservedTraffic is what tracking showed about one audited group.
type ObservedTraffic struct {
	// Loop is set when the group has a live loop.
	Loop bool
	// Signals are the loop signals and return-path-rewrite.
	Signals []string
	// Messages counts the group's expansions in the logs.
	Messages int64
	// Points is what the evidence is worth: loopPoints or rewritePoints.
	Points int
	// Added is what it added to the score: Points less what the cap of 100
	// cut off, so that Score - Added is the score of the configuration
	// alone.
	Added int
	// rank is the group's first loop's place in Traffic.Loops.
	rank int
}

// The coverage gaps of tracking logs: a file not read to its end, a file
// with lines that were not events, and a file without a field the
// evidence rests on.
const (
	GapTrackingLog    = "tracking log"
	GapTrackingLines  = "tracking log lines"
	GapTrackingFields = "tracking log fields"
	// GapTrackingEvidence is evidence the logs could not show (Unjudged).
	GapTrackingEvidence = "tracking evidence"
)

func isTrackingGap(g directory.Gap) bool {
	return g.What == GapTrackingLog || g.What == GapTrackingLines || g.What == GapTrackingFields || g.What == GapTrackingEvidence
}

// Severities of the evidence other than loops and backscatter, which carry
// their own. A spoofed sender's is SpoofedSender.Severity: SeveritySpoofing,
// or SeverityReturned for the organization's own mail coming back.
const (
	SeveritySpoofing = High
	SeverityReturned = Info
	SeverityOOFStorm = Medium
	SeverityRewrite  = Medium
)

// ReturnFlood is how many times one of the organization's own messages
// must come back to one recipient, from wherever, before its sender is an
// incident rather than mail working. A list delivers a post to a member
// once, twice when the member also takes the digest, and a post
// cross-posted to three lists with the same members comes once from each:
// three. Five leaves that room. Seed 000's broken server sent one message
// to the same recipient about a hundred times, and a server sending each
// of twenty messages back nine times (the first review's repro) is as
// broken: both stay far above it. The count is per message and recipient
// alone, not per source: a broken server may give each copy its own
// envelope sender (a bounce address per message) or send it from a pool
// of addresses (Exchange Online Protection in a hybrid), and counted per
// source each copy of a flood was a first.
const ReturnFlood = 5

// ReturnRepeat and ReturnMany catch the floods that stay under ReturnFlood
// to each recipient: a broken server sending each of thirty messages back
// four times, or one message a hundred times to forty recipients in turn,
// three each at most (the fourth review's flood4 and floodrot). A message
// back ReturnRepeat times to one recipient is what a cross-post to three
// lists does too, but such a sender's returns are a post's copies, a few
// dozen at most; a sender with ReturnMany returns in all, one of them
// repeated, is a server sending mail back, not lists delivering it. A
// large list's copies (seventy posts to its members, once each) never
// repeat, however many.
const (
	ReturnRepeat = 3
	ReturnMany   = 50
)

// Severity is SeveritySpoofing for a sender with any message that was not
// the organization's own coming back (a forgery, as far as the logs tell),
// or whose returns were not all counted; for one whose messages all came
// back, SeveritySpoofing when one of them came back to one recipient
// ReturnFlood times or more, or ReturnRepeat times with ReturnMany returns
// in all, and SeverityReturned otherwise: a user's post to an outside list
// with colleagues on it, which every scheduled run would otherwise fail on.
func (s SpoofedSender) Severity() Severity {
	// Returns not all counted (an earlier version's full table, none at
	// all included) cannot be told from a flood.
	allBack := s.Returned >= s.Messages && s.MostReturnsOfOne > 0 && !s.MostReturnsCapped
	flood := s.MostReturnsOfOne >= ReturnFlood || s.MostReturnsOfOne >= ReturnRepeat && s.Returned >= ReturnMany
	if allBack && !flood {
		return SeverityReturned
	}
	return SeveritySpoofing
}

// Worst is the worst severity of the evidence, and false when there is
// none.
func (t *Traffic) Worst() (Severity, bool) {
	var worst Severity
	found := false
	see := func(s Severity) {
		if !found || s > worst {
			worst, found = s, true
		}
	}
	for _, l := range t.Loops {
		see(l.Severity)
	}
	for _, s := range t.Spoofing {
		see(s.Severity())
	}
	for _, b := range t.Backscatter {
		see(b.Severity)
	}
	if len(t.OOFStorms) > 0 {
		see(SeverityOOFStorm)
	}
	if len(t.ReturnPathRewrites) > 0 {
		see(SeverityRewrite)
	}
	return worst, found
}

// Points observed evidence adds to a group's score: a live loop is worse
// than any configuration, so it always lands in the critical band.
const (
	loopPoints    = 100
	rewritePoints = 15
)

// AttachTraffic adds observed evidence to a report: the traffic section,
// a coverage gap for each file not read to its end or with lines that were
// not events, and for each group with a loop or a rewritten return path,
// its Observed record and raised score. Groups with a live loop move to the
// top, the busiest loop first; the rest follow by score, keeping the
// report's order among equal scores. Run calls
// it (Options.Traffic) before the summary and the baseline comparison; a
// report without groups (dgaudit trace) calls it directly.
func (r *Report) AttachTraffic(t *Traffic) {
	// Attaching twice would count the gaps and the messages twice, and
	// find nothing left to add under the cap.
	if t == nil || r.Traffic != nil {
		return
	}
	r.Traffic = t
	for _, f := range t.Input.Files {
		if f.Error != "" {
			r.Coverage.AddGap(GapTrackingLog, f.Path, f.Error)
			r.Complete = false
		}
		// A line that is not a record is an event the evidence may lack.
		if f.Malformed > 0 && f.MalformedLines > f.Malformed {
			r.Coverage.AddGap(GapTrackingLines, f.Path, fmt.Sprintf("%d records over %d lines could not be read as events (the first are listed under malformed lines)",
				f.Malformed, f.MalformedLines))
			r.Complete = false
		} else if f.Malformed > 0 {
			r.Coverage.AddGap(GapTrackingLines, f.Path, fmt.Sprintf("%d lines could not be read as events (the first are listed under malformed lines)", f.Malformed))
			r.Complete = false
		}
		// Without recipients, backscatter, loops and storms go uncounted.
		for _, what := range f.Lacks {
			r.Coverage.AddGap(GapTrackingFields, f.Path, "the file lacks "+what)
			r.Complete = false
		}
	}
	for _, u := range t.Unjudged {
		what, why, _ := strings.Cut(u, ": ")
		r.Coverage.AddGap(GapTrackingEvidence, what, why)
		r.Complete = false
	}
	r.Summary.Gaps = len(r.Coverage.Gaps)
	byKey := map[string]int{}
	for i := range r.Groups {
		g := &r.Groups[i]
		if g.ID != "" {
			byKey["id:"+g.ID] = i
		}
		if g.Mail != "" {
			byKey["mail:"+strings.ToLower(g.Mail)] = i
		}
	}
	find := func(id, addr string) (*GroupResult, bool) {
		if i, ok := byKey["id:"+id]; ok && id != "" {
			return &r.Groups[i], true
		}
		if i, ok := byKey["mail:"+strings.ToLower(addr)]; ok {
			return &r.Groups[i], true
		}
		return nil, false
	}
	for i, l := range t.Loops {
		g, ok := find(l.GroupID, l.Group)
		if !ok {
			continue
		}
		if g.Observed == nil {
			g.Observed = &ObservedTraffic{}
		}
		if !g.Observed.Loop {
			g.Observed.Loop, g.Observed.rank = true, i
		}
		g.Observed.Signals = mergeSorted(g.Observed.Signals, l.Signals)
		g.Observed.Messages += l.Expansions
	}
	for _, rw := range t.ReturnPathRewrites {
		g, ok := find(rw.GroupID, rw.Group)
		if !ok {
			continue
		}
		if g.Observed == nil {
			g.Observed = &ObservedTraffic{}
		}
		g.Observed.Signals = mergeSorted(g.Observed.Signals, []string{"return-path-rewrite"})
	}
	for i := range r.Groups {
		g := &r.Groups[i]
		if g.Observed == nil {
			continue
		}
		pts := 0
		if g.Observed.Loop {
			pts = loopPoints
		} else if slices.Contains(g.Observed.Signals, "return-path-rewrite") {
			pts = rewritePoints
		}
		raised := min(100, g.Score+pts)
		g.Observed.Points, g.Observed.Added = pts, raised-g.Score
		g.Score = raised
		g.Risk = BandOf(g.Score)
	}
	// Recount bands, since scores moved (Run summarises afterwards and
	// counts them again).
	if r.Summary.ByBand == nil {
		r.Summary.ByBand = map[Band]int{}
	}
	for _, b := range Bands {
		r.Summary.ByBand[b] = 0
	}
	for i := range r.Groups {
		r.Summary.ByBand[r.Groups[i].Risk]++
	}
	looping := func(g *GroupResult) bool { return g.Observed != nil && g.Observed.Loop }
	slices.SortStableFunc(r.Groups, func(a, b GroupResult) int {
		la, lb := looping(&a), looping(&b)
		switch {
		case la && lb:
			return cmp.Compare(a.Observed.rank, b.Observed.rank)
		case la:
			return -1
		case lb:
			return 1
		}
		return cmp.Compare(b.Score, a.Score)
	})
}

func mergeSorted(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
