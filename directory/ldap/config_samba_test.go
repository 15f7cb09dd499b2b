package ldap_test

import (
	"context"
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/directory/ldap/sambatest"
	"dgaudit/rules"
)

// TestConfigHiddenFromBindAccount reads as an ordinary account, which may
// not see the fixture's Exchange configuration objects (the test schema's
// classes carry no defaultSecurityDescriptor, so only administrators may
// read them; a real organization can be set up the same way). The search
// succeeds and returns nothing, as Active Directory does: that must be a gap
// for each kind, not a complete read of an organization without accepted
// domains, remote domains or anti-spam agents.
func TestConfigHiddenFromBindAccount(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	cfg := config(s)
	cfg.BindDN = sambatest.ReaderUPN
	cfg.BaseDN = "OU=Groups," + sambatest.BaseDN
	snap := collect(t, cfg)
	for _, r := range snap.Coverage.Read {
		switch r.What {
		case directory.CoverAcceptedDomains, directory.CoverRemoteDomains, directory.CoverRecipientFilter:
			t.Errorf("%s recorded as read (%d) by an account that may not see them", r.What, r.Count)
		}
	}
	gaps := map[string]string{}
	for _, g := range snap.Coverage.Gaps {
		gaps[g.What] = g.Reason
	}
	for what, want := range map[string]string{
		directory.CoverAcceptedDomains: "every Exchange organization has at least one accepted domain",
		directory.CoverRemoteDomains:   "every Exchange organization has the Default remote domain",
		directory.CoverRecipientFilter: "either the anti-spam agents were never installed or the object could not be read",
	} {
		if !strings.Contains(gaps[what], want) || !strings.Contains(gaps[what], "CN=Microsoft Exchange,CN=Services,"+sambatest.ConfigDN) {
			t.Errorf("%s gap %q, want one saying %q and where", what, gaps[what], want)
		}
	}
	if snap.Org.RecipientFilter != nil {
		t.Errorf("recipient filter %+v: not read, so it must stay unknown", snap.Org.RecipientFilter)
	}
	rep, err := audit.Run(context.Background(), snap, rules.All(rules.DefaultConfig()), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.OrgFindings {
		if f.Rule == "recipient-validation-off" {
			t.Errorf("recipient-validation-off from a configuration that could not be read: %s", f.Message)
		}
	}
	if rep.Complete {
		t.Error("report complete")
	}
}
