package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"dgaudit/audit"
)

// sampleExternal picks up to n external recipients for evidence, in address
// order so reports are stable.
func sampleExternal(ext []audit.ExternalRecipient, n int, keep func(audit.ExternalRecipient) bool) ([]audit.MemberRef, int) {
	var picked []audit.ExternalRecipient
	total := 0
	for _, e := range ext {
		if keep != nil && !keep(e) {
			continue
		}
		total++
		picked = append(picked, e)
	}
	slices.SortFunc(picked, func(a, b audit.ExternalRecipient) int {
		return cmp.Or(cmp.Compare(a.Address, b.Address), cmp.Compare(a.ID, b.ID))
	})
	if len(picked) > n {
		picked = picked[:n]
	}
	out := make([]audit.MemberRef, len(picked))
	for i, e := range picked {
		out[i] = audit.MemberRef{ID: e.ID, Name: e.Name, Address: e.Address, Kind: e.Kind, Via: e.Via}
	}
	return out, total
}

func reachable(e audit.ExternalRecipient) bool { return e.BlockedBy == "" }

// domainsOf lists the distinct domains of the recipients, most frequent
// first, for messages like "at partner.example (12), supplier.example (3)".
func domainsOf(ext []audit.ExternalRecipient, keep func(audit.ExternalRecipient) bool, limit int) string {
	counts := map[string]int{}
	for _, e := range ext {
		if keep == nil || keep(e) {
			counts[e.Domain]++
		}
	}
	type dc struct {
		d string
		n int
	}
	list := make([]dc, 0, len(counts))
	for d, n := range counts {
		list = append(list, dc{d, n})
	}
	slices.SortFunc(list, func(a, b dc) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.d, b.d)) })
	var parts []string
	for i, x := range list {
		if i == limit {
			parts = append(parts, fmt.Sprintf("%d more", len(list)-limit))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", x.d, x.n))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// mention names a setting and its value, and says when it was not set.
func mention(s audit.Setting) string {
	if s.Source == audit.SourceDefault {
		return fmt.Sprintf("%s %s, not set so Exchange's default applies", s.Name, s.Value)
	}
	return fmt.Sprintf("%s %s", s.Name, s.Value)
}
