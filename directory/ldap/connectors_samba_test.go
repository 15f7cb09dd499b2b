package ldap_test

import (
	"encoding/binary"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/adattr"
	"dgaudit/directory/ldap"
	"dgaudit/directory/ldap/sambatest"
)

// wantConnectors is what the adapter must read from the fixture's two
// receive connectors: their settings, and the relay state decided from the
// DACL Samba stored and the rightsGuid it holds in CN=Extended-Rights.
func wantConnectors() []directory.ReceiveConnector {
	return []directory.ReceiveConnector{
		{Name: sambatest.ConnectorFrontend, Server: sambatest.ServerName, DN: sambatest.ConnectorDN(sambatest.ConnectorFrontend),
			FQDN: "ex01.corp.example.test", Bindings: []string{"0.0.0.0:25"}, RemoteIPRanges: []string{"0.0.0.0-255.255.255.255"},
			AnonymousRelay: directory.False},
		{Name: sambatest.ConnectorRelay, Server: sambatest.ServerName, DN: sambatest.ConnectorDN(sambatest.ConnectorRelay),
			FQDN: "ex01.corp.example.test", Bindings: []string{"0.0.0.0:2525"}, RemoteIPRanges: []string{"0.0.0.0-255.255.255.255"},
			AnonymousRelay: directory.True, RelayGrantedTo: `S-1-5-7 (NT AUTHORITY\ANONYMOUS LOGON)`},
	}
}

func TestReceiveConnectors(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	snap := collect(t, config(s))
	if diff := cmp.Diff(wantConnectors(), snap.Org.ReceiveConnectors); diff != "" {
		t.Errorf("receive connectors (-want +got):\n%s", diff)
	}
	for _, g := range snap.Coverage.Gaps {
		if g.What == directory.CoverReceiveConnectors {
			t.Errorf("gap: %+v", g)
		}
	}
	n := -1
	for _, r := range snap.Coverage.Read {
		if r.What == directory.CoverReceiveConnectors {
			n = r.Count
		}
	}
	if n != 2 {
		t.Errorf("receive-connectors read count %d, want 2", n)
	}
}

// TestConnectorDACLAsStored reads the Relay connector's descriptor the way
// the adapter asks for it (SD flags: DACL only) and checks what Samba made
// of the fixture's: the server honours the control (no owner, group or
// SACL come back), and the stored DACL still holds the anonymous
// Accept-Any-Recipient entry, in the binary GUID layout.
func TestConnectorDACLAsStored(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	c, err := s.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctl := ldap.SDFlagsDACL()
	res, err := c.Search(goldap.NewSearchRequest(sambatest.ConnectorDN(sambatest.ConnectorRelay), goldap.ScopeBaseObject, goldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"nTSecurityDescriptor"}, []goldap.Control{ctl}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 {
		t.Fatalf("%d entries", len(res.Entries))
	}
	sd := res.Entries[0].GetRawAttributeValue("nTSecurityDescriptor")
	if len(sd) < 20 {
		t.Fatalf("nTSecurityDescriptor is %d bytes", len(sd))
	}
	if owner, group, sacl := binary.LittleEndian.Uint32(sd[4:]), binary.LittleEndian.Uint32(sd[8:]), binary.LittleEndian.Uint32(sd[12:]); owner != 0 || group != 0 || sacl != 0 {
		t.Errorf("owner/group/SACL offsets %d/%d/%d: the SD flags control asked for the DACL only", owner, group, sacl)
	}
	d, err := adattr.ParseDACL(sd)
	if err != nil {
		t.Fatalf("ParseDACL on Samba's descriptor: %v", err)
	}
	right, err := adattr.ParseGUID(sambatest.AcceptAnyRecipGUID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	found := false
	for _, a := range d.ACEs {
		types = append(types, a.SID)
		if a.SID == sambatest.SIDAnonymous && a.Type == 0x05 && a.ObjectType != nil && *a.ObjectType == right && a.Mask&0x100 != 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("no anonymous Accept-Any-Recipient object ACE among %d ACEs (%s)", len(d.ACEs), strings.Join(types, ", "))
	}
	t.Logf("Samba stored %d ACEs for the 4 given: %s", len(d.ACEs), strings.Join(types, ", "))
	if g := d.ControlAccessGrant(right, directory.SIDAnonymous, directory.SIDEveryone); g.SID != directory.SIDAnonymous {
		t.Errorf("grant = %+v, want anonymous", g)
	}
}
