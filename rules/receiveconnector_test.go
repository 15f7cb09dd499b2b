package rules_test

import (
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

func TestReceiveConnectorOpenRelay(t *testing.T) {
	t.Parallel()
	const anon = `S-1-5-7 (NT AUTHORITY\ANONYMOUS LOGON)`
	conn := func(ranges ...string) directory.ReceiveConnector {
		return directory.ReceiveConnector{Name: "Relay", Server: "EX01", DN: "CN=Relay,CN=SMTP Receive Connectors,CN=Protocols,CN=EX01,CN=Servers",
			Bindings: []string{"0.0.0.0:25"}, RemoteIPRanges: ranges, AnonymousRelay: directory.True, RelayGrantedTo: anon}
	}
	with := func(c directory.ReceiveConnector, edit func(*directory.ReceiveConnector)) directory.ReceiveConnector {
		edit(&c)
		return c
	}
	tests := []struct {
		name  string
		conns []directory.ReceiveConnector
		// sev is the severity of each finding in connector order; nil
		// means the rule must not fire.
		sev  []audit.Severity
		want []string // fragments of the first finding's text
	}{
		{"not read", nil, nil, nil},
		{"none", []directory.ReceiveConnector{}, nil, nil},
		{"no relay", []directory.ReceiveConnector{with(conn("0.0.0.0-255.255.255.255"), func(c *directory.ReceiveConnector) {
			c.AnonymousRelay, c.RelayGrantedTo = directory.False, ""
		})}, nil, nil},
		{"relay state unknown (DACL not read)", []directory.ReceiveConnector{with(conn("0.0.0.0-255.255.255.255"), func(c *directory.ReceiveConnector) {
			c.AnonymousRelay, c.RelayGrantedTo = directory.Unset, ""
		})}, nil, nil},
		{"whole Internet", []directory.ReceiveConnector{conn("0.0.0.0-255.255.255.255")}, []audit.Severity{audit.High},
			[]string{`receive connector EX01\Relay on server EX01 lets anonymous senders relay`, "granted to " + anon,
				"from any address (remote IP ranges 0.0.0.0-255.255.255.255)", "RemoteIPRanges=0.0.0.0-255.255.255.255 (set)",
				"ExtendedRights=ms-Exch-SMTP-Accept-Any-Recipient allowed to " + anon, `Identity=EX01\Relay (CN=Relay,`, "Bindings=0.0.0.0:25"}},
		{"ranges not set", []directory.ReceiveConnector{conn()}, []audit.Severity{audit.High},
			[]string{"remote IP ranges not set", "RemoteIPRanges=not set (any address) (default)"}},
		{"whole IPv6 space", []directory.ReceiveConnector{conn("10.0.0.0/8", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}, []audit.Severity{audit.High}, []string{"from any address"}},
		{"CIDR 0.0.0.0/0", []directory.ReceiveConnector{conn("0.0.0.0/0")}, []audit.Severity{audit.High}, nil},
		{"IPv6 ::/0", []directory.ReceiveConnector{conn("::/0")}, []audit.Severity{audit.High}, nil},
		// Lists that add up to the Internet are as open as one range that is.
		{"two halves of IPv4", []directory.ReceiveConnector{conn("0.0.0.0/1", "128.0.0.0/1")}, []audit.Severity{audit.High}, []string{"from any address"}},
		{"all IPv4 unicast", []directory.ReceiveConnector{conn("0.0.0.0-223.255.255.255")}, []audit.Severity{audit.High}, nil},
		{"IPv6 global unicast", []directory.ReceiveConnector{conn("2000::/3")}, []audit.Severity{audit.High}, nil},
		{"unreadable range counts as any", []directory.ReceiveConnector{conn("10.0.0.1", "somewhere")}, []audit.Severity{audit.High}, nil},
		{"limited ranges", []directory.ReceiveConnector{conn("10.0.0.25", "192.168.1.0/24", "172.16.0.1-172.16.0.9")}, []audit.Severity{audit.Medium},
			[]string{"from 10.0.0.25, 192.168.1.0/24, 172.16.0.1-172.16.0.9 only"}},
		{"Everyone", []directory.ReceiveConnector{with(conn("0.0.0.0-255.255.255.255"), func(c *directory.ReceiveConnector) {
			c.RelayGrantedTo = "S-1-1-0 (Everyone)"
		})}, []audit.Severity{audit.High}, []string{"granted to S-1-1-0 (Everyone)"}},
		{"server unknown", []directory.ReceiveConnector{with(conn("10.0.0.1"), func(c *directory.ReceiveConnector) { c.Server = "" })},
			[]audit.Severity{audit.Medium}, []string{"receive connector Relay on server (unknown)"}},
		{"one finding per relaying connector", []directory.ReceiveConnector{conn("10.0.0.1"), with(conn(), func(c *directory.ReceiveConnector) {
			c.Name = "Other"
		}), with(conn(), func(c *directory.ReceiveConnector) {
			c.Name, c.AnonymousRelay, c.RelayGrantedTo = "Closed", directory.False, ""
		})},
			[]audit.Severity{audit.High, audit.Medium}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := audited(t, dt.New().Mailbox("a").Edit(func(s *directory.Snapshot) { s.Org.ReceiveConnectors = tc.conns }).Snapshot())
			var found []audit.Finding
			for _, f := range rep.OrgFindings {
				if f.Rule == "receive-connector-open-relay" {
					found = append(found, f)
				}
			}
			if len(found) != len(tc.sev) {
				t.Fatalf("%d findings, want %d: %+v", len(found), len(tc.sev), found)
			}
			for i, f := range found {
				if f.Severity != tc.sev[i] {
					t.Errorf("finding %d severity %s, want %s", i, f.Severity, tc.sev[i])
				}
			}
			if len(found) == 0 {
				return
			}
			text := found[0].Message
			for _, s := range found[0].Evidence.Settings {
				text += "\n" + s.Name + "=" + s.Value + " (" + s.Source + ")"
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("finding lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
