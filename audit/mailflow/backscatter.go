package mailflow

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"dgaudit/audit"
)

const (
	backscatterDomainsCapped = "domains per backscatter source"
	backscatterSourcesCapped = "backscatter sources"
)

// backscatterOf decides whether a source's reports are backscatter worth
// acting on, and how bad. Every report counted is to an outside address
// for a recipient that does not exist (or, ReasonUnknown, for a reason
// the export does not give); what tells an attack from mail working as it
// should is volume:
//
//   - fewer than MinBackscatter (10) from the source: not reported. A
//     partner who mistypes an address gets one report, one who keeps a
//     stale address a few; that is what the reports are for.
//   - MinBackscatter or more: medium. The organization accepts mail for
//     recipients it does not have and bounces it later, and someone is
//     sending a lot of it: worth turning on recipient validation
//     (recipient-validation-off), not a page at night.
//   - MinBackscatter or more within one clock hour: high. Seeds 003 and
//     004 describe NDR attacks by their queues and disks filling; no
//     correspondent's mistakes make ten reports in an hour from one host,
//     and the reports going to forged senders are what lands the
//     organization on block lists.
//
// Reports whose originals' reasons are unknown stay medium however many
// there are: a full shared mailbox bounces at that rate too.
func (a *Analyzer) backscatterOf(src string, b *backAgg) (audit.BackscatterSource, bool) {
	minimum := int64(a.cfg.MinBackscatter)
	if b.reports < minimum {
		return audit.BackscatterSource{}, false
	}
	s := audit.BackscatterSource{
		Source: src, Reports: b.reports, FirstSeen: b.first, LastSeen: b.last,
		ReasonUnknown: src == tenantUnknownSource,
		Domains:       top(b.domains, a.cfg.Top), DomainsTotal: len(b.domains), DomainsCapped: b.domainsCapped,
		Timeline: a.timeline(b.buckets),
	}
	s.PeakPerHour, s.PeakPer24Hours = peakWithin(b.hours, 1), peakWithin(b.hours, 24)
	s.Severity = audit.Medium
	if s.PeakPerHour >= minimum && !s.ReasonUnknown {
		s.Severity = audit.High
	}
	return s, true
}

// distributedOf judges the reports of the sources under MinBackscatter
// together, as one source: an NDR attack sent through a botnet comes
// from hundreds of hosts each sending one or two (400 reports in 47
// minutes from 200 hosts, two each), and no host reaches the
// threshold, but it is the organization's servers that send the reports
// to the forged senders and land on block lists (seeds 003 and 004).
//
// The sources together are a different population from one source: one
// host sending ten reports is unusual, while the whole Internet's
// mistakes add up. So volume is judged within a window, never over the
// whole logs (a month of a few bounces a day adds up to hundreds), and
// the threshold is MinDistributed, five times a source's (50):
//
//   - MinDistributed or more within 24 consecutive clock hours: medium.
//     A large organization's own unknown-recipient bounces, correspondents'
//     typos and stale addresses of leavers, are a few a day, tens on a bad
//     day; newsletters to leavers' addresses can bounce fifty a day from
//     as many sending hosts. Either way the organization sends reports to
//     outside addresses that recipient filtering would turn into
//     rejections, which is what medium says.
//   - highDistributed times that within one clock hour (200): high. A
//     review showed a morning wave of 55 newsletter bounces in one hour
//     at a 50,000-mailbox organization, which a bar of 50 called an
//     attack on every run (exit 1); an NDR attack through a botnet runs at
//     hundreds an hour (400 in 47 minutes in the test of it).
//
// Five times MinBackscatter keeps the bar above what one source needs, so
// that raising MinBackscatter raises both. below are the sources under
// the threshold, by name; reasonUnknown ones (Exchange Online reports
// whose originals' reasons the export does not give) are left out: they
// may be bounces of full mailboxes and rules. capped says the
// organization's aggregate of sources dropped some.
func (a *Analyzer) distributedOf(below map[string]*backAgg, capped bool) (audit.BackscatterSource, bool) {
	d := newBackAgg()
	sources := make(map[string]int64, len(below))
	// In name order, so that the domains kept under the cap do not depend
	// on the map's.
	for _, src := range slices.Sorted(maps.Keys(below)) {
		b := below[src]
		if src == tenantUnknownSource {
			continue
		}
		sources[src] = b.reports
		d.merge(b, a.cfg.MaxPerGroup)
	}
	minimum := int64(a.cfg.MinDistributed)
	hour, day := peakWithin(d.hours, 1), peakWithin(d.hours, 24)
	// One source under MinBackscatter is no distribution, whatever
	// MinDistributed says.
	if len(sources) < 2 || day < minimum {
		return audit.BackscatterSource{}, false
	}
	s := audit.BackscatterSource{
		Source: audit.DistributedSource, Severity: audit.Medium, Distributed: true,
		Sources: top(sources, a.cfg.Top), SourcesTotal: len(sources), SourcesCapped: capped,
		Reports: d.reports, PeakPerHour: hour, PeakPer24Hours: day, FirstSeen: d.first, LastSeen: d.last,
		Domains: top(d.domains, a.cfg.Top), DomainsTotal: len(d.domains), DomainsCapped: d.domainsCapped,
		Timeline: a.timeline(d.buckets),
	}
	if hour >= highDistributed*minimum {
		s.Severity = audit.High
	}
	return s, true
}

