package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"dgaudit/directory/graph"
)

// sourceUse says which of the file's sources a run reads: only their files
// and secrets have to be there.
type sourceUse struct {
	snapshot, ldif, exchangeExport, ldap, m365 bool
	// overridden reports that a flag's value came from the command line
	// or the environment, not the file: the file's is then not read. Nil
	// for none.
	overridden func(flag string) bool
	// ldapSignInAside and m365SignInAside: the command line or the
	// environment chose another account or sign-in method, and the file's
	// sign-in keys are not used (see applyLayers).
	ldapSignInAside, m365SignInAside bool
}

// everySource is what 'config check' checks.
var everySource = sourceUse{snapshot: true, ldif: true, exchangeExport: true, ldap: true, m365: true}

// sourceProblems checks that the files and secrets the file's sources name
// can be read, for the sources in use. Each is reported against the file's
// line, before anything is contacted.
func (c *fileConfig) sourceProblems(env func(string) string, use sourceUse) []error {
	var errs []error
	bad := func(path, format string, args ...any) { errs = append(errs, c.at(path, format, args...)) }
	over := func(flags ...string) bool {
		return use.overridden != nil && slices.ContainsFunc(flags, use.overridden)
	}
	exists := func(key, path string) {
		if path == "" || over(flagOfKey(key)) {
			return
		}
		if _, err := os.Stat(c.resolvePath(path)); err != nil {
			bad(key, "%v", err)
		}
	}
	s := &c.Source
	if use.snapshot {
		exists("source.snapshot", s.Snapshot)
	}
	if use.ldif {
		exists("source.ldif", s.LDIF)
	}
	if use.exchangeExport {
		exists("source.exchange-export", s.ExchangeExport)
	}
	if l := s.LDAP; use.ldap && l != nil {
		exists("source.ldap.ca-file", l.CAFile)
		if l.Kerberos && !use.ldapSignInAside {
			exists("source.ldap.keytab", l.Keytab)
			exists("source.ldap.krb5-conf", l.Krb5Conf)
		}
		if l.BindDN != "" && !l.Kerberos && !(l.PasswordEnv != "" && l.PasswordFile != "") && !use.ldapSignInAside && !over("password-file") {
			if err := secretAvailable(l.PasswordEnv, passwordEnv, c.resolvePath(l.PasswordFile), env); err != nil {
				key := "source.ldap.password-env"
				if l.PasswordFile != "" {
					key = "source.ldap.password-file"
				}
				bad(key, "no password for bind-dn %s: %v", l.BindDN, err)
			}
		}
	}
	if m := s.M365; use.m365 && m != nil {
		exists("source.m365.ca-file", m.CAFile)
		if m.ClientCert != "" && m.ClientSecretEnv == "" && m.ClientSecretFile == "" && !use.m365SignInAside {
			exists("source.m365.client-cert", m.ClientCert)
		}
		if m365WantsSecret(m) && !use.m365SignInAside && !over("client-secret-file") {
			if err := secretAvailable(m.ClientSecretEnv, m365SecretEnv, c.resolvePath(m.ClientSecretFile), env); err != nil {
				key := "source.m365.client-secret-env"
				if m.ClientSecretFile != "" {
					key = "source.m365.client-secret-file"
				}
				bad(key, "no client secret: %v", err)
			}
		}
	}
	return errs
}

// m365WantsSecret reports whether the section signs in with a client secret
// that must be there: auth secret, or a secret variable or file named
// without auth. Without any of them the run, like the flags, uses a secret
// only if AZURE_CLIENT_SECRET happens to be set, and otherwise azidentity's
// default chain.
func m365WantsSecret(m *M365Config) bool {
	switch {
	case m.ClientCert != "" || (m.ClientSecretEnv != "" && m.ClientSecretFile != ""):
		return false // a certificate, or a conflict reported elsewhere
	case m.Auth == string(graph.AuthSecret):
		return true
	case m.Auth != "":
		return false
	}
	return m.ClientSecretEnv != "" || m.ClientSecretFile != ""
}

// checkUsedSource checks the files and secrets of the file's source when
// this run reads them: a snapshot, LDIF or export named by the file (one
// from the command line or the environment replaces it), and the keys of
// the file's ldap or m365 section the run uses, that is when it reads LDAP
// or Microsoft 365 at all (the URL may come from the command line, with the
// file's credentials) and the command line or the environment did not give
// the key or the sign-in it belongs to. trace signs in with the file's m365
// section for trace --m365 whatever its directory source.
func checkUsedSource(fs *pflag.FlagSet, env func(string) string, cfg *fileConfig, from map[string]layer, ldapAside, m365Aside bool) error {
	// Flags set from the file count as changed too: from says who set them.
	use := sourceUse{
		snapshot:        from["snapshot"] == fromFile,
		ldif:            from["ldif"] == fromFile,
		exchangeExport:  from["exchange-export"] == fromFile,
		ldap:            usesLDAP(fs),
		overridden:      func(name string) bool { return from[name] > fromFile },
		ldapSignInAside: ldapAside,
		m365SignInAside: m365Aside,
	}
	if f := layered(fs, "m365"); f != nil {
		use.m365 = f.Value.String() == "true"
	} else {
		use.m365 = fs.Changed("m365") // trace --m365 signs in with the section
	}
	if errs := cfg.sourceProblems(env, use); len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	return nil
}

// usesLDAP reports whether the run reads a directory over LDAP: some
// --ldap-url is set, from whatever layer.
func usesLDAP(fs *pflag.FlagSet) bool {
	f := layered(fs, "ldap-url")
	return f != nil && f.Value.String() != "" && f.Value.String() != "[]"
}

// flagOfKey is the flag a source's file key stands for
// ("source.ldap.ca-file" is --ca-file).
func flagOfKey(key string) string {
	return key[strings.LastIndexByte(key, '.')+1:]
}

// secretAvailable checks that a secret can be read, as the run will read it,
// and drops it: a check has nothing to log it into.
func secretAvailable(envName, defaultEnv, file string, env func(string) string) error {
	if file != "" {
		_, err := readSecretFile(file)
		return err
	}
	envName = cmp.Or(envName, defaultEnv)
	if env(envName) == "" {
		return fmt.Errorf("environment variable %s is not set", envName)
	}
	return nil
}
