package ldap

import (
	"slices"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
)

// TestRecipientBranches: every branch parses, and each recipient class
// has exactly one branch (an object class searched twice would cost a
// second pass; one left out would shrink the snapshot). Only the group
// branches read descriptors: a contact's or a user's would cost a few KB
// each for nothing.
func TestRecipientBranches(t *testing.T) {
	classes := map[string]int{}
	for _, br := range recipientBranches(true) {
		f := br.filter
		wantSD := strings.Contains(f, "(objectClass=group)") || strings.Contains(f, "(objectClass=msExchDynamicDistributionList)")
		if got := slices.Contains(br.attrs, "nTSecurityDescriptor") && len(br.controls) == 1; got != wantSD {
			t.Errorf("filter %q: reads descriptors %v, want %v", f, got, wantSD)
		}
		if _, err := goldap.CompileFilter(f); err != nil {
			t.Errorf("filter %q does not parse: %v", f, err)
		}
		for _, c := range []string{"group", "contact", "user", "msExchDynamicDistributionList"} {
			if strings.Contains(f, "(objectClass="+c+")") {
				classes[c]++
			}
		}
	}
	for _, c := range []string{"group", "contact", "user", "msExchDynamicDistributionList"} {
		if classes[c] != 1 {
			t.Errorf("objectClass=%s is in %d branches, want 1", c, classes[c])
		}
	}
}
