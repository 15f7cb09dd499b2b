package sambatest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// Krb5Conf is a krb5.conf for the test realm that names the KDC by address.
// Samba's own (private/krb5.conf) finds the KDC through DNS, which the
// tests do not run, so Kerberos clients use this one instead.
func (s *Server) Krb5Conf() string { return filepath.Join(s.Dir, "krb5-test.conf") }

// writeKrb5Conf writes Krb5Conf. Reverse lookups and canonicalization are
// off so the service name stays what the client asked for.
func (s *Server) writeKrb5Conf() error {
	conf := fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_realm = false
	dns_lookup_kdc = false
	dns_canonicalize_hostname = false
	rdns = false
	udp_preference_limit = 1

[realms]
	%[1]s = {
		kdc = %[2]s:88
		admin_server = %[2]s
	}

[domain_realm]
	.%[3]s = %[1]s
	%[3]s = %[1]s
`, Realm, s.Addr, Domain)
	return os.WriteFile(s.Krb5Conf(), []byte(conf), 0o644)
}

// addAddressSPN registers ldap/<Addr> on the DC's account. Clients derive
// the service principal from the host in the URL; the tests reach the DC by
// its loopback address because its name does not resolve here, so the
// address has to be a name the KDC knows (Windows accepts IP-address SPNs
// the same way since Server 2016).
func (s *Server) addAddressSPN() error {
	c, err := s.Admin()
	if err != nil {
		return err
	}
	defer c.Close()
	dn := "CN=" + HostName + ",OU=Domain Controllers," + BaseDN
	req := goldap.NewModifyRequest(dn, nil)
	req.Add("servicePrincipalName", []string{"ldap/" + s.Addr})
	if err := c.Modify(req); err != nil {
		return fmt.Errorf("add SPN ldap/%s to %s: %w", s.Addr, dn, err)
	}
	return nil
}

// ExportKeytab writes the keys of principal (user@REALM) to a keytab file
// at path, with samba-tool reading the directory database directly.
func (s *Server) ExportKeytab(ctx context.Context, principal, path string) error {
	cmd := exec.CommandContext(ctx, "samba-tool", "domain", "exportkeytab", path,
		"--principal="+principal, "-s", filepath.Join(s.Dir, "etc", "smb.conf"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("samba-tool domain exportkeytab %s: %v\n%s", principal, err, tail(out))
	}
	return nil
}

// Kinit gets a ticket-granting ticket for principal from keytab into the
// credential cache file ccache, with MIT kinit (package krb5-user).
func (s *Server) Kinit(ctx context.Context, keytab, principal, ccache string) error {
	if _, err := exec.LookPath("kinit"); err != nil {
		return fmt.Errorf("kinit not found (package krb5-user): %w", err)
	}
	cmd := exec.CommandContext(ctx, "kinit", "-k", "-t", keytab, "-c", "FILE:"+ccache, principal)
	cmd.Env = append(os.Environ(), "KRB5_CONFIG="+s.Krb5Conf())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kinit %s: %v\n%s", principal, err, tail(out))
	}
	return nil
}

// WriteKeytab writes a keytab for principal (user@REALM) with AES keys
// derived from password, as ktutil would. Given a password that is not the
// account's, it is the stale keytab an administrator is left with after a
// password change.
func WriteKeytab(path, principal, password string) error {
	user, realm, ok := strings.Cut(principal, "@")
	if !ok {
		return fmt.Errorf("principal %q has no realm", principal)
	}
	kt := keytab.New()
	for _, et := range []int32{etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA1_96} {
		if err := kt.AddEntry(user, realm, password, time.Now(), 1, et); err != nil {
			return err
		}
	}
	b, err := kt.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
