package main

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/pflag"

	"dgaudit/directory/graph"
)

// secretProblems checks that the secrets the file's LDAP and Microsoft 365
// sections name can be read, for the sections asked about. A missing secret
// is reported against the file's line, before anything is contacted.
func (c *fileConfig) secretProblems(env func(string) string, ldap, m365 bool) []error {
	var errs []error
	bad := func(path, format string, args ...any) { errs = append(errs, c.at(path, format, args...)) }
	if l := c.Source.LDAP; ldap && l != nil && l.BindDN != "" && !l.Kerberos && !(l.PasswordEnv != "" && l.PasswordFile != "") {
		if err := secretAvailable(l.PasswordEnv, passwordEnv, c.resolvePath(l.PasswordFile), env); err != nil {
			key := "source.ldap.password-env"
			if l.PasswordFile != "" {
				key = "source.ldap.password-file"
			}
			bad(key, "no password for bind-dn %s: %v", l.BindDN, err)
		}
	}
	if m := c.Source.M365; m365 && m != nil && m365WantsSecret(m) {
		if err := secretAvailable(m.ClientSecretEnv, m365SecretEnv, c.resolvePath(m.ClientSecretFile), env); err != nil {
			key := "source.m365.client-secret-env"
			if m.ClientSecretFile != "" {
				key = "source.m365.client-secret-file"
			}
			bad(key, "no client secret: %v", err)
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

// checkSecrets checks the secrets of the file's sections this run uses: the
// LDAP section when the directory URL came from the file, the Microsoft 365
// section when the run signs in and the command line did not choose how.
func checkSecrets(fs *pflag.FlagSet, env func(string) string, cfg *fileConfig, from map[string]layer) error {
	// Flags set from the file count as changed too: from says who set them.
	byFlags := func(name string) bool { return from[name] == fromFlags }
	ldap := from["ldap-url"] == fromFile && !slices.ContainsFunc([]string{"bind-dn", "password-file", "kerberos"}, byFlags)
	m365 := false
	if f := layered(fs, "m365"); f != nil {
		m365 = f.Value.String() == "true"
	} else {
		m365 = fs.Changed("m365") // trace --m365 signs in with the section
	}
	m365 = m365 && !slices.ContainsFunc([]string{"auth", "client-cert", "client-secret-file"}, byFlags)
	if errs := cfg.secretProblems(env, ldap, m365); len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	return nil
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
