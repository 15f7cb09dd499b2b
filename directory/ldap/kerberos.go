package ldap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldap/v3/gssapi"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/types"
)

// ErrKerberos: Kerberos could not authenticate (no or expired ticket, a
// keytab that does not match, clock skew, the KDC unreachable or not
// knowing the server). Like ErrAuth it stops the run at once: another DC
// of the same realm would get the same answer from the same KDC.
var ErrKerberos = errors.New("kerberos authentication failed")

// krbSource says where Kerberos credentials come from, for messages.
func (c *Config) krbSource() string {
	if c.Keytab != "" {
		return "keytab " + c.Keytab + " (principal " + c.principal() + ")"
	}
	return "credential cache " + c.CCache
}

// principal is Principal with the realm, as klist shows it.
func (c *Config) principal() string {
	user, realm := splitPrincipal(c.Principal)
	if realm == "" {
		realm = c.Realm
	}
	if realm == "" {
		return user
	}
	return user + "@" + realm
}

// splitPrincipal splits "user@REALM" at the last @.
func splitPrincipal(p string) (user, realm string) {
	if i := strings.LastIndexByte(p, '@'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return p, ""
}

// kerberosDefaults fills in the krb5.conf and credential cache paths the
// way MIT Kerberos tools find them, so that after `kinit` dgaudit finds the
// same ticket klist shows.
func (c *Config) kerberosDefaults() error {
	if c.Krb5Conf == "" {
		c.Krb5Conf = os.Getenv("KRB5_CONFIG")
		if i := strings.IndexByte(c.Krb5Conf, ':'); i >= 0 {
			// MIT allows a colon-separated list; the first file is the
			// one that normally holds the realm.
			c.Krb5Conf = c.Krb5Conf[:i]
		}
	}
	if c.Krb5Conf == "" {
		c.Krb5Conf = "/etc/krb5.conf"
	}
	if c.Keytab != "" {
		return nil
	}
	if c.CCache == "" {
		c.CCache = os.Getenv("KRB5CCNAME")
	}
	if c.CCache == "" {
		c.CCache = fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid())
	}
	kind, path, ok := strings.Cut(c.CCache, ":")
	switch {
	case !ok:
	case kind == "FILE":
		c.CCache = path
	default:
		return fmt.Errorf("credential cache %q: only file caches can be read; run kinit -c FILE:/path/to/cache and set KRB5CCNAME=FILE:/path/to/cache", c.CCache)
	}
	return nil
}

// kerberosClient loads krb5.conf and the keytab or credential cache. It does
// not talk to the KDC yet; the first bind does.
func (c *Config) kerberosClient() (*gssapi.Client, error) {
	conf, err := config.Load(c.Krb5Conf)
	if err != nil {
		return nil, fmt.Errorf("%w: read krb5.conf %s: %v (give the realm's configuration with --krb5-conf or KRB5_CONFIG)", ErrKerberos, c.Krb5Conf, err)
	}
	// AD KDCs do not offer FAST to clients like this one; gokrb5 would
	// otherwise insist on it and fail the login.
	noFAST := client.DisablePAFXFAST(true)
	if c.Keytab != "" {
		kt, err := keytab.Load(c.Keytab)
		if err != nil {
			return nil, fmt.Errorf("%w: read keytab %s: %v", ErrKerberos, c.Keytab, err)
		}
		user, realm := splitPrincipal(c.Principal)
		if realm == "" {
			realm = c.Realm
		}
		if realm == "" {
			realm = conf.LibDefaults.DefaultRealm
		}
		if realm == "" {
			return nil, fmt.Errorf("%w: no realm for %s: give it as user@REALM or set default_realm in %s", ErrKerberos, user, c.Krb5Conf)
		}
		user, realm, ok := keytabEntry(kt, user, realm)
		if !ok {
			return nil, fmt.Errorf("%w: keytab %s has no key for %s@%s (it holds %s): give --principal as klist -k shows it", ErrKerberos, c.Keytab, user, realm, keytabPrincipals(kt))
		}
		return &gssapi.Client{Client: client.NewWithKeytab(user, realm, kt, conf, noFAST)}, nil
	}
	cc, err := credentials.LoadCCache(c.CCache)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no ticket: credential cache %s does not exist: run kinit first, or give --keytab and --principal", ErrKerberos, c.CCache)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read credential cache %s: %v", ErrKerberos, c.CCache, err)
	}
	tgt, ok := cc.GetEntry(types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", cc.DefaultPrincipal.Realm}})
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: no ticket-granting ticket in credential cache %s: run kinit first, or give --keytab and --principal", ErrKerberos, c.CCache)
	case time.Now().After(tgt.EndTime):
		return nil, fmt.Errorf("%w: the ticket in credential cache %s expired at %s: run kinit again", ErrKerberos, c.CCache, tgt.EndTime.Format(time.RFC3339))
	}
	cl, err := client.NewFromCCache(cc, conf, noFAST)
	if err != nil {
		return nil, fmt.Errorf("%w: credential cache %s: %v", ErrKerberos, c.CCache, err)
	}
	return &gssapi.Client{Client: cl}, nil
}

