package mailflow

import (
	"math"
	"time"
)

// unknownSource is the source of on-premises reports whose original's
// RECEIVE from outside never came.
const unknownSource = "unknown (original not in the logs)"

// With an edge and a hub, each logs to a folder of its own. Read merged by
// time (tracking.Read, for logs named as Exchange names them), the edge's
// RECEIVE from outside comes before the hub's FAIL and DSN of the same
// original; from exports, read one after another, or with the hub's clock
// ahead, the hub's may come first. Counted at once, such reports would go to
// unknownSource and split one attack over two sources, hiding the attacker.
// They wait here instead, bounded like the other recent tables, until the
// RECEIVE names the source (receive), another original takes their slot,
// or the result is taken; the last two count them under unknownSource, as
// they would have been counted at once.
//
// heldDSN is one report to one outside address: its time and the
// address's domain (interned).
type heldDSN struct {
	// at is Unix nanoseconds, noTime for a row without a time.
	at     int64
	domain string
}

// noTime stands for the zero time, which Unix nanoseconds cannot hold.
const noTime = math.MinInt64

func heldAt(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

func (r heldDSN) time() time.Time {
	if r.at == noTime {
		return time.Time{}
	}
	return time.Unix(0, r.at).UTC()
}

// holdDSN keeps a report for the original h until its RECEIVE from outside
// comes.
func (a *Analyzer) holdDSN(h uint64, at time.Time, domain string) {
	// As Exchange Online's held reports: a flood of reports whose
	// originals never show must not hold them all; past the bounds a report
	// is counted now, as it would be at the end.
	if a.dsnsHeld >= 10*a.cfg.MaxKeys {
		a.addBackscatter(at, unknownSource, domain)
		return
	}
	if a.dsns == nil {
		// Made on the first report held: logs read edge first, and logs
		// without backscatter, never pay for it.
		a.dsns = newRecent[[]heldDSN](a.cfg.Window)
	}
	p, evicted := a.dsns.slot(h)
	if len(evicted) > 0 {
		// Another original took the slot: this one's RECEIVE did not
		// come within the window, and can no longer be matched.
		a.releaseDSNs(evicted, unknownSource)
	}
	if len(*p) >= a.cfg.MaxPerGroup {
		a.addBackscatter(at, unknownSource, domain)
		return
	}
	*p = append(*p, heldDSN{at: heldAt(at), domain: a.intern(domain)})
	a.dsnsHeld++
}

// receivedDSNs counts the reports held for the original h under source,
// which its RECEIVE from outside names.
func (a *Analyzer) receivedDSNs(h uint64, source string) {
	if rs, ok := a.dsns.take(h); ok {
		a.releaseDSNs(rs, source)
	}
}

func (a *Analyzer) releaseDSNs(rs []heldDSN, source string) {
	a.dsnsHeld -= len(rs)
	for _, r := range rs {
		a.addBackscatter(r.time(), source, r.domain)
	}
}

// heldDSNsNow is unknownSource with the reports still held added: their
// originals' RECEIVE never came. Like heldNDRsNow it leaves the Analyzer as
// it is, since Result may be called before more rows are added. capped is
// set when the domains aggregate dropped a domain it would have added, and
// dropped when there is no room for the source itself (MaxKeys).
func (a *Analyzer) heldDSNsNow() (b *backAgg, capped, dropped bool) {
	if a.dsnsHeld == 0 {
		return nil, false, false
	}
	if cur := a.back[unknownSource]; cur != nil {
		b = cur.clone()
	} else if len(a.back) >= a.cfg.MaxKeys {
		return nil, false, true
	} else {
		b = newBackAgg()
	}
	held := a.dsns
	for i, rs := range held.vals {
		if held.tags[i] == 0 {
			continue
		}
		for _, r := range rs {
			at := r.time()
			if !b.count(at, r.domain, a.cfg.MaxPerGroup, a.bucket(at)) {
				capped = true
			}
		}
	}
	return b, capped, false
}
