package mailflow

import (
	"maps"
	"time"

	"dgaudit/directory/tracking"
)

// Exchange Online message trace lists a non-delivery report as a message of
// its own ("Undeliverable: <subject>" from the tenant's postmaster to the
// original sender), with nothing that names the message it reports on. It
// is backscatter only when that original failed because its recipient does
// not exist; a full mailbox, a size limit or a transport rule bounce to
// real senders who need to know. tenantNDRs ties each report to its
// original by what they share (the report's recipient is the original's
// sender, its subject less the prefix is the original's subject), and the
// original to the reason its rows give, in bounded tables like the other
// recent ones.
//
// Get-MessageTraceV2 lists the newest messages first, so the report usually
// comes before its original, and a Get-MessageTraceDetailV2 export with the
// reason may be read before or after both: a report waits (held) until its
// original's reason is known. One whose reason never comes (the export has
// only summary rows, or the original is outside it) is counted under a
// source of its own, tenantUnknownSource, which is never more than medium.
type tenantNDRs struct {
	// origs are the reasons of failed originals from outside senders, by
	// ndrKey(sender, subject root).
	origs *recent[failWhy]
	// whys are failures by message ID, for a detail row that has no sender
	// or subject to key it by.
	whys *recent[msgFail]
	// held are reports by ndrKey(recipient, subject root) that wait for
	// their original's reason.
	held *recent[heldNDRs]
	// heldTimes counts the report times held, all keys together.
	heldTimes int
	// expanded are the reports a group expanded, by Message-ID hash:
	// apart from the expansions of every message (Analyzer.msgs), which
	// the ordinary posts read after a loop's reports in a newest-first
	// export pushed out before the reports held were settled (12 of a
	// loop's reports were backscatter after 70,000 older posts).
	expanded *recent[struct{}]
}

type msgFail struct {
	key    uint64
	hasKey bool
	why    failWhy
}

// heldNDRs are the reports, to one outside address under one subject,
// whose original's reason is not known yet: their times (Unix
// nanoseconds), the hash of each one's Message-ID (0 for none) and their
// recipient's domain.
type heldNDRs struct {
	times  []int64
	msgs   []uint64
	domain string
}

// Backscatter sources of Exchange Online: the reports come from the
// tenant, whichever host sent the originals.
const (
	tenantSource        = "exchange online (generated in the tenant)"
	tenantUnknownSource = "exchange online (generated in the tenant; why the originals failed is not in the export)"
)

// tenant returns the tables, made on the first Exchange Online row that
// needs them: on-premises logs never pay for them.
func (a *Analyzer) tenant() *tenantNDRs {
	if a.ndrs == nil {
		a.ndrs = &tenantNDRs{
			origs:    newRecent[failWhy](a.cfg.Window),
			whys:     newRecent[msgFail](a.cfg.Window),
			held:     newRecent[heldNDRs](a.cfg.Window),
			expanded: newRecent[struct{}](a.cfg.Window),
		}
	}
	return a.ndrs
}

func ndrKey(addr, root string) uint64 {
	return hash(addr)*1099511628211 ^ hash(root)
}

// traceFail records why an Exchange Online message failed. A summary row
// (Status Failed) keys the original by sender and subject, which its report
// will name; a detail row (Event Fail) has neither, only the message ID, and
// reaches the original through the summary row's entry in whys, whichever
// of the two comes first. Either may bring the reason: a detail row's
// Detail, or a Detail column an export added to summary rows.
func (a *Analyzer) traceFail(ev *tracking.Event) {
	sender := lower(ev.Sender)
	// A report goes back to the original's sender: only an outside sender
	// can make one backscatter.
	if sender != "" && a.internal(sender) {
		return
	}
	summary := ev.Format == tracking.FormatTrace && sender != ""
	why := whyFailed(ev.Detail, ev.Status)
	if !summary && (why == whyUnknown || ev.MessageID == "") {
		return
	}
	t := a.tenant()
	var key uint64
	if summary {
		_, _, root := stripSubject(ev.Subject)
		key = ndrKey(sender, root)
	}
	if ev.MessageID != "" {
		m, _ := t.whys.slot(hash(ev.MessageID))
		m.why = max(m.why, why)
		if summary {
			m.key, m.hasKey = key, true
		}
		if !m.hasKey {
			return
		}
		key, why = m.key, m.why
	}
	a.tellOrig(key, why)
}

// tellOrig records an original's reason and settles the reports waiting
// for it.
func (a *Analyzer) tellOrig(key uint64, why failWhy) {
	t := a.ndrs
	o, _ := t.origs.slot(key)
	*o = max(*o, why)
	if *o == whyUnknown {
		return
	}
	if h, ok := t.held.take(key); ok {
		t.heldTimes -= len(h.times)
		a.settleNDRs(h, *o)
	}
}

