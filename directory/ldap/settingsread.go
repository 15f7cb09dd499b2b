package ldap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dgaudit/directory/adattr"

	goldap "github.com/go-ldap/ldap/v3"
)

// Active Directory leaves out an attribute the bind account may not read
// as if it were not set, so a group whose DACL denies the account read of
// msExchRequireAuthToSendTo would read as open to the Internet. The scan
// reads each group's DACL with the groups (the SD flags control on the
// group searches) and adattr.ReadCheck decides which groups' settings are
// unknown. What the check needs is read once, before the recipient scan:
// the bind account's SIDs, the settings' schemaIDGUIDs and property sets,
// and whether the server takes the control at all.

// settingsReadCheck builds the check and reports whether the group searches
// should ask for descriptors. When it cannot be built, the builder is told
// why (a scan-wide gap) and the scan goes on without descriptors.
func (s *Source) settingsReadCheck(ctx context.Context, b *adattr.Builder, nc naming) bool {
	rc, err := s.readCheck(ctx, nc)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		s.cfg.Logger.Warn("group permissions not checked", "err", err)
		b.SettingsReadUnverified(err.Error())
		return false
	}
	b.CheckSettingsRead(rc)
	return true
}

// readCheck reads the bind account's SIDs, with the SD flags control as a
// probe (it is critical: a server that does not take it fails the read),
// and the schema objects of the settings.
func (s *Source) readCheck(ctx context.Context, nc naming) (*adattr.ReadCheck, error) {
	dn, err := s.bindAccount(ctx, nc)
	if err != nil {
		return nil, err
	}
	var account *adattr.Entry
	// tokenGroups is computed only for a base-scope read.
	req := goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"objectSid", "tokenGroups", "nTSecurityDescriptor"}, []goldap.Control{sdFlagsDACL()})
	err = s.pool.do(ctx, "read bind account "+dn, func(c *goldap.Conn, _ string) error {
		res, err := c.Search(req)
		if err != nil {
			return err
		}
		if len(res.Entries) == 1 {
			account, _, err = toEntry(res.Entries[0])
		}
		return err
	})
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultUnavailableCriticalExtension):
		return nil, fmt.Errorf("the server refused the SD flags control (%s), so the groups' permissions cannot be read: %v", oidSDFlags, err)
	case err != nil:
		return nil, s.wrap("read bind account", dn, err)
	case account == nil:
		return nil, fmt.Errorf("bind account %q not returned by the server", dn)
	}

	var schema []*adattr.Entry
	sreq := goldap.NewSearchRequest(nc.schema, goldap.ScopeSingleLevel, goldap.NeverDerefAliases, 0, 0, false,
		"(&(|(objectClass=attributeSchema)(objectClass=classSchema))"+adattr.SchemaFilter()+")", adattr.SchemaAttributes, nil)
	err = s.pagedSearch(ctx, "read schema of the delivery settings", sreq, func(le *goldap.Entry) error {
		e, _, err := toEntry(le)
		if err == nil {
			schema = append(schema, e) // a retried search only repeats the same GUIDs
		}
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	return adattr.NewReadCheck(account, schema)
}

// bindAccount finds the DN of the account the connection is bound as: the
// Who am I? extended operation (RFC 4532) where the server has it (Windows
// DCs answer "u:DOMAIN\name"), else the configured bind DN, UPN, or
// Kerberos principal (Samba does not implement it).
func (s *Source) bindAccount(ctx context.Context, nc naming) (string, error) {
	var authz string
	err := s.pool.do(ctx, "who am I", func(c *goldap.Conn, _ string) error {
		res, err := c.WhoAmI(nil)
		if err == nil {
			authz = res.AuthzID
		}
		return nil // an unsupported operation is no failure: fall back
	})
	if err != nil {
		return "", err
	}
	if dn, ok := strings.CutPrefix(authz, "dn:"); ok && dn != "" {
		return dn, nil
	}
	name, ok := strings.CutPrefix(authz, "u:")
	if !ok || name == "" {
		name = s.configuredAccount()
	}
	if name == "" {
		return "", errors.New("the bind account is not known: the server does not answer Who am I? and no bind DN or principal is configured")
	}
	dn, filters := accountFilters(name)
	if dn != "" {
		return dn, nil
	}
	for _, f := range filters {
		var dns []string
		req := goldap.NewSearchRequest(nc.domain, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 2, 0, false,
			"(&(objectClass=user)"+f+")", []string{"1.1"}, nil)
		err := s.pool.do(ctx, "find bind account "+name, func(c *goldap.Conn, _ string) error {
			res, err := c.Search(req)
			if err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
				return err
			}
			dns = dns[:0]
			if res != nil {
				for _, e := range res.Entries {
					dns = append(dns, e.DN)
				}
			}
			return nil
		})
		if err != nil {
			return "", s.wrap("find bind account "+name, nc.domain, err)
		}
		switch len(dns) {
		case 0:
			continue
		case 1:
			return dns[0], nil
		default:
			return "", fmt.Errorf("bind account %q: more than one account under %q matches %s", name, nc.domain, f)
		}
	}
	return "", fmt.Errorf("bind account %q not found under %q", name, nc.domain)
}

