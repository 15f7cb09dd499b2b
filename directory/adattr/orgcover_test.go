package adattr

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

// A kind with objects is counted; a kind searched with none found is a gap
// that says why none is not a fact; a kind the source did not look for is
// neither.
func TestCoverOrg(t *testing.T) {
	t.Parallel()
	var cov directory.Coverage
	CoverOrg(&cov, map[string]int{directory.CoverAcceptedDomains: 2, directory.CoverRemoteDomains: 0}, "ldif:x", "is in the export", "export it")
	if diff := cmp.Diff([]directory.ReadCount{{What: directory.CoverAcceptedDomains, Count: 2, Source: "ldif:x"}}, cov.Read); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
	if len(cov.Gaps) != 1 || cov.Gaps[0].What != directory.CoverRemoteDomains ||
		cov.Gaps[0].Reason != "no msExchDomainContentConfig object is in the export: every Exchange organization has the Default remote domain (*), so they could not be read; export it" {
		t.Errorf("gaps = %+v", cov.Gaps)
	}
	cov = directory.Coverage{}
	CoverOrg(&cov, map[string]int{directory.CoverRecipientFilter: 0}, "ldaps://dc1", "could be read", "grant read")
	if len(cov.Gaps) != 1 || !strings.Contains(cov.Gaps[0].Reason, "never installed or the object could not be read") || len(cov.Read) != 0 {
		t.Errorf("coverage = %+v", cov)
	}
}