// tenantNDR counts a report the tenant sent to an outside address: at once
// when its original's reason is known, else held until it is. msg is the
// hash of the report's Message-ID, 0 for none.
//
// A report the tenant sent to a group, and the group expanded, is no
// report to an outside sender: its rows to outside members are the group's
// copies, a loop's traffic when the group is in one. On premises a report
// is counted at its DSN row, whose recipient is the address the report
// was sent to (the group, internal), never at the SEND rows of the
// group's copies; message trace has no such row, so a report row of a
// message a group expanded is left out here, and a held one when its
// message's Expanded row comes later (settleNDRs, heldNDRsNow), as a
// newest-first export lists them.
func (a *Analyzer) tenantNDR(at time.Time, recipient, root string, msg uint64) {
	if a.expandedByGroup(msg) {
		return
	}
	t := a.tenant()
	key := ndrKey(recipient, root)
	if why, ok := t.origs.get(key); ok && why != whyUnknown {
		a.countNDR(at, domainOf(recipient), why)
		return
	}
	// Held reports are bounded like early rows: a flood of reports whose
	// originals never show must not hold them all. Past the bounds a report
	// is counted now, reason unknown, as it would be at the end.
	if t.heldTimes >= 10*a.cfg.MaxKeys {
		a.countNDR(at, domainOf(recipient), whyUnknown)
		return
	}
	h, evicted := t.held.slot(key)
	if len(evicted.times) > 0 {
		// Another subject or address took the slot: its original did not
		// come within the window, and can no longer be matched.
		t.heldTimes -= len(evicted.times)
		a.settleNDRs(evicted, whyUnknown)
	}
	if len(h.times) >= a.cfg.MaxPerGroup {
		a.countNDR(at, domainOf(recipient), whyUnknown)
		return
	}
	if h.domain == "" {
		h.domain = a.intern(domainOf(recipient))
	}
	h.times = append(h.times, at.UnixNano())
	h.msgs = append(h.msgs, msg)
	t.heldTimes++
}

// expandedByGroup reports whether a group expanded the report whose
// Message-ID hashes to msg (0: none). Every report tenantNDR counts is one
// expand takes for a report (a stacked prefix, from the tenant's
// reporter), so the reports' own table (expanded) answers for all.
func (a *Analyzer) expandedByGroup(msg uint64) bool {
	if msg == 0 || a.ndrs == nil {
		return false
	}
	_, ok := a.ndrs.expanded.get(msg)
	return ok
}

func (a *Analyzer) settleNDRs(h heldNDRs, why failWhy) {
	for i, n := range h.times {
		if a.expandedByGroup(h.msgs[i]) {
			continue
		}
		a.countNDR(time.Unix(0, n).UTC(), h.domain, why)
	}
}

// countNDR counts one tenant report by its original's reason: backscatter
// when the recipient did not exist, nothing for any other reason, and
// under the unknown source when the export did not say.
func (a *Analyzer) countNDR(at time.Time, domain string, why failWhy) {
	switch why {
	case whyNotFound:
		a.addBackscatter(at, tenantSource, domain)
	case whyUnknown:
		a.addBackscatter(at, tenantUnknownSource, domain)
	}
}

// heldNDRsNow is the unknown source with the reports still held added:
// their originals' reasons never came. It leaves the Analyzer as it is
// (Result may be called before more rows are added); capped is set when the
// domains aggregate dropped a domain it would have added.
func (a *Analyzer) heldNDRsNow() (b *backAgg, capped bool) {
	if a.ndrs == nil || a.ndrs.heldTimes == 0 {
		return nil, false
	}
	cur := a.back[tenantUnknownSource]
	if cur != nil {
		b = cur.clone()
	} else {
		b = newBackAgg()
	}
	held, counted := a.ndrs.held, false
	for i, h := range held.vals {
		if held.tags[i] == 0 {
			continue
		}
		for j, n := range h.times {
			if a.expandedByGroup(h.msgs[j]) {
				continue
			}
			counted = true
			at := time.Unix(0, n).UTC()
			if !b.count(at, h.domain, a.cfg.MaxPerGroup, a.bucket(at)) {
				capped = true
			}
		}
	}
	if !counted && cur == nil {
		// Every report held was a group's copy: no source to add.
		return nil, false
	}
	return b, capped
}

func newBackAgg() *backAgg {
	return &backAgg{domains: map[string]int64{}, buckets: map[int64]int64{}, hours: map[int64]int64{}}
}

// count adds one report at t to domain, in the interval bucket. It returns
// false when domain was not yet counted and limit domains already are:
// the report counts but its domain is dropped.
func (b *backAgg) count(t time.Time, domain string, limit int, bucket int64) bool {
	b.reports++
	b.see(t)
	b.buckets[bucket]++
	b.hours[hourOf(t)]++
	if _, ok := b.domains[domain]; ok || len(b.domains) < limit {
		b.domains[domain]++
		return true
	}
	b.domainsCapped = true
	return false
}

// merge adds o's reports to b, keeping at most limit domains as count
// does.
func (b *backAgg) merge(o *backAgg, limit int) {
	b.reports += o.reports
	b.see(o.first)
	b.see(o.last)
	for k, n := range o.buckets {
		b.buckets[k] += n
	}
	for k, n := range o.hours {
		b.hours[k] += n
	}
	for dom, n := range o.domains {
		if _, ok := b.domains[dom]; ok || len(b.domains) < limit {
			b.domains[dom] += n
		} else {
			b.domainsCapped = true
		}
	}
	b.domainsCapped = b.domainsCapped || o.domainsCapped
}

func (b *backAgg) clone() *backAgg {
	c := *b
	c.domains = maps.Clone(b.domains)
	c.buckets = maps.Clone(b.buckets)
	c.hours = maps.Clone(b.hours)
	return &c
}
