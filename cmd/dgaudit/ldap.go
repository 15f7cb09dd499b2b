package main

import (
	"github.com/spf13/cobra"

	"dgaudit/directory"
)

// ldapOptions are the Active Directory connection flags. Secrets never come
// from flags: the password is read from DGAUDIT_LDAP_PASSWORD or a file.
type ldapOptions struct {
	urls []string
}

func (o *ldapOptions) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.urls, "ldap-url", nil, "Active Directory server, ldaps://host or ldap://host (repeat for fallback servers)")
}

func (o *ldapOptions) chosen() bool { return len(o.urls) > 0 }

func (a *app) ldapSource(o *ldapOptions) (directory.Source, string, error) {
	return nil, "", usagef("the LDAP source is not available in this build")
}

func (a *app) ldifSource(path string) (directory.Source, string, error) {
	return nil, "", usagef("the LDIF source is not available in this build")
}
