package adattr

import (
	"fmt"
	"strings"

	"dgaudit/directory"
)

// ReceiveConnectorClass is the object class of an SMTP receive connector
// (exchange-domain.md B.3).
const ReceiveConnectorClass = "msExchSmtpReceiveConnector"

// ReceiveConnectorAttributes lists the attributes read from a receive
// connector. nTSecurityDescriptor comes back only when the search asks for
// it with the SD flags control (the LDAP adapter does).
var ReceiveConnectorAttributes = []string{
	"objectClass", "cn", "name",
	"msExchSmtpReceiveBindings", "msExchSmtpReceiveRemoteIPRanges", "msExchSMTPReceiveConnectorFQDN",
	"nTSecurityDescriptor",
}

// ExtendedRightAttributes lists the attributes read from a controlAccessRight
// object in CN=Extended-Rights.
var ExtendedRightAttributes = []string{"objectClass", "cn", "displayName", "rightsGuid"}

// isRelayRight reports whether e is the controlAccessRight object of
// ms-Exch-SMTP-Accept-Any-Recipient, by cn or displayName.
func isRelayRight(e *Entry) bool {
	if !e.HasClass("controlAccessRight") {
		return false
	}
	for _, n := range []string{e.First("cn"), e.First("displayName"), rdnValue(e.DN)} {
		if strings.EqualFold(n, directory.AcceptAnyRecipientRight) {
			return true
		}
	}
	return false
}

// MapRelayRight reads the rightsGuid of the ms-Exch-SMTP-Accept-Any-Recipient
// extended right, in the binary layout object ACEs use.
func MapRelayRight(e *Entry) (GUID, error) {
	v := e.First("rightsGuid")
	if v == "" {
		return GUID{}, fmt.Errorf("extended right %q has no rightsGuid", e.DN)
	}
	g, err := ParseGUID(v)
	if err != nil {
		return GUID{}, fmt.Errorf("extended right %q: rightsGuid: %w", e.DN, err)
	}
	return g, nil
}

// MapReceiveConnector maps a receive connector's name, server and network
// settings. Whether anonymous senders may relay is left unset: it needs the
// right's GUID, which the Builder applies once everything is read (see
// RelayVerdict).
func MapReceiveConnector(e *Entry) directory.ReceiveConnector {
	return directory.ReceiveConnector{
		Name:           firstNonEmpty(e.First("cn"), e.First("name"), rdnValue(e.DN)),
		Server:         connectorServer(e.DN),
		DN:             e.DN,
		FQDN:           e.First("msExchSMTPReceiveConnectorFQDN"),
		Bindings:       e.Strings("msExchSmtpReceiveBindings"),
		RemoteIPRanges: e.Strings("msExchSmtpReceiveRemoteIPRanges"),
	}
}

// connectorServer returns the server a connector belongs to: the RDN just
// below CN=Servers in its DN (CN=<name>,CN=SMTP Receive
// Connectors,CN=Protocols,CN=<server>,CN=Servers,...), or "" when the DN has
// no such shape.
func connectorServer(dn string) string {
	vals := rdnValues(dn)
	for i := 1; i < len(vals); i++ {
		if strings.EqualFold(vals[i], "Servers") {
			return vals[i-1]
		}
	}
	return ""
}

// rdnValues returns the value of each RDN of dn, outermost last,
// unescaped enough for a display name.
func rdnValues(dn string) []string {
	var out []string
	for rest := dn; rest != ""; {
		v := rdnValue(rest)
		out = append(out, v)
		i := nextRDN(rest)
		if i < 0 {
			break
		}
		rest = rest[i:]
	}
	return out
}

// nextRDN returns the index just after the first unescaped ',' in dn, or -1.
func nextRDN(dn string) int {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			return i + 1
		}
	}
	return -1
}

// RelayVerdict decides whether a connector's security descriptor lets
// anonymous senders relay, given the extended right's GUID. It returns the
// tri-state and the principal, or an error that leaves the state unset.
func RelayVerdict(sd []byte, right GUID) (directory.Tri, string, error) {
	d, err := ParseDACL(sd)
	if err != nil {
		return directory.Unset, "", err
	}
	g := d.ControlAccessGrant(right, directory.SIDAnonymous, directory.SIDEveryone)
	switch {
	case g.NullDACL:
		return directory.True, directory.SIDEveryone + ` (Everyone: the connector has no DACL)`, nil
	case g.SID == directory.SIDAnonymous:
		return directory.True, directory.LabelAnonymous, nil
	case g.SID == directory.SIDEveryone:
		return directory.True, directory.LabelEveryone, nil
	}
	return directory.False, "", nil
}

// pendingConnector is a connector read before the right's GUID is known.
type pendingConnector struct {
	c  directory.ReceiveConnector
	sd []byte // nil: the descriptor was not returned
}

// RelayRightUnread records why the ms-Exch-SMTP-Accept-Any-Recipient right
// could not be looked up (a failed search); Finish then leaves every
// connector's relay state unset with this reason.
func (b *Builder) RelayRightUnread(reason string) {
	b.relayRightReason = reason
}

// finishConnectors decides each connector's relay state and returns the
// connectors, or nil when none was added.
func (b *Builder) finishConnectors() []directory.ReceiveConnector {
	if len(b.connectors) == 0 {
		return nil
	}
	out := make([]directory.ReceiveConnector, 0, len(b.connectors))
	if b.relayRight == nil {
		reason := b.relayRightReason
		if reason == "" {
			reason = "not found in CN=Extended-Rights of the configuration partition"
		}
		b.AddGap(directory.CoverReceiveConnectors, "", fmt.Sprintf("extended right %s: %s: whether anonymous senders may relay is not known for any connector",
			directory.AcceptAnyRecipientRight, reason))
	}
	for _, p := range b.connectors {
		c := p.c
		switch {
		case b.relayRight == nil:
		case p.sd == nil:
			b.AddGap(directory.CoverReceiveConnectors, c.DN, "nTSecurityDescriptor was not returned (the account may not read the connector's permissions): whether anonymous senders may relay is not known")
		default:
			v, who, err := RelayVerdict(p.sd, *b.relayRight)
			if err != nil {
				b.AddGap(directory.CoverReceiveConnectors, c.DN, "nTSecurityDescriptor: "+err.Error())
				break
			}
			c.AnonymousRelay, c.RelayGrantedTo = v, who
		}
		out = append(out, c)
	}
	return out
}
