package ldap

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// Sentinel errors the CLI branches on (exit codes and hints). The errors
// returned wrap them with the server and the operation.
var (
	// ErrAuth: the server refused the credentials (wrong password, locked
	// or disabled account, expired password).
	ErrAuth = errors.New("authentication failed")
	// ErrUnreachable: no server could be connected to.
	ErrUnreachable = errors.New("server unreachable")
	// ErrTLS: the server's certificate could not be verified.
	ErrTLS = errors.New("TLS verification failed")
	// ErrAccess: the account may not read what was asked.
	ErrAccess = errors.New("insufficient access rights")
	// ErrBaseDN: the base DN does not exist on the server.
	ErrBaseDN = errors.New("base DN not found")
)

// adBindData decodes the "data 52e" code AD puts in a failed bind's
// diagnostic message.
var adBindData = regexp.MustCompile(`data ([0-9a-fA-F]{3,8})`)

var adBindReasons = map[string]string{
	"525": "no such user",
	"52e": "wrong user name or password",
	"530": "logon not permitted at this time",
	"531": "logon not permitted from this workstation",
	"532": "password expired",
	"533": "account disabled",
	"701": "account expired",
	"773": "the user must change the password",
	"775": "account locked out",
}

// bindError explains a failed bind.
func bindError(server, who string, err error) error {
	var le *goldap.Error
	if errors.As(err, &le) {
		switch le.ResultCode {
		case goldap.LDAPResultInvalidCredentials:
			reason := "wrong user name or password"
			if m := adBindData.FindStringSubmatch(le.Err.Error()); m != nil {
				if r, ok := adBindReasons[strings.ToLower(m[1])]; ok {
					reason = r
				}
			}
			return fmt.Errorf("ldap: %s: bind as %q: %w: %s (check the bind DN and the password in DGAUDIT_LDAP_PASSWORD or --password-file)", server, who, ErrAuth, reason)
		case goldap.LDAPResultStrongAuthRequired, goldap.LDAPResultConfidentialityRequired:
			return fmt.Errorf("ldap: %s: bind as %q: the server requires an encrypted connection: use ldaps:// or ldap:// without --allow-plaintext", server, who)
		}
	}
	return fmt.Errorf("ldap: %s: bind as %q: %w", server, who, err)
}

// connectError explains a failure to connect or to set up TLS. verifyErr is
// the certificate verification error, when there was one.
func connectError(server string, err, verifyErr error) error {
	if verifyErr != nil {
		var hn x509.HostnameError
		var ua x509.UnknownAuthorityError
		var ci x509.CertificateInvalidError
		switch {
		case errors.As(verifyErr, &hn):
			return fmt.Errorf("ldap: %s: %w: the certificate is not for %q (%s): connect by a name the certificate lists", server, ErrTLS, hn.Host, certNames(hn.Certificate))
		case errors.As(verifyErr, &ua):
			return fmt.Errorf("ldap: %s: %w: the certificate is signed by an unknown authority: pass the CA with --ca-file", server, ErrTLS)
		case errors.As(verifyErr, &ci):
			return fmt.Errorf("ldap: %s: %w: %v", server, ErrTLS, ci)
		}
		return fmt.Errorf("ldap: %s: %w: %v", server, ErrTLS, verifyErr)
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return fmt.Errorf("ldap: %s: %w: %v: check the host name and port, that the DC is running and that no firewall blocks it", server, ErrUnreachable, oe.Err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("ldap: %s: %w: cannot resolve %q", server, ErrUnreachable, dnsErr.Name)
	}
	return fmt.Errorf("ldap: %s: %w: %v", server, ErrUnreachable, unwrapLDAP(err))
}

func certNames(c *x509.Certificate) string {
	if c == nil {
		return "no names"
	}
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "only the legacy common name " + c.Subject.CommonName
	}
	return "it is for " + strings.Join(names, ", ")
}

// searchError explains a failed search of base.
func searchError(server, op, base string, err error) error {
	var le *goldap.Error
	if errors.As(err, &le) {
		switch le.ResultCode {
		case goldap.LDAPResultNoSuchObject:
			return fmt.Errorf("ldap: %s: %s: %w: %q does not exist on this server (check --base-dn)", server, op, ErrBaseDN, base)
		case goldap.LDAPResultInsufficientAccessRights:
			return fmt.Errorf("ldap: %s: %s under %q: %w: the bind account may not read it", server, op, base, ErrAccess)
		case goldap.LDAPResultReferral:
			return fmt.Errorf("ldap: %s: %s: %q is in another domain (the server sent a referral): use that domain's DC or the global catalog", server, op, base)
		}
	}
	return fmt.Errorf("ldap: %s: %s under %q: %v", server, op, base, unwrapLDAP(err))
}

// unwrapLDAP shortens go-ldap's "LDAP Result Code 200 \"Network Error\": x"
// to its cause for network errors, which say more on their own.
func unwrapLDAP(err error) error {
	var le *goldap.Error
	if errors.As(err, &le) && le.ResultCode == goldap.ErrorNetwork && le.Err != nil {
		return le.Err
	}
	return err
}

// unsentRequest begins go-ldap's error for a request it could not write.
const unsentRequest = "unable to send request: "

// transient reports whether an operation may succeed if retried on a fresh
// connection: the connection dropped, or the server said busy/unavailable.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// go-ldap reports a write that failed under a request (the connection
	// dropped while idle in the pool, before its reader noticed) as an
	// untyped error that keeps only the cause's text: "unable to send
	// request: write tcp …: broken pipe". Not retried, one dropped
	// connection failed the scan.
	if strings.Contains(err.Error(), unsentRequest) {
		return true
	}
	return goldap.IsErrorAnyOf(err, goldap.ErrorNetwork, goldap.LDAPResultBusy, goldap.LDAPResultUnavailable,
		goldap.LDAPResultServerDown, goldap.LDAPResultTimeout, goldap.LDAPResultConnectError, goldap.LDAPResultTimeLimitExceeded)
}
