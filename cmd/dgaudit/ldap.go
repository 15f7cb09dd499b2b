package main

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"dgaudit/directory"
	"dgaudit/directory/ldap"
)

// passwordEnv names the environment variable the LDAP password is read from.
// Secrets never come from flag values, which other users can read in ps.
const passwordEnv = "DGAUDIT_LDAP_PASSWORD"

// ldapOptions are the Active Directory connection flags.
type ldapOptions struct {
	urls               []string
	baseDN             string
	bindDN             string
	passwordFile       string
	caFile             string
	insecureSkipVerify bool
	allowPlaintext     bool
	pageSize           int
	timeout            time.Duration
	// passwordEnv is the variable the password is read from: passwordEnv
	// unless the config file names another.
	passwordEnv string
	kerberos    bool
	keytab      string
	principal   string
	krb5Conf    string
}

func (o *ldapOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.urls, "ldap-url", nil, "domain controller: ldaps://dc:636, ldap://dc (StartTLS), or a global catalog on 3269/3268 (repeat for fallback servers)")
	f.StringVar(&o.baseDN, "base-dn", "", "search base for recipients (default: the server's defaultNamingContext)")
	f.StringVar(&o.bindDN, "bind-dn", "", "account to bind as, a DN or a UPN (svc-audit@corp.example); the password comes from "+passwordEnv+" or --password-file")
	f.StringVar(&o.passwordFile, "password-file", "", "file holding the bind password (its first line)")
	f.StringVar(&o.caFile, "ca-file", "", "PEM file of CA certificates to trust for the server's TLS certificate")
	f.BoolVar(&o.insecureSkipVerify, "insecure-skip-verify", false, "accept any TLS certificate from the domain controller (warns; for tests only; LDAP only)")
	f.BoolVar(&o.allowPlaintext, "allow-plaintext", false, "let ldap:// URLs run without StartTLS (the directory data, and a simple bind's password, then cross the network in clear)")
	f.BoolVar(&o.kerberos, "kerberos", false, "bind with Kerberos (GSSAPI) as service ldap/<host of --ldap-url>: from --keytab, else from the credential cache kinit filled ($KRB5CCNAME)")
	f.StringVar(&o.keytab, "keytab", "", "keytab file to log in from with --kerberos (needs --principal)")
	f.StringVar(&o.principal, "principal", "", "Kerberos principal in --keytab: svc-audit or svc-audit@CORP.EXAMPLE")
	f.StringVar(&o.krb5Conf, "krb5-conf", "", "krb5.conf naming the realm's KDCs (default $KRB5_CONFIG, then /etc/krb5.conf)")
	f.IntVar(&o.pageSize, "page-size", 500, "LDAP paged-results page size (AD allows at most its MaxPageSize, 1000 by default)")
	f.DurationVar(&o.timeout, "ldap-timeout", 60*time.Second, "timeout for connecting and for each LDAP request")
}

func (o *ldapOptions) chosen() bool { return len(o.urls) > 0 }

func (a *app) ldapSource(o *ldapOptions) (directory.Source, string, error) {
	password, err := a.ldapPassword(o)
	if err != nil {
		return nil, "", err
	}
	// An interactive run shows how far the read has got; anything else
	// (a pipe, a file, CI) gets only the log lines.
	prog := newProgress(a.stderr)
	cfg := ldap.Config{
		URLs:               o.urls,
		BaseDN:             o.baseDN,
		BindDN:             o.bindDN,
		Password:           password,
		CAFile:             o.caFile,
		InsecureSkipVerify: o.insecureSkipVerify,
		AllowPlaintext:     o.allowPlaintext,
		Kerberos:           o.kerberos,
		Keytab:             o.keytab,
		Principal:          o.principal,
		Krb5Conf:           o.krb5Conf,
		PageSize:           o.pageSize,
		Timeout:            o.timeout,
		Logger:             prog.logger(a.log).With("source", "ldap"),
	}
	if prog != nil {
		cfg.Progress = prog.update
	}
	src, err := ldap.New(cfg)
	if err != nil {
		return nil, "", usageError{err}
	}
	if prog != nil {
		return progressSource{src, prog}, strings.Join(o.urls, ","), nil
	}
	return src, strings.Join(o.urls, ","), nil
}

// ldapPassword reads the password from the password file or the environment,
// never from a flag value.
func (a *app) ldapPassword(o *ldapOptions) (string, error) {
	envName := cmp.Or(o.passwordEnv, passwordEnv)
	switch {
	case o.kerberos && (o.passwordFile != "" || o.bindDN != ""):
		return "", usagef("--kerberos binds with a ticket: drop --bind-dn and --password-file")
	case o.kerberos:
		// A password left in the environment for other runs is not an
		// error here: Kerberos does not use it.
		return "", nil
	}
	password, err := readSecret(secretSource{what: "password", fileFlag: "--password-file",
		file: o.passwordFile, envName: envName}, a.env)
	switch {
	case err != nil:
		return "", err
	case password != "":
		return password, nil
	case o.bindDN != "":
		return "", usagef("no password for %s: set %s or give --password-file", o.bindDN, envName)
	}
	return "", nil
}

// ldapHint suggests what to do about an LDAP failure.
func ldapHint(err error) string {
	switch {
	case errors.Is(err, ldap.ErrAuth):
		return fmt.Sprintf("check --bind-dn and the password in %s or --password-file; a locked or expired account fails the same way", passwordEnv)
	case errors.Is(err, ldap.ErrKerberos):
		return "klist shows the tickets in the cache and kinit gets new ones; klist -k lists a keytab's principals; --krb5-conf or KRB5_CONFIG names the realm's KDCs"
	case errors.Is(err, ldap.ErrTLS):
		return "give the issuing CA with --ca-file, or connect with the name the certificate carries"
	case errors.Is(err, ldap.ErrUnreachable):
		return "check the URL, the port (636 for ldaps, 389 for StartTLS, 3269/3268 for the global catalog) and the firewall; add fallback servers with more --ldap-url"
	case errors.Is(err, ldap.ErrAccess):
		return "the account may not read some objects; any authenticated domain user can read recipients, so check for denying ACEs or use another account"
	case errors.Is(err, ldap.ErrBaseDN):
		return "check --base-dn, or leave it out to use the domain's naming context"
	}
	return ""
}
