package rules_test

import (
	"slices"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/rules"
)

// TestOrganizationRulesDeclareReads: every organization rule that judges
// collected settings names the coverage areas it reads, so that a baseline
// comparison can tell a finding fixed from one whose data was not read. The
// two rules that report an area missing are the exception: their going away
// means the area was read.
func TestOrganizationRulesDeclareReads(t *testing.T) {
	t.Parallel()
	known := []string{directory.CoverAcceptedDomains, directory.CoverRemoteDomains, directory.CoverRecipientFilter, directory.CoverReceiveConnectors}
	for _, r := range rules.All(rules.DefaultConfig()) {
		if r.Scope() != audit.ScopeOrganization {
			if len(r.Reads) > 0 {
				t.Errorf("%s: Reads is for organization rules", r.ID)
			}
			continue
		}
		if r.ID == "accepted-domains-unknown" || r.ID == "remote-domains-unknown" {
			continue
		}
		if len(r.Reads) == 0 {
			t.Errorf("%s: no Reads", r.ID)
		}
		for _, what := range r.Reads {
			if !slices.Contains(known, what) {
				t.Errorf("%s: Reads %q is not a coverage area of the organization settings", r.ID, what)
			}
		}
	}
}
