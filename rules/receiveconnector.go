package rules

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"

	"dgaudit/audit"
	"dgaudit/directory"
)

// receiveConnectorOpenRelay is the open-relay check of seeds 003 and 004:
// a receive connector whose permissions let anonymous senders relay to any
// recipient.
//
// Severity is high when the connector accepts any client (its remote IP
// ranges cover the whole IPv4 or IPv6 space, are not set, or cannot be
// read), medium (Issue.Lower) when they are limited to specific ranges: such
// a connector still relays for anyone who can reach it from those
// addresses, but the Internet at large cannot use it.
func receiveConnectorOpenRelay() audit.Rule {
	return audit.Rule{
		ID:       "receive-connector-open-relay",
		Title:    "A receive connector lets anonymous senders relay to any recipient (open relay)",
		Severity: audit.High,
		Tags:     []string{tagOrganization, tagHygiene},
		Why: "A receive connector's permissions decide what an SMTP session may do. The extended right ms-Exch-SMTP-Accept-Any-Recipient " +
			"lets a session send to recipients outside the organization's accepted domains, that is, relay. Granted to NT AUTHORITY\\ANONYMOUS LOGON " +
			"(or Everyone), it lets anyone who can connect send mail to anyone through the organization's servers, without logging on. " +
			"Spammers scan the Internet for such relays: once found, the server becomes a spam source, its queues fill with mail nobody in the organization sent, " +
			"the bounces of that mail go to forged senders (backscatter), and its addresses end up on block lists, so the organization's own mail " +
			"stops being delivered (the open relay and NDR-attack cases 003 and 004). The right is meant for a connector that only application " +
			"servers or devices reach, limited with RemoteIPRanges. The finding is high when the connector accepts clients from any address " +
			"(remote IP ranges covering every IPv4 or IPv6 address, such as 0.0.0.0-255.255.255.255, or not set), and medium " +
			"when the ranges are limited: the relay is then open only to those addresses, which still deserves a check that every one of them " +
			"needs it and none is shared or NATed for many clients. dgaudit reads the connector's DACL from Active Directory with the SD flags " +
			"control and looks the right's GUID up in CN=Extended-Rights; a deny entry for the same principal before the allow means not granted. " +
			"A connector whose DACL or right could not be read is a coverage gap, never judged. Edge Transport servers keep their connectors in " +
			"AD LDS, which dgaudit does not read.",
		Fix: "List who holds the right: Get-ADPermission -Identity \"<server>\\<connector>\" | where {$_.ExtendedRights -like " +
			"\"ms-Exch-SMTP-Accept-Any-Recipient\"} | ft User,Deny,IsInherited. Remove it from anonymous senders: Remove-ADPermission -Identity " +
			"\"<server>\\<connector>\" -User \"NT AUTHORITY\\ANONYMOUS LOGON\" -ExtendedRights ms-Exch-SMTP-Accept-Any-Recipient (-User Everyone " +
			"when Everyone holds it; an inherited entry must be removed where it is set, on the parent container). When applications must relay " +
			"anonymously, keep the right only on a dedicated connector limited to their addresses: Set-ReceiveConnector \"<server>\\<connector>\" " +
			"-RemoteIPRanges 10.0.0.25,10.0.0.26 (AD: msExchSmtpReceiveRemoteIPRanges; nTSecurityDescriptor holds the permission), and bind it " +
			"to an internal address only (-Bindings).",
		Reads: []string{directory.CoverReceiveConnectors},
		OrgCheck: func(e *audit.Env) []audit.Issue {
			var out []audit.Issue
			for _, c := range e.Snap.Org.ReceiveConnectors {
				if c.AnonymousRelay != directory.True {
					continue // no relay, or not read: never judged
				}
				out = append(out, openRelayIssue(c))
			}
			return out
		},
	}
}