// highDistributed is how many times MinDistributed the sources under the
// threshold must send within one clock hour to be high (see
// distributedOf).
const highDistributed = 4

// peakWithin is the most reports within n consecutive clock hours.
func peakWithin(hours map[int64]int64, n int64) int64 {
	keys := slices.Sorted(maps.Keys(hours))
	var peak, sum int64
	lo := 0
	for _, h := range keys {
		sum += hours[h]
		for keys[lo] <= h-n {
			sum -= hours[keys[lo]]
			lo++
		}
		peak = max(peak, sum)
	}
	return peak
}

// backscatter lists the sources at or above the threshold in t, worst
// first, and counts those below it, which it lists as one distributed
// source when they add up (distributedOf). Exchange Online reports still held
// for their originals' reasons count as reason unknown, on-premises ones
// still held for their originals' RECEIVE as from an unknown source.
func (a *Analyzer) backscatter(t *audit.Traffic) {
	t.BackscatterBelow.Threshold = a.cfg.MinBackscatter
	below := map[string]*backAgg{}
	add := func(src string, b *backAgg) {
		if s, ok := a.backscatterOf(src, b); ok {
			t.Backscatter = append(t.Backscatter, s)
			return
		}
		below[src] = b
		t.BackscatterBelow.Sources++
		t.BackscatterBelow.Reports += b.reports
	}
	held, capped := a.heldNDRsNow()
	dsns, dsnsCapped, dropped := a.heldDSNsNow()
	for src, b := range a.back {
		// A source with reports still held is added below, with them.
		if src == tenantUnknownSource && held != nil || src == unknownSource && dsns != nil {
			continue
		}
		add(src, b)
	}
	if held != nil {
		add(tenantUnknownSource, held)
	}
	if dsns != nil {
		add(unknownSource, dsns)
	}
	if (capped || dsnsCapped) && !a.truncated[backscatterDomainsCapped] {
		t.Truncated = append(t.Truncated, backscatterDomainsCapped)
	}
	if dropped && !a.truncated[backscatterSourcesCapped] {
		t.Truncated = append(t.Truncated, backscatterSourcesCapped)
	}
	if s, ok := a.distributedOf(below, dropped || a.truncated[backscatterSourcesCapped]); ok {
		t.Backscatter = append(t.Backscatter, s)
	}
	slices.SortFunc(t.Backscatter, func(x, y audit.BackscatterSource) int {
		if c := cmp.Compare(y.Severity, x.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Reports, x.Reports); c != 0 {
			return c
		}
		return cmp.Compare(x.Source, y.Source)
	})
}

// hourOf is t's clock hour (UTC) as a number, rounded down before 1970 too.
func hourOf(t time.Time) int64 {
	u := t.Unix()
	h := u / 3600
	if u < 0 && u%3600 != 0 {
		h--
	}
	return h
}
