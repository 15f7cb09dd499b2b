package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// companions are flags that mean something only when part of the run is
// selected: a source's settings, --tracking's bucket width, trace's --m365
// range and sign-in. Given on the command line without that part they would
// be silently ignored, and a run that looks configured (an admin's
// --insecure-skip-verify, a --page-size) would not be, so they are refused.
// Only the command line counts: a config file or a DGAUDIT_* variable may
// carry settings for a source the command line replaced.
type companions struct {
	of    string            // what selects them, as the user types it
	part  string            // what they belong to, when of does not say it
	flags []string          // in --help order
	notes map[string]string // a flag's remedy, said when it is refused
}

// stray names the flags of c that given reports, or returns nil.
func (c companions) stray(given func(name string) bool) error {
	var named, notes []string
	for _, f := range c.flags {
		if given(f) {
			named = append(named, "--"+f)
			if n := c.notes[f]; n != "" {
				notes = append(notes, n)
			}
		}
	}
	if len(named) == 0 {
		return nil
	}
	verb := "applies"
	if len(named) > 1 {
		verb = "apply"
	}
	msg := fmt.Sprintf("%s %s only with %s", strings.Join(named, ", "), verb, c.of)
	if c.part != "" {
		msg += " (" + c.part + ")"
	}
	for _, n := range notes {
		msg += "; " + n
	}
	return errors.New(msg)
}

// givenFlags reports the flags the command line set. It must be taken before
// the config layers run, which set flags too.
func givenFlags(fs *pflag.FlagSet) func(string) bool {
	set := map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { set[f.Name] = true })
	return func(name string) bool { return set[name] }
}

// stray refuses the live sources' flags when their source is not the one
// this run reads, every one at once.
func (o *sourceOptions) stray(given func(string) bool) error {
	ldap := companions{of: "--ldap-url", part: "the LDAP source",
		flags: []string{"base-dn", "bind-dn", "password-file", "insecure-skip-verify", "allow-plaintext", "kerberos", "keytab", "principal", "krb5-conf", "page-size", "ldap-timeout"}}
	if o.m365.chosen() {
		// Its help used to read as if it applied to any TLS connection.
		ldap.notes = map[string]string{"insecure-skip-verify": "Microsoft 365 connections always verify TLS (a TLS-inspecting proxy's CA goes in --ca-file)"}
	}
	m365 := companions{of: "--m365", part: "the Microsoft 365 source",
		flags: []string{"tenant", "client-id", "auth", "client-cert", "client-secret-file", "cloud", "authority-host", "graph-url", "exchange-url", "graph-concurrency", "skip-exchange"}}
	var errs []error
	if !o.ldap.chosen() {
		errs = append(errs, ldap.stray(given))
	}
	if !o.m365.chosen() {
		errs = append(errs, m365.stray(given))
	}
	if !o.ldap.chosen() && !o.m365.chosen() {
		errs = append(errs, companions{of: "--ldap-url or --m365", flags: []string{"ca-file"}}.stray(given))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err}
	}
	return nil
}

// stray refuses --tracking-interval and --relay-client without --tracking.
func (o *trackingOptions) stray(given func(string) bool) error {
	if len(o.paths) > 0 {
		return nil
	}
	if err := (companions{of: "--tracking", flags: []string{"tracking-interval", "relay-client"}}).stray(given); err != nil {
		return usageError{err}
	}
	return nil
}

// stray refuses trace's --m365 companions without --m365, --ca-file among
// them: trace's other sources are files, so it has nothing else to trust. It
// runs before the config layers, so Changed is the command line, and a
// DGAUDIT_CA_FILE meant for scan is not refused.
func (o *traceM365Options) stray(cmd *cobra.Command) error {
	c := companions{of: "--m365", flags: []string{"since", "from", "to", "tenant", "client-id", "auth", "client-cert", "client-secret-file", "cloud", "authority-host", "graph-url", "ca-file"}}
	if err := c.stray(cmd.Flags().Changed); err != nil {
		return usageError{err}
	}
	return nil
}
