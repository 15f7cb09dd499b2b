package mailflow

import (
	"net/netip"
	"strings"
)

// ownServers holds hashes (see hash) of the host names and IP addresses of
// the organization's own Exchange servers (Config.Servers): a message one
// of them hands to another is a hop inside the organization, however its
// directionality reads.
//
// They are given before the first event, from a scan of the files' first
// rows (tracking.Servers), rather than learned as rows come: a server's
// files may be read after those of the servers it relayed to, and its hops
// would have counted as outside mail by then. Keeping what each client did
// to take it back at the end instead would mean keeping every client of
// every aggregate, and the hop's row may already have replaced the outside
// source of its message in the recent tables.
//
// Every row from outside is checked, where hashing its client's name and
// address and looking them up would add several per cent to the analysis:
// a bit table of their fingerprints rules nearly all of them out in a few
// instructions first, even with a hundred servers' names in it.
type ownServers struct {
	maybe [1024 / 64]uint64
	set   map[uint64]struct{}
}

func newOwnServers(names []string) ownServers {
	own := ownServers{set: map[uint64]struct{}{}}
	for _, n := range names {
		if n = lower(strings.TrimSpace(n)); n != "" {
			i := fingerprint(n)
			own.maybe[i/64] |= 1 << (i % 64)
			own.set[hash(n)] = struct{}{}
		}
	}
	return own
}

// fingerprint is a bit of ownServers.maybe for a non-empty name or
// address: its length, middle and last byte, ASCII case folded as hash
// folds it. The length and last digit alone tell few addresses apart.
func fingerprint(s string) uint {
	f := uint32(len(s)) | uint32(s[len(s)/2]|0x20)<<8 | uint32(s[len(s)-1]|0x20)<<16
	return uint(f * 0x9e3779b1 >> 22)
}

// may reports whether s may be one of the servers' names or addresses:
// false settles it, true needs has. It is small enough to be inlined: a
// caller that tests a row's client with it, and calls relays only when it
// may be one (surelyPublic helps), settles most rows from outside in a few
// instructions, where the call alone would cost as much again.
func (o *ownServers) may(s string) bool {
	if s == "" {
		return false
	}
	i := fingerprint(s)
	return o.maybe[i/64]&(1<<(i%64)) != 0
}

// has reports whether s is one of the servers' names or addresses.
func (o *ownServers) has(s string) bool {
	_, ok := o.set[hash(s)]
	return ok
}

// relays reports whether a RECEIVE's client is one of the organization's
// servers: its address is one of theirs, or its name is and its address is
// not a public one. The name alone may be what the client called itself
// (EHLO): from the Internet it proves nothing, while from a private
// address it covers an address translated between two servers.
func (o *ownServers) relays(ip, host string) bool {
	if o.may(ip) && o.has(ip) {
		return true
	}
	return o.may(host) && o.has(host) && !publicIP(ip)
}

// surelyPublic reports whether an address is a public one by its first
// character alone: no private, loopback, link-local or unspecified
// address, IPv4 or IPv6, starts with 2 to 9. It spares most rows the look
// at the client's name that only a private address calls for.
func surelyPublic(ip string) bool {
	return ip != "" && ip[0] >= '2' && ip[0] <= '9'
}

// publicIP reports whether s is an IP address of the Internet: not
// private, loopback, link-local or unspecified. Anything else, an empty or
// unreadable address included, is not.
func publicIP(s string) bool {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return !(ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
}
