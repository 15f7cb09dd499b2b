package directory

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// checkCounts compares what a snapshot's coverage says was read with what
// the snapshot holds. Every source records the count of what it put in the
// snapshot, so a file that holds something else lost or gained objects after
// it was written, and auditing it would judge part of a directory as if it
// were all of it. Group memberships are not compared: a member that could
// not be resolved stays as its DN with a gap, and repeated members fold
// into one, so their sum is not the count read.
func (s *Snapshot) checkCounts() error {
	counts := map[string][]int{}
	var errs []error
	for i, r := range s.Coverage.Read {
		if r.Count < 0 {
			errs = append(errs, fmt.Errorf("coverage.read[%d] (%q): count %d is negative", i, r.What, r.Count))
			continue
		}
		counts[r.What] = append(counts[r.What], r.Count)
	}
	gaps := map[string]bool{}
	for _, g := range s.Coverage.Gaps {
		gaps[g.What] = true
	}

	// Recipients: each source's count is exactly what it added. A second
	// source merged in (Exchange Online over Graph) adds only the objects
	// the first did not read, so the total lies between the largest count
	// and the sum.
	for _, k := range []struct {
		what, key string
		held      int
	}{
		{CoverGroups, "groups", len(s.Groups)},
		{CoverUsers, "users", len(s.Users)},
		{CoverContacts, "contacts", len(s.Contacts)},
	} {
		cs := counts[k.what]
		if len(cs) == 0 {
			continue
		}
		lo, hi := slices.Max(cs), sum(cs)
		if k.held < lo || k.held > hi {
			errs = append(errs, fmt.Errorf("coverage.read records %s %s read, but %q holds %d", joinCounts(cs), k.what, k.key, k.held))
		}
	}

	// Organization settings: a source counts the objects it found, and one
	// it could not map is left out with a gap; a merged source's list
	// replaces the other's. So a list may hold fewer than a count, but
	// then only with a gap to say why, and never more than the largest.
	for _, k := range []struct {
		what, key string
		held      int
		absent    bool
	}{
		{CoverAcceptedDomains, "organization.acceptedDomains", len(s.Org.AcceptedDomains), false},
		{CoverRemoteDomains, "organization.remoteDomains", len(s.Org.RemoteDomains), false},
		{CoverReceiveConnectors, "organization.receiveConnectors", len(s.Org.ReceiveConnectors), s.Org.ReceiveConnectors == nil},
	} {
		cs := counts[k.what]
		switch {
		case len(cs) == 0:
		case k.absent:
			// Nil means "not read": it cannot also have been read.
			errs = append(errs, fmt.Errorf("coverage.read records %s %s read, but %q is absent", joinCounts(cs), k.what, k.key))
		case k.held > slices.Max(cs),
			len(cs) == 1 && k.held < cs[0] && len(s.Coverage.Gaps) == 0:
			errs = append(errs, fmt.Errorf("coverage.read records %s %s read, but %q holds %d", joinCounts(cs), k.what, k.key, k.held))
		}
	}
	if len(counts[CoverRecipientFilter]) > 0 && s.Org.RecipientFilter == nil && !gaps[CoverRecipientFilter] {
		errs = append(errs, fmt.Errorf("coverage.read records %s read, but %q is absent and no gap says why", CoverRecipientFilter, "organization.recipientFilter"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("damaged snapshot: its coverage does not match what it holds, so the file was edited or cut short after dgaudit wrote it; collect again: %w", errors.Join(errs...))
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// joinCounts writes one count as "47" and several (one per source) as
// "10 + 8".
func joinCounts(cs []int) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, " + ")
}
