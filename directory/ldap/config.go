package ldap

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"
)

// Config says how to reach and read an Active Directory domain controller.
// The CLI fills it from flags, the environment and the config file; New
// checks it.
type Config struct {
	// URLs are the servers to try, in order: "ldaps://dc1.corp.example",
	// "ldap://dc2.corp.example:389" (StartTLS), or the global catalog on
	// 3269 (ldaps) / 3268. A server that cannot be reached or fails TLS is
	// skipped for the next; a wrong password stops at once, since another
	// DC would only add to the account's bad-password count.
	URLs []string
	// BaseDN is where groups, users and contacts are searched. Empty means
	// the server's defaultNamingContext.
	BaseDN string
	// BindDN is the account for a simple bind: a DN or a UPN
	// (svc-audit@corp.example).
	BindDN string
	// Password for BindDN. It is never logged and never written anywhere.
	Password string
	// Kerberos binds with Kerberos (SASL GSSAPI) as service ldap/<host of
	// the URL> instead of a simple bind; BindDN and Password stay empty.
	// The credentials come from Keytab, or else from the credential cache
	// (what kinit filled). The bind runs over the same TLS as a simple
	// bind: go-ldap's GSSAPI client negotiates no SASL security layer
	// (no signing or sealing), which AD and Samba refuse on plain LDAP.
	Kerberos bool
	// Keytab is a keytab file to log in from; Principal names the account
	// in it. Empty means the credential cache.
	Keytab string
	// Principal is the Kerberos account for Keytab: "svc-audit" or
	// "svc-audit@CORP.EXAMPLE".
	Principal string
	// Realm is Principal's realm when Principal has none; empty means
	// krb5.conf's default_realm.
	Realm string
	// Krb5Conf is the krb5.conf to read (realms and KDCs). Empty means
	// $KRB5_CONFIG, then /etc/krb5.conf.
	Krb5Conf string
	// CCache is the credential cache file ("FILE:" prefix allowed). Empty
	// means $KRB5CCNAME, then /tmp/krb5cc_<uid>, as kinit writes it.
	CCache string
	// CAFile is a PEM bundle of CAs to trust besides the system pool: the
	// same --ca-file serves the Microsoft 365 source, where it adds a
	// TLS-inspecting proxy's CA, and one flag must mean one thing.
	CAFile string
	// InsecureSkipVerify accepts any server certificate. It logs a warning
	// on every connection.
	InsecureSkipVerify bool
	// AllowPlaintext lets ldap:// URLs run without StartTLS. Without it an
	// ldap:// URL always upgrades with StartTLS, so neither a simple bind's
	// password nor the directory data is ever sent in clear. A Kerberos
	// bind sends no password, but negotiates no signing or sealing either,
	// so it gains nothing from plain LDAP (and DCs normally refuse it).
	AllowPlaintext bool
	// PageSize is the paged-results page size; 0 means 500. AD refuses
	// more than its MaxPageSize (1000 by default).
	PageSize int
	// RangeStep, when positive, makes every read of member ask for ranges
	// of this many values ("member;range=0-<step-1>", ...) even when the
	// server would return them all. Windows DCs cut at 1500 values by
	// themselves; Samba does not, so tests set this to reach the ranged
	// code. Zero asks for plain member and follows whatever ranges the
	// server returns.
	RangeStep int
	// Timeout bounds connecting and each request (one page, one lookup);
	// 0 means 60 s.
	Timeout time.Duration
	// Retries is how many times an operation that failed transiently (a
	// dropped connection, busy or unavailable) is retried on a fresh
	// connection; 0 means 3, negative means none.
	Retries int
	// Concurrency bounds the recipient searches run at once, each on a
	// connection of its own, and the lookups run in parallel on the one
	// connection after the main scan (ranged members, references); 0
	// means 4.
	Concurrency int
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is told how far the read has got: after each
	// page of the recipient scan ("recipients", entries so far), and
	// after each ranged member read ("ranged members") and referenced
	// object lookup ("lookups"), with the number done. It is called from
	// several goroutines at once and must return quickly.
	Progress func(stage string, n int)
}

const (
	defaultPageSize    = 500
	defaultTimeout     = 60 * time.Second
	defaultRetries     = 3
	defaultConcurrency = 4
)

