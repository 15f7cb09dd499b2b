package main

import (
	"fmt"
	"strings"
	"testing"

	"dgaudit/directory/ldap"
)

// TestLDAPHintFitsTheBind checks that a Kerberos failure is never answered
// with advice about a password that the run did not use, while a refused
// simple bind is.
func TestLDAPHintFitsTheBind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		want    string
		notWant []string
	}{
		{"simple bind refused", fmt.Errorf("ldap: ldaps://dc1: bind as %q: %w: wrong user name or password", "svc", ldap.ErrAuth),
			"password", nil},
		{"Kerberos refused", fmt.Errorf("ldap: ldaps://dc1: Kerberos bind with keytab k: %w: the server refused the ticket", ldap.ErrKerberos),
			"kinit", []string{"password", "--bind-dn"}},
		{"Kerberos over plain LDAP", fmt.Errorf("ldap: ldap://dc1: Kerberos bind: %w: the server requires signing or sealing", ldap.ErrKerberos),
			"klist", []string{"password", "--bind-dn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := hintFor(tt.err)
			if !strings.Contains(got, tt.want) {
				t.Errorf("hint %q lacks %q", got, tt.want)
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("hint %q mentions %q", got, w)
				}
			}
		})
	}
}
