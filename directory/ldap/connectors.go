package ldap

import (
	"context"
	"errors"
	"fmt"

	"dgaudit/directory"
	"dgaudit/directory/adattr"

	goldap "github.com/go-ldap/ldap/v3"
)

// oidSDFlags is the LDAP_SERVER_SD_FLAGS control (MS-ADTS 3.1.1.3.4.1.11).
// Without it a DC returns nTSecurityDescriptor only to accounts that may read
// the SACL too; with DACL_SECURITY_INFORMATION alone, any account that may
// read the connector's permissions gets the DACL.
const oidSDFlags = "1.2.840.113556.1.4.801"

// sdFlagsDACL is the control's value: BER SEQUENCE { INTEGER 4 }, 4 being
// DACL_SECURITY_INFORMATION. It is critical, so a server that does not
// support it fails the search (a coverage gap) instead of silently leaving
// the descriptor out.
func sdFlagsDACL() goldap.Control {
	return goldap.NewControlString(oidSDFlags, true, "\x30\x03\x02\x01\x04")
}

// relayRightFilter finds the extended right by its cn or displayName.
const relayRightFilter = "(&(objectClass=controlAccessRight)(|(cn=" + directory.AcceptAnyRecipientRight + ")(displayName=" + directory.AcceptAnyRecipientRight + ")))"

// receiveConnectors looks up the rightsGuid of ms-Exch-SMTP-Accept-Any-Recipient
// in CN=Extended-Rights and reads every receive connector of the Exchange
// organization with its DACL, and hands both to the builder, which decides
// each connector's relay state. Entries are added only once a search has
// completed, so a search that fails half way leaves nothing half read. It
// returns the number of connectors and the connector search's error; a
// failed look-up of the right only leaves the relay state unknown.
func (s *Source) receiveConnectors(ctx context.Context, b *adattr.Builder, configNC string) (int, error) {
	if configNC == "" {
		return 0, fmt.Errorf("ldap: %s: the rootDSE names no configurationNamingContext", serverName(s.server()))
	}
	collect := func(op string, req *goldap.SearchRequest) ([]*adattr.Entry, error) {
		var out []*adattr.Entry
		var ranged []map[string]int
		seen := map[string]bool{}
		err := s.pagedSearch(ctx, op, req, func(le *goldap.Entry) error {
			e, more, err := toEntry(le)
			if err != nil {
				return err
			}
			// A retried search starts again from its first page.
			if k := adattr.NormalizeDN(e.DN); !seen[k] {
				seen[k] = true
				out = append(out, e)
				ranged = append(ranged, more)
			}
			return nil
		}, nil)
		if err != nil {
			return nil, err
		}
		// A long multi-valued attribute (a connector's remote IP ranges)
		// comes in ranges like a large group's members: read the rest, or
		// fail the search rather than judge a connector on part of it.
		for i, more := range ranged {
			for attr, low := range more {
				vals, err := s.rangedValues(ctx, out[i].DN, attr, low)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", op, out[i].DN, err)
				}
				out[i].Add(attr, vals...)
			}
		}
		return out, nil
	}

	rights, err := collect("look up extended right "+directory.AcceptAnyRecipientRight,
		goldap.NewSearchRequest("CN=Extended-Rights,"+configNC, goldap.ScopeSingleLevel, goldap.NeverDerefAliases, 0, 0, false,
			relayRightFilter, adattr.ExtendedRightAttributes, nil))
	if err != nil {
		b.RelayRightUnread(err.Error())
	}
	for _, e := range rights { // none when the search failed
		b.Add(e)
	}

	base := "CN=Microsoft Exchange,CN=Services," + configNC
	conns, err := collect("read receive connectors", goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		"(objectClass="+adattr.ReceiveConnectorClass+")", adattr.ReceiveConnectorAttributes, []goldap.Control{sdFlagsDACL()}))
	if errors.Is(err, ErrBaseDN) {
		return 0, fmt.Errorf("ldap: %s: no Exchange organization in the configuration partition (%q not found)", serverName(s.server()), base)
	}
	if err != nil {
		return 0, err
	}
	for _, e := range conns {
		b.Add(e)
	}
	return len(conns), nil
}

// recordConnectors records in the snapshot's coverage what
// receiveConnectors read or why it could not. A search that found no
// connector is a fact (an empty list), not a gap; a failed one leaves the
// connectors not read (nil).
func recordConnectors(snap *directory.Snapshot, n int, err error, server string) {
	if err != nil {
		snap.Org.ReceiveConnectors = nil
		snap.Coverage.AddGap(directory.CoverReceiveConnectors, "", err.Error())
		return
	}
	snap.Coverage.AddRead(directory.CoverReceiveConnectors, n, server)
	if snap.Org.ReceiveConnectors == nil {
		snap.Org.ReceiveConnectors = []directory.ReceiveConnector{}
	}
}