// validate checks the configuration and fills in defaults. It reports every
// problem at once.
func (c *Config) validate() error {
	var errs []error
	if len(c.URLs) == 0 {
		errs = append(errs, errors.New("URLs: at least one server URL is needed (ldaps://dc.example or ldap://dc.example)"))
	}
	for _, raw := range c.URLs {
		u, err := url.Parse(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("URLs: %q: %w", raw, err))
			continue
		}
		switch u.Scheme {
		case "ldap", "ldaps":
		default:
			errs = append(errs, fmt.Errorf("URLs: %q: scheme must be ldaps or ldap", raw))
		}
		if u.Hostname() == "" {
			errs = append(errs, fmt.Errorf("URLs: %q: no host", raw))
		}
		if u.Path != "" && u.Path != "/" {
			errs = append(errs, fmt.Errorf("URLs: %q: a base DN in the URL is not read; use BaseDN", raw))
		}
	}
	switch {
	case c.Kerberos:
		if c.BindDN != "" || c.Password != "" {
			errs = append(errs, errors.New("kerberos: a bind DN or password and Kerberos: choose one"))
		}
		if c.Keytab != "" && c.Principal == "" {
			errs = append(errs, errors.New("kerberos: a keytab needs the principal to log in as (--principal)"))
		}
		if c.Keytab != "" && c.CCache != "" {
			errs = append(errs, errors.New("kerberos: a keytab and a credential cache: choose one"))
		}
		if err := c.kerberosDefaults(); err != nil {
			errs = append(errs, fmt.Errorf("kerberos: %w", err))
		}
	case c.Keytab != "" || c.Principal != "" || c.CCache != "" || c.Krb5Conf != "":
		errs = append(errs, errors.New("kerberos: a keytab, principal, credential cache or krb5.conf is only used with Kerberos (--kerberos)"))
	case c.BindDN == "":
		errs = append(errs, errors.New("BindDN: a bind DN or UPN is needed, or Kerberos (AD does not let anonymous binds read recipients)"))
	case c.Password == "":
		errs = append(errs, errors.New("password: empty (set DGAUDIT_LDAP_PASSWORD or use --password-file)"))
	}
	if c.PageSize < 0 || c.PageSize > 100000 {
		errs = append(errs, fmt.Errorf("PageSize: %d is out of range", c.PageSize))
	}
	if c.RangeStep < 0 {
		errs = append(errs, fmt.Errorf("RangeStep: %d is negative", c.RangeStep))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: %v is negative", c.Timeout))
	}
	if c.CAFile != "" && c.InsecureSkipVerify {
		errs = append(errs, errors.New("a CA file and insecure skip verify: choose one"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("ldap: configuration: %w", errors.Join(errs...))
	}
	if c.PageSize == 0 {
		c.PageSize = defaultPageSize
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	switch {
	case c.Retries == 0:
		c.Retries = defaultRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.Concurrency <= 0 {
		c.Concurrency = defaultConcurrency
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// rootCAs returns the system pool with CAFile's certificates added, or nil
// (the system pool) without one.
func (c *Config) rootCAs() (*x509.CertPool, error) {
	if c.CAFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("ldap: read CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// Without system roots (some containers) only CAFile is trusted,
		// which still verifies.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ldap: CA file %s holds no PEM certificate", c.CAFile)
	}
	return pool, nil
}

// tlsConfig returns a TLS configuration for host. Verification is done in
// VerifyConnection rather than by crypto/tls itself so that the typed x509
// error survives: go-ldap's StartTLS flattens handshake errors to text, and
// the user needs to be told "wrong name" apart from "unknown CA".
func tlsConfig(roots *x509.CertPool, host string, insecure bool, verifyErr *error) *tls.Config {
	return &tls.Config{
		ServerName: host,
		MinVersion: tls.VersionTLS12,
		// Verification happens below, in VerifyConnection.
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection unless insecure
		VerifyConnection: func(cs tls.ConnectionState) error {
			if insecure {
				return nil
			}
			if len(cs.PeerCertificates) == 0 {
				*verifyErr = errors.New("server sent no certificate")
				return *verifyErr
			}
			opts := x509.VerifyOptions{Roots: roots, DNSName: host, Intermediates: x509.NewCertPool()}
			for _, ic := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(ic)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			if err != nil {
				*verifyErr = err
			}
			return err
		},
	}
}

// serverName is how errors and the snapshot name a server: its URL without
// credentials or path.
func serverName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}
