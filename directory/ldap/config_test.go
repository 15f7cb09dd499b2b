package ldap

import (
	"errors"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"empty", Config{}, []string{"at least one server URL", "bind DN"}},
		{"bad scheme and no password", Config{URLs: []string{"http://dc"}, BindDN: "a@b"}, []string{"scheme must be ldaps or ldap", "password: empty"}},
		{"base DN in URL", Config{URLs: []string{"ldaps://dc/DC=x"}, BindDN: "a@b", Password: "p"}, []string{"use BaseDN"}},
		{"both CA and insecure", Config{URLs: []string{"ldaps://dc"}, BindDN: "a@b", Password: "p", CAFile: "x", InsecureSkipVerify: true}, []string{"choose one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if err == nil {
				t.Fatal("New accepted the config")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	s, err := New(Config{URLs: []string{"ldaps://dc.corp.example"}, BindDN: "svc@corp.example", Password: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.PageSize != defaultPageSize || s.cfg.Timeout != defaultTimeout || s.cfg.Retries != defaultRetries || s.cfg.Logger == nil {
		t.Errorf("defaults not filled in: %+v", s.cfg)
	}
}

func TestBindErrorDecodesADData(t *testing.T) {
	t.Parallel()
	le := &goldap.Error{ResultCode: goldap.LDAPResultInvalidCredentials,
		Err: errors.New("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563")}
	err := bindError("ldaps://dc1", "svc@corp.example", le)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "account locked out") || !strings.Contains(err.Error(), "ldaps://dc1") {
		t.Errorf("bindError = %v", err)
	}
}

func TestTransient(t *testing.T) {
	t.Parallel()
	if !transient(&goldap.Error{ResultCode: goldap.LDAPResultBusy, Err: errors.New("busy")}) {
		t.Error("busy is not transient")
	}
	if transient(&goldap.Error{ResultCode: goldap.LDAPResultInsufficientAccessRights, Err: errors.New("no")}) {
		t.Error("access denied is transient")
	}
}
