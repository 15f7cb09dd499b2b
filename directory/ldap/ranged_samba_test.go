package ldap_test

import (
	"testing"

	"dgaudit/directory/ldap/sambatest"
)

// TestRangedOutsideScan: a group reached outside the recipient scan, as a
// nested member outside --base-dn (looked up) or as what a dynamic group's
// filter selects, is read with all its members, following the ranges as the
// scan does. RangeStep 1 stands in for Windows' cut at 1,500 values, which
// Samba does not make: each two-member group then comes back with one
// member and a range to continue. (Not parallel: it adds a dynamic group
// the other tests do not expect.)
func TestRangedOutsideScan(t *testing.T) {
	s := sambatest.Get(t)
	ou := "OU=Ranged Outside," + sambatest.BaseDN
	dynamic := "CN=Partner Groups," + ou
	addTemp(t, s,
		tempObject{ou, map[string][]string{"objectClass": {"top", "organizationalUnit"}}},
		tempObject{dynamic, map[string][]string{
			"objectClass": {"top", "msExchDynamicDistributionList"}, "mailNickname": {"partnergroups"},
			"proxyAddresses":        {"SMTP:partner-groups@corp.example.test"},
			"msExchDynamicDLFilter": {"(&(objectClass=group)(cn=" + sambatest.GroupInner + "))"},
			"msExchDynamicDLBaseDN": {"OU=Groups," + sambatest.BaseDN},
		}},
	)
	for _, tt := range []struct{ name, base string }{
		{"nested group outside the base DN", sambatest.GroupDN(sambatest.GroupOuter)},
		{"group a dynamic filter selects", dynamic},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(s)
			cfg.BaseDN = tt.base
			cfg.RangeStep = 1
			inner := indexOf(t, collect(t, cfg)).group(t, sambatest.GroupInner)
			if len(inner.Members) != 2 || inner.MembersUnknown {
				t.Errorf("%s: %d members (unknown %v), want its 2: %v", sambatest.GroupInner, len(inner.Members), inner.MembersUnknown, inner.Members)
			}
		})
	}
}