// keytabEntry finds user@realm in the keytab, ignoring case, and returns it
// spelled as the keytab has it: gokrb5 matches keys exactly, while people
// type "svc-audit@corp.example" for SVC-AUDIT@CORP.EXAMPLE.
func keytabEntry(kt *keytab.Keytab, user, realm string) (string, string, bool) {
	for _, e := range kt.Entries {
		name := strings.Join(e.Principal.Components, "/")
		if strings.EqualFold(e.Principal.Realm, realm) && strings.EqualFold(name, user) {
			return name, e.Principal.Realm, true
		}
	}
	return user, realm, false
}

func keytabPrincipals(kt *keytab.Keytab) string {
	seen := map[string]bool{}
	var out []string
	for _, e := range kt.Entries {
		p := strings.Join(e.Principal.Components, "/") + "@" + e.Principal.Realm
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return "no keys"
	}
	return strings.Join(out, ", ")
}

// gssapiBind binds c with Kerberos as service ldap/<host>.
func (p *pool) gssapiBind(c *goldap.Conn, server, host string) error {
	if p.krb == nil {
		kc, err := p.cfg.kerberosClient()
		if err != nil {
			return fmt.Errorf("ldap: %s: Kerberos login: %w", server, err)
		}
		p.krb = kc
	}
	spn := "ldap/" + host
	err := c.GSSAPIBind(p.krb, spn, "")
	if err == nil {
		return nil
	}
	// A connection that died under the bind is a network failure.
	if transient(err) || c.IsClosing() {
		return connectError(server, fmt.Errorf("kerberos bind: %w", err), nil)
	}
	return kerberosError(server, spn, p.cfg.krbSource(), err)
}

// kerberosError explains a failed GSSAPI bind. gokrb5 flattens KDC errors
// into text (its error type keeps no cause), so the Kerberos error code
// names in the text are what can be matched.
func kerberosError(server, spn, from string, err error) error {
	var le *goldap.Error
	if errors.As(err, &le) && le.ResultCode != goldap.ErrorNetwork {
		switch le.ResultCode {
		case goldap.LDAPResultStrongAuthRequired, goldap.LDAPResultConfidentialityRequired:
			return fmt.Errorf("ldap: %s: Kerberos bind: %w: the server requires signing or sealing, which this client does not do over plain LDAP: use ldaps:// or ldap:// without --allow-plaintext", server, ErrKerberos)
		case goldap.LDAPResultInvalidCredentials:
			return fmt.Errorf("ldap: %s: Kerberos bind with %s: %w: the server refused the ticket: %v", server, from, ErrKerberos, shortKrb(le.Err))
		}
		return fmt.Errorf("ldap: %s: Kerberos bind with %s: %w", server, from, err)
	}
	msg := err.Error()
	var why string
	switch {
	case strings.Contains(msg, "KRB_AP_ERR_SKEW"):
		why = "the clocks of this machine and the KDC differ by more than the allowed skew (5 minutes by default): fix the time (NTP)"
	case strings.Contains(msg, "KDC_ERR_PREAUTH_FAILED"), strings.Contains(msg, "KRB_AP_ERR_BAD_INTEGRITY"):
		why = "the key does not match the KDC's (the password changed since the keytab was made?): export a fresh keytab"
	case strings.Contains(msg, "KDC_ERR_C_PRINCIPAL_UNKNOWN"):
		why = "the KDC does not know the client principal: check --principal"
	case strings.Contains(msg, "KDC_ERR_S_PRINCIPAL_UNKNOWN"):
		why = "the KDC knows no service " + spn + ": connect by the DC's host name as registered in AD, not an alias or address"
	case strings.Contains(msg, "KDC_ERR_CLIENT_REVOKED"):
		why = "the account is disabled or locked out"
	case strings.Contains(msg, "KDC_ERR_KEY_EXPIRED"):
		why = "the account's password has expired"
	case strings.Contains(msg, "Networking_Error"):
		why = "the KDC cannot be reached: check the kdc lines of krb5.conf (--krb5-conf or KRB5_CONFIG), DNS and that port 88 is open"
	case strings.Contains(msg, "TGT expired"), strings.Contains(msg, "KRB_AP_ERR_TKT_EXPIRED"):
		why = "the ticket has expired: run kinit again"
	default:
		why = shortKrb(err)
	}
	return fmt.Errorf("ldap: %s: Kerberos bind with %s: %w: %s", server, from, ErrKerberos, why)
}

// shortKrb makes gokrb5's multi-part error text one line.
func shortKrb(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
