package adattr

import (
	"fmt"

	"dgaudit/directory"
)

// orgKinds are the organization settings whose absence is not a fact:
// what each is called in coverage, its object class, and why finding none
// of it does not mean the organization has none.
var orgKinds = []struct{ what, class, why string }{
	{directory.CoverAcceptedDomains, "msExchAcceptedDomain",
		"every Exchange organization has at least one accepted domain, so they could not be read"},
	{directory.CoverRemoteDomains, "msExchDomainContentConfig",
		"every Exchange organization has the Default remote domain (*), so they could not be read"},
	{directory.CoverRecipientFilter, RecipientFilterClass,
		"either the anti-spam agents were never installed or the object could not be read, and nothing in the directory " +
			"tells which (Get-RecipientFilterConfig in the Exchange Management Shell does)"},
}

// CoverOrg records in cov what a read of the organization settings found:
// for each kind in counts (directory.CoverAcceptedDomains,
// CoverRemoteDomains, CoverRecipientFilter), the number of its objects read
// from source, or, when there was none, a gap. Active Directory leaves out
// what the reader may not see without an error, so an empty result is no
// evidence of absence: an organization without an accepted domain or the
// Default remote domain does not exist, and a missing Recipient Filter
// configuration may be hidden rather than never created. Recording none as
// read would let the rules judge an empty list as the organization's.
// seen completes "no <class> object ..." with where the source looked
// ("is in the export"); fix says what to do if the reader was the cause.
func CoverOrg(cov *directory.Coverage, counts map[string]int, source, seen, fix string) {
	for _, k := range orgKinds {
		n, ok := counts[k.what]
		switch {
		case !ok:
		case n > 0:
			cov.AddRead(k.what, n, source)
		default:
			cov.AddGap(k.what, "", fmt.Sprintf("no %s object %s: %s; %s", k.class, seen, k.why, fix))
		}
	}
}