// accountFilters says how to find the account name stands for: it is a DN
// itself, or the filters to try in turn: a UPN (or, for an account without
// one, the implicit sAMAccountName@dnsDomain), DOMAIN\name, or a bare
// sAMAccountName.
func accountFilters(name string) (dn string, filters []string) {
	if d, err := goldap.ParseDN(name); err == nil && len(d.RDNs) > 0 && strings.Contains(name, "=") {
		return name, nil
	}
	switch {
	case strings.Contains(name, "@"):
		user, _ := splitPrincipal(name)
		return "", []string{"(userPrincipalName=" + goldap.EscapeFilter(name) + ")", "(sAMAccountName=" + goldap.EscapeFilter(user) + ")"}
	case strings.Contains(name, `\`):
		return "", []string{"(sAMAccountName=" + goldap.EscapeFilter(name[strings.LastIndexByte(name, '\\')+1:]) + ")"}
	}
	return "", []string{"(sAMAccountName=" + goldap.EscapeFilter(name) + ")"}
}

// configuredAccount is the name the connection binds as: the bind DN or
// UPN, or for Kerberos the principal's name (from the login, which also
// covers a credential cache's principal).
func (s *Source) configuredAccount() string {
	if !s.cfg.Kerberos {
		return s.cfg.BindDN
	}
	s.pool.mu.Lock()
	defer s.pool.mu.Unlock()
	if s.pool.krb != nil && s.pool.krb.Client != nil && s.pool.krb.Credentials != nil {
		return s.pool.krb.Credentials.UserName() + "@" + s.pool.krb.Credentials.Domain()
	}
	user, _ := splitPrincipal(s.cfg.Principal)
	return user
}

// groupDescriptors reads, one base-scope read each, the descriptor of every
// group added without one (found by a lookup or a dynamic group's filter,
// whose searches do not ask for descriptors: most of what they find are
// users and contacts). One that fails is left out; Finish counts it among
// the groups not checked.
func (s *Source) groupDescriptors(ctx context.Context, b *adattr.Builder) error {
	dns := b.WithoutDescriptor()
	sds := make([][]byte, len(dns))
	s.parallel(ctx, "group permissions", len(dns), func(i int) {
		req := goldap.NewSearchRequest(dns[i], goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=*)", []string{"nTSecurityDescriptor"}, []goldap.Control{sdFlagsDACL()})
		err := s.pool.do(ctx, "read permissions of "+dns[i], func(c *goldap.Conn, _ string) error {
			res, err := c.Search(req)
			if err == nil && len(res.Entries) == 1 {
				sds[i] = res.Entries[0].GetRawAttributeValue("nTSecurityDescriptor")
			}
			return err
		})
		if err != nil {
			s.cfg.Logger.Debug("group permissions not read", "dn", dns[i], "err", err)
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, sd := range sds {
		if len(sd) > 0 {
			b.SetDescriptor(dns[i], sd)
		}
	}
	return nil
}
