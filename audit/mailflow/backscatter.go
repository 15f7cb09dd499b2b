package mailflow

import (
	"cmp"
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
	for _, n := range b.hours {
		s.PeakPerHour = max(s.PeakPerHour, n)
	}
	s.Severity = audit.Medium
	if s.PeakPerHour >= minimum && !s.ReasonUnknown {
		s.Severity = audit.High
	}
	return s, true
}

// backscatter lists the sources at or above the threshold in t, worst
// first, and counts those below it. Exchange Online reports still held
// for their originals' reasons count as reason unknown, on-premises ones
// still held for their originals' RECEIVE as from an unknown source.
func (a *Analyzer) backscatter(t *audit.Traffic) {
	t.BackscatterBelow.Threshold = a.cfg.MinBackscatter
	add := func(src string, b *backAgg) {
		if s, ok := a.backscatterOf(src, b); ok {
			t.Backscatter = append(t.Backscatter, s)
			return
		}
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
