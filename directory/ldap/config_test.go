package ldap

import (
	"errors"
	"fmt"
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
	// As go-ldap reports a write on a dropped connection, wrapped as the
	// bind wraps it: the cause survives as text only.
	unsent := fmt.Errorf("bind: %w", errors.New("unable to send request: write tcp 127.0.0.1:59322->127.0.0.1:35647: write: broken pipe"))
	if !transient(unsent) {
		t.Error("a request that could not be written is not transient")
	}
}

func TestKerberosConfig(t *testing.T) {
	url := []string{"ldaps://dc.corp.example"}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"password too", Config{URLs: url, Kerberos: true, BindDN: "a@b", Password: "p"}, []string{"Kerberos: choose one"}},
		{"keytab without principal", Config{URLs: url, Kerberos: true, Keytab: "x.keytab"}, []string{"needs the principal"}},
		{"keytab and ccache", Config{URLs: url, Kerberos: true, Keytab: "x.keytab", Principal: "svc", CCache: "/tmp/cc"}, []string{"choose one"}},
		{"keytab without --kerberos", Config{URLs: url, BindDN: "a@b", Password: "p", Keytab: "x.keytab"}, []string{"only used with Kerberos"}},
		{"keyring cache", Config{URLs: url, Kerberos: true, CCache: "KEYRING:persistent:0"}, []string{"only file caches", "kinit -c FILE:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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

	t.Run("defaults follow the MIT environment", func(t *testing.T) {
		t.Setenv("KRB5_CONFIG", "/etc/corp-krb5.conf:/etc/krb5.conf")
		t.Setenv("KRB5CCNAME", "FILE:/run/user/1000/krb5cc")
		s, err := New(Config{URLs: url, Kerberos: true})
		if err != nil {
			t.Fatal(err)
		}
		if s.cfg.Krb5Conf != "/etc/corp-krb5.conf" || s.cfg.CCache != "/run/user/1000/krb5cc" {
			t.Errorf("krb5.conf %q, ccache %q", s.cfg.Krb5Conf, s.cfg.CCache)
		}
		t.Setenv("KRB5_CONFIG", "")
		t.Setenv("KRB5CCNAME", "")
		s, err = New(Config{URLs: url, Kerberos: true, Keytab: "x.keytab", Principal: "svc"})
		if err != nil {
			t.Fatal(err)
		}
		if s.cfg.Krb5Conf != "/etc/krb5.conf" || s.cfg.CCache != "" {
			t.Errorf("krb5.conf %q, ccache %q", s.cfg.Krb5Conf, s.cfg.CCache)
		}
	})
}

// TestKerberosErrorText covers the KDC answers the Samba tests cannot
// provoke (a skewed clock needs a KDC in another time).
func TestKerberosErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		krb  string
		want string
	}{
		{"[Root cause: KDC_Error] KDC_Error: AS Exchange Error: kerberos error response from KDC: KRB Error: (37) KRB_AP_ERR_SKEW Clock skew too great", "fix the time (NTP)"},
		{"[Root cause: KDC_Error] KDC_Error: TGS Exchange Error: KRB Error: (7) KDC_ERR_S_PRINCIPAL_UNKNOWN Server not found in Kerberos database", "knows no service ldap/dc1.corp.example"},
		{"[Root cause: KDC_Error] KDC_Error: KRB Error: (18) KDC_ERR_CLIENT_REVOKED Clients credentials have been revoked", "disabled or locked out"},
		{"[Root cause: Networking_Error] Networking_Error: AS Exchange Error: failed sending AS_REQ to KDC: failed to communicate with KDC", "KDC cannot be reached"},
	}
	for _, tt := range tests {
		err := kerberosError("ldaps://dc1.corp.example", "ldap/dc1.corp.example", "keytab k", errors.New(tt.krb))
		if !errors.Is(err, ErrKerberos) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "ldaps://dc1.corp.example") {
			t.Errorf("%s:\n got %v\nwant it to say %q", tt.krb, err, tt.want)
		}
	}
}