// openRelayIssue describes one connector that relays for anonymous senders.
func openRelayIssue(c directory.ReceiveConnector) audit.Issue {
	id := c.Name
	if c.Server != "" {
		id = c.Server + `\` + c.Name
	}
	anyClient := acceptsAnyClient(c.RemoteIPRanges)
	from := "from any address (remote IP ranges " + strings.Join(c.RemoteIPRanges, ", ") + ")"
	ranges := audit.Setting{Name: "RemoteIPRanges", Attribute: "msExchSmtpReceiveRemoteIPRanges", Value: strings.Join(c.RemoteIPRanges, ", "), Source: audit.SourceSet}
	switch {
	case len(c.RemoteIPRanges) == 0:
		from = "from any address (remote IP ranges not set)"
		ranges.Value, ranges.Source = "not set (any address)", audit.SourceDefault
	case !anyClient:
		from = "from " + strings.Join(c.RemoteIPRanges, ", ") + " only"
	}
	settings := []audit.Setting{
		{Name: "Identity", Attribute: "distinguishedName", Value: id + " (" + c.DN + ")", Source: audit.SourceSet},
		{Name: "ExtendedRights", Attribute: "nTSecurityDescriptor", Value: directory.AcceptAnyRecipientRight + " allowed to " + c.RelayGrantedTo, Source: audit.SourceSet},
		ranges,
	}
	if len(c.Bindings) > 0 {
		settings = append(settings, audit.Setting{Name: "Bindings", Attribute: "msExchSmtpReceiveBindings", Value: strings.Join(c.Bindings, ", "), Source: audit.SourceSet})
	}
	return audit.Issue{
		Message: "receive connector " + id + " on server " + orUnknown(c.Server) + " lets anonymous senders relay to any recipient (" +
			directory.AcceptAnyRecipientRight + " granted to " + c.RelayGrantedTo + ") " + from,
		Evidence: audit.Evidence{Settings: settings},
		Lower:    !anyClient,
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// acceptsAnyClient reports whether remote IP ranges let the Internet
// connect: none set, one that does not parse (an unreadable limit is no
// limit to rely on), IPv4 ranges that together cover half the address space
// or more (0.0.0.0/1 with 128.0.0.0/1, or all of unicast, are as open as
// 0.0.0.0/0), or an IPv6 range that covers all global unicast (2000::/3).
func acceptsAnyClient(ranges []string) bool {
	if len(ranges) == 0 {
		return true
	}
	type span struct{ first, last uint64 }
	var v4 []span
	global6First, global6Last := netip.MustParseAddr("2000::"), netip.MustParseAddr("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
	for _, r := range ranges {
		first, last, ok := ipRange(r)
		if !ok {
			return true
		}
		if first.Is4() {
			a, b := first.As4(), last.As4()
			v4 = append(v4, span{uint64(binary.BigEndian.Uint32(a[:])), uint64(binary.BigEndian.Uint32(b[:]))})
			continue
		}
		if !global6First.Less(first) && !last.Less(global6Last) {
			return true
		}
	}
	slices.SortFunc(v4, func(x, y span) int { return cmp.Compare(x.first, y.first) })
	var covered uint64
	var cur *span
	for i := range v4 {
		s := v4[i]
		switch {
		case cur == nil:
			cur = &s
		case s.first <= cur.last+1:
			cur.last = max(cur.last, s.last)
		default:
			covered += cur.last - cur.first + 1
			cur = &s
		}
	}
	if cur != nil {
		covered += cur.last - cur.first + 1
	}
	return covered >= 1<<31
}

// ipRange reads one remote IP range as Exchange writes it: a single
// address, "first-last", or a CIDR block.
func ipRange(s string) (first, last netip.Addr, ok bool) {
	s = strings.TrimSpace(s)
	if a, b, found := strings.Cut(s, "-"); found {
		first, err1 := netip.ParseAddr(strings.TrimSpace(a))
		last, err2 := netip.ParseAddr(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || first.Is4() != last.Is4() || last.Less(first) {
			return netip.Addr{}, netip.Addr{}, false
		}
		return first.Unmap(), last.Unmap(), true
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Addr{}, netip.Addr{}, false
		}
		p = p.Masked()
		return p.Addr(), lastOf(p), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, netip.Addr{}, false
	}
	return a, a, true
}

// lastOf returns the last address of a masked prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		keep := p.Bits() - 8*i
		switch {
		case keep >= 8:
		case keep <= 0:
			b[i] = 0xff
		default:
			b[i] |= 0xff >> keep
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
