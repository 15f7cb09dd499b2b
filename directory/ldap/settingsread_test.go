package ldap

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAccountFilters: how the bind account is found when the server does
// not say who it is (Samba has no Who am I?): a DN as it is, a UPN by
// userPrincipalName and then by the implicit sAMAccountName@dnsDomain,
// DOMAIN\name and a Kerberos principal's name by sAMAccountName, escaped.
func TestAccountFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, dn string
		filters      []string
	}{
		{"DN", "CN=svc audit,OU=Service,DC=corp,DC=example", "CN=svc audit,OU=Service,DC=corp,DC=example", nil},
		{"UPN", "svc-audit@corp.example", "", []string{"(userPrincipalName=svc-audit@corp.example)", "(sAMAccountName=svc-audit)"}},
		{"down-level", `CORP\svc-audit`, "", []string{"(sAMAccountName=svc-audit)"}},
		{"bare name", "svc-audit", "", []string{"(sAMAccountName=svc-audit)"}},
		{"escaped", "svc*(x)@corp.example", "", []string{`(userPrincipalName=svc\2a\28x\29@corp.example)`, `(sAMAccountName=svc\2a\28x\29)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dn, filters := accountFilters(tt.in)
			if dn != tt.dn || !cmp.Equal(filters, tt.filters) {
				t.Errorf("accountFilters(%q) = %q, %q; want %q, %q", tt.in, dn, filters, tt.dn, tt.filters)
			}
		})
	}
}
