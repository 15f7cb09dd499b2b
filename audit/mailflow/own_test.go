package mailflow

import (
	"fmt"
	"testing"
)

func TestRelays(t *testing.T) {
	own := newOwnServers([]string{"EDGE01", "edge01.contoso.com", "10.1.0.25", "fd00::25", " hub01 "})
	for _, tc := range []struct {
		ip, host string
		want     bool
	}{
		{"10.1.0.25", "", true},
		{"10.1.0.25", "mail.attacker.example", true},
		{"fd00::25", "", true},
		{"", "EDGE01.CONTOSO.COM", true},
		{"10.200.0.1", "edge01", true},
		{"fd00::99", "Edge01.Contoso.Com", true},
		{"127.0.0.1", "hub01", true},
		// A public address calling itself one of the servers is not one.
		{"198.51.100.66", "edge01.contoso.com", false},
		{"2001:db8::66", "edge01.contoso.com", false},
		{"10.1.0.26", "mail.attacker.example", false},
		{"10.1.0.26", "edge02.contoso.com", false},
		{"", "", false},
	} {
		if got := own.relays(tc.ip, tc.host); got != tc.want {
			t.Errorf("relays(%q, %q) = %v, want %v", tc.ip, tc.host, got, tc.want)
		}
		// The test fromOutside makes before calling relays must never rule
		// out a server.
		if tc.want && !own.may(tc.ip) && (surelyPublic(tc.ip) || !own.may(tc.host)) {
			t.Errorf("%q, %q ruled out before relays", tc.ip, tc.host)
		}
	}
	var none ownServers
	if none.relays("10.1.0.25", "edge01") {
		t.Error("no servers given, yet a client is one")
	}
}

// surelyPublic stands in for publicIP on most rows: it may not call public
// an address that is not.
func TestSurelyPublicIsPublic(t *testing.T) {
	addrs := []string{"", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "FD12::1", "::ffff:10.0.0.1", "2001:db8::1", "3fff::1",
		"0.0.0.0", "10.0.0.1", "100.64.0.1", "127.0.0.1", "169.254.1.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "not an address"}
	for a := range 256 {
		addrs = append(addrs, fmt.Sprintf("%d.0.0.1", a), fmt.Sprintf("%d.168.1.1", a), fmt.Sprintf("%d.254.1.1", a), fmt.Sprintf("%d.16.0.1", a))
	}
	for _, a := range addrs {
		if surelyPublic(a) && !publicIP(a) {
			t.Errorf("%q is surely public, but publicIP says no", a)
		}
	}
}
