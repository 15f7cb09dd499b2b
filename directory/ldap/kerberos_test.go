package ldap_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/directory/ldap"
	"dgaudit/directory/ldap/sambatest"

	"github.com/google/go-cmp/cmp"
)

const adminPrincipal = "Administrator@" + sambatest.Realm

// kerberosConfig is config(s) with a Kerberos bind from keytab instead of
// the password.
func kerberosConfig(s *sambatest.Server, keytab string) ldap.Config {
	cfg := config(s)
	cfg.BindDN, cfg.Password = "", ""
	cfg.Kerberos = true
	cfg.Keytab = keytab
	cfg.Principal = "Administrator"
	cfg.Krb5Conf = s.Krb5Conf()
	return cfg
}

// adminKeytab exports the Administrator's keys from the server.
func adminKeytab(t *testing.T, s *sambatest.Server) string {
	t.Helper()
	kt := filepath.Join(t.TempDir(), "admin.keytab")
	if err := s.ExportKeytab(context.Background(), adminPrincipal, kt); err != nil {
		t.Fatal(err)
	}
	return kt
}

// TestKerberos reads the directory with a Kerberos (GSSAPI) bind from a
// keytab and from a kinit credential cache, over LDAPS and StartTLS, and
// checks the result is what the simple bind reads.
func TestKerberos(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	want := collect(t, config(s))
	kt := adminKeytab(t, s)

	tests := []struct {
		name string
		edit func(t *testing.T, c *ldap.Config)
	}{
		{"keytab over LDAPS", func(*testing.T, *ldap.Config) {}},
		{"keytab over StartTLS", func(_ *testing.T, c *ldap.Config) { c.URLs = []string{s.LDAPURL()} }},
		{"keytab with realm in the principal", func(_ *testing.T, c *ldap.Config) { c.Principal = adminPrincipal }},
		{"principal in another case", func(_ *testing.T, c *ldap.Config) { c.Principal = "administrator@corp.example.test" }},
		{"credential cache from kinit", func(t *testing.T, c *ldap.Config) {
			cc := filepath.Join(t.TempDir(), "ccache")
			if err := s.Kinit(context.Background(), kt, adminPrincipal, cc); err != nil {
				t.Fatal(err)
			}
			c.Keytab, c.Principal, c.CCache = "", "", "FILE:"+cc
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := kerberosConfig(s, kt)
			tt.edit(t, &cfg)
			got := collect(t, cfg)
			if len(got.Groups) != len(want.Groups) || len(got.Contacts) != len(want.Contacts) || len(got.Users) != len(want.Users) {
				t.Fatalf("Kerberos read %d/%d/%d groups/contacts/users, simple bind %d/%d/%d",
					len(got.Groups), len(got.Contacts), len(got.Users), len(want.Groups), len(want.Contacts), len(want.Users))
			}
			if diff := cmp.Diff(want.Groups, got.Groups); diff != "" {
				t.Errorf("groups differ from the simple bind's (-simple +kerberos):\n%s", diff)
			}
			if diff := cmp.Diff(want.Org, got.Org); diff != "" {
				t.Errorf("organization differs (-simple +kerberos):\n%s", diff)
			}
			// The bind account, whose permissions decide whether the
			// groups' settings are readable, is found from the principal
			// (Samba does not answer Who am I?), or every scan would say
			// the settings could not be checked.
			if diff := cmp.Diff(want.Coverage.Gaps, got.Coverage.Gaps); diff != "" {
				t.Errorf("gaps differ (-simple +kerberos):\n%s", diff)
			}
		})
	}
}

func TestKerberosErrors(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	dir := t.TempDir()
	kt := adminKeytab(t, s)
	stale := filepath.Join(dir, "stale.keytab")
	if err := sambatest.WriteKeytab(stale, adminPrincipal, "not-the-"+sambatest.Password); err != nil {
		t.Fatal(err)
	}
	deadKDC := filepath.Join(dir, "dead-kdc.conf")
	conf, err := os.ReadFile(s.Krb5Conf())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(deadKDC, []byte(strings.ReplaceAll(string(conf), s.Addr+":88", "127.0.0.1:1")), 0o644)

	tests := []struct {
		name     string
		edit     func(*ldap.Config)
		sentinel error
		want     []string
	}{
		{"stale keytab", func(c *ldap.Config) { c.Keytab = stale }, ldap.ErrKerberos,
			[]string{s.LDAPSURL(), "keytab " + stale, "does not match", "export a fresh keytab"}},
		{"principal not in keytab", func(c *ldap.Config) { c.Principal = "svc-audit" }, ldap.ErrKerberos,
			[]string{"has no key for svc-audit@" + sambatest.Realm, adminPrincipal, "--principal"}},
		{"missing keytab", func(c *ldap.Config) { c.Keytab = filepath.Join(dir, "nope.keytab") }, ldap.ErrKerberos,
			[]string{"read keytab", "nope.keytab", "no such file"}},
		{"no credential cache", func(c *ldap.Config) { c.Keytab, c.Principal, c.CCache = "", "", filepath.Join(dir, "no-ccache") }, ldap.ErrKerberos,
			[]string{"no ticket", "no-ccache", "run kinit"}},
		{"KDC unreachable", func(c *ldap.Config) { c.Krb5Conf = deadKDC }, ldap.ErrKerberos,
			[]string{s.LDAPSURL(), "KDC cannot be reached", "krb5.conf"}},
		{"plain LDAP", func(c *ldap.Config) { c.URLs = []string{s.LDAPURL()}; c.AllowPlaintext = true }, ldap.ErrKerberos,
			[]string{s.LDAPURL(), "signing or sealing", "ldaps://"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := kerberosConfig(s, kt)
			cfg.Retries = -1
			tt.edit(&cfg)
			src, err := ldap.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := src.Snapshot(context.Background())
			if err == nil {
				t.Fatalf("read %d groups, want an error", len(snap.Groups))
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("err = %v, want %v", err, tt.sentinel)
			}
			msg := err.Error()
			if !strings.Contains(msg, cfg.URLs[0]) {
				t.Errorf("message %q does not name the server", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message is not one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not mention %q", msg, w)
				}
			}
		})
	}
}
