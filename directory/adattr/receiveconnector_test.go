package adattr

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

const (
	testRelayGUID  = "0c1c5d3a-6f2e-4b5a-9d1e-3a7b2c4d5e6f"
	testSubmitGUID = "5d1f2a8e-1b3c-4d6e-8f90-a1b2c3d4e5f6"
	connectorsDN   = "CN=SMTP Receive Connectors,CN=Protocols,CN=EX01,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example"
)

func relayRightEntry(t *testing.T, guid string) *Entry {
	t.Helper()
	lines := []string{"objectClass: top", "objectClass: controlAccessRight", "cn: " + directory.AcceptAnyRecipientRight}
	if guid != "" {
		lines = append(lines, "rightsGuid: "+guid)
	}
	return entry(t, "CN="+directory.AcceptAnyRecipientRight+",CN=Extended-Rights,CN=Configuration,DC=corp,DC=example", lines...)
}

func connectorEntry(t *testing.T, name string, sdesc []byte, lines ...string) *Entry {
	t.Helper()
	e := entry(t, "CN="+name+","+connectorsDN, append([]string{"objectClass: top", "objectClass: " + ReceiveConnectorClass, "cn: " + name}, lines...)...)
	if sdesc != nil {
		e.Add("nTSecurityDescriptor", sdesc)
	}
	return e
}

func TestClassifyReceiveConnector(t *testing.T) {
	t.Parallel()
	if k := Classify(connectorEntry(t, "Relay", nil)); k != KindReceiveConnector {
		t.Errorf("connector: %v", k)
	}
	if k := Classify(relayRightEntry(t, testRelayGUID)); k != KindRelayRight {
		t.Errorf("relay right: %v", k)
	}
	other := entry(t, "CN=Send-As,CN=Extended-Rights", "objectClass: controlAccessRight", "cn: Send-As", "rightsGuid: ab721a54-1e2f-11d0-9819-00aa0040529b")
	if k := Classify(other); k != KindOther {
		t.Errorf("other extended right: %v", k)
	}
	byDisplayName := entry(t, "CN=x,CN=Extended-Rights", "objectClass: controlAccessRight", "cn: x", "displayName: MS-EXCH-SMTP-ACCEPT-ANY-RECIPIENT")
	if k := Classify(byDisplayName); k != KindRelayRight {
		t.Errorf("relay right by displayName: %v", k)
	}
}

func TestMapReceiveConnector(t *testing.T) {
	t.Parallel()
	e := connectorEntry(t, "Default Frontend EX01", nil, "msExchSmtpReceiveBindings: 0.0.0.0:25", "msExchSmtpReceiveBindings: [::]:25",
		"msExchSmtpReceiveRemoteIPRanges: 0.0.0.0-255.255.255.255", "msExchSMTPReceiveConnectorFQDN: ex01.corp.example")
	want := directory.ReceiveConnector{Name: "Default Frontend EX01", Server: "EX01", DN: e.DN, FQDN: "ex01.corp.example",
		Bindings: []string{"0.0.0.0:25", "[::]:25"}, RemoteIPRanges: []string{"0.0.0.0-255.255.255.255"}}
	if diff := cmp.Diff(want, MapReceiveConnector(e)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for dn, want := range map[string]string{
		`CN=Relay,CN=SMTP Receive Connectors,CN=Protocols,CN=EX\,02,CN=Servers,CN=AG`: "EX,02",
		"CN=Relay,CN=Somewhere":                           "",
		"CN=Relay,CN=Protocols,CN=EX03,cn=servers,CN=Org": "EX03",
	} {
		if got := connectorServer(dn); got != want {
			t.Errorf("connectorServer(%q) = %q, want %q", dn, got, want)
		}
	}
}

// The builder decides the relay state once the right's GUID is known,
// whichever order the entries came in, and never turns "could not read"
// into "no relay".
func TestBuilderReceiveConnectors(t *testing.T) {
	t.Parallel()
	relay, submit := mustGUID(t, testRelayGUID), mustGUID(t, testSubmitGUID)
	openSD := sd(testACE{typ: aceAccessAllowedObject, mask: rightControlAccess, object: &relay, sid: sidAnon})
	submitSD := sd(testACE{typ: aceAccessAllowedObject, mask: rightControlAccess, object: &submit, sid: sidAnon})
	type conn struct {
		name  string
		relay directory.Tri
		who   string
	}
	tests := []struct {
		name       string
		right      *Entry // nil: not read
		rightFirst bool
		unread     string // RelayRightUnread reason
		conns      []*Entry
		want       []conn
		wantGaps   []string // "object: reason fragment"
	}{
		{"open and closed", relayRightEntry(t, testRelayGUID), false, "",
			[]*Entry{connectorEntry(t, "Relay", openSD), connectorEntry(t, "Default Frontend", submitSD)},
			[]conn{{"Relay", directory.True, `S-1-5-7 (NT AUTHORITY\ANONYMOUS LOGON)`}, {"Default Frontend", directory.False, ""}}, nil},
		{"right read first", relayRightEntry(t, testRelayGUID), true, "",
			[]*Entry{connectorEntry(t, "Relay", openSD)}, []conn{{"Relay", directory.True, `S-1-5-7 (NT AUTHORITY\ANONYMOUS LOGON)`}}, nil},
		{"right not found", nil, false, "",
			[]*Entry{connectorEntry(t, "Relay", openSD)}, []conn{{"Relay", directory.Unset, ""}},
			[]string{": extended right ms-Exch-SMTP-Accept-Any-Recipient: not found in CN=Extended-Rights"}},
		{"right search failed", nil, false, "insufficient access",
			[]*Entry{connectorEntry(t, "Relay", openSD)}, []conn{{"Relay", directory.Unset, ""}},
			[]string{": extended right ms-Exch-SMTP-Accept-Any-Recipient: insufficient access"}},
		{"right without a readable rightsGuid", relayRightEntry(t, "not-a-guid"), false, "",
			[]*Entry{connectorEntry(t, "Relay", openSD)}, []conn{{"Relay", directory.Unset, ""}},
			[]string{": extended right ms-Exch-SMTP-Accept-Any-Recipient: extended right \"CN=ms-Exch"}},
		{"descriptor not returned", relayRightEntry(t, testRelayGUID), false, "",
			[]*Entry{connectorEntry(t, "Relay", nil)}, []conn{{"Relay", directory.Unset, ""}},
			[]string{"CN=Relay," + connectorsDN + ": nTSecurityDescriptor was not returned"}},
		{"descriptor corrupt", relayRightEntry(t, testRelayGUID), false, "",
			[]*Entry{connectorEntry(t, "Relay", openSD[:30])}, []conn{{"Relay", directory.Unset, ""}},
			[]string{"CN=Relay," + connectorsDN + ": nTSecurityDescriptor: DACL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := NewBuilder("test")
			if tt.right != nil && tt.rightFirst {
				b.Add(tt.right)
			}
			for _, c := range tt.conns {
				if k, _ := b.Add(c); k != KindReceiveConnector {
					t.Fatalf("kind %v", k)
				}
			}
			if tt.right != nil && !tt.rightFirst {
				b.Add(tt.right)
			}
			if tt.unread != "" {
				b.RelayRightUnread(tt.unread)
			}
			s := b.Finish(time.Unix(0, 0))
			var got []conn
			for _, c := range s.Org.ReceiveConnectors {
				got = append(got, conn{c.Name, c.AnonymousRelay, c.RelayGrantedTo})
				if c.Server != "EX01" {
					t.Errorf("%s: server %q", c.Name, c.Server)
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(conn{})); diff != "" {
				t.Errorf("connectors (-want +got):\n%s", diff)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			var gaps []directory.Gap
			for _, g := range s.Coverage.Gaps {
				if g.What == directory.CoverReceiveConnectors {
					gaps = append(gaps, g)
				}
			}
			if len(gaps) != len(tt.wantGaps) {
				t.Fatalf("gaps = %+v, want %d", gaps, len(tt.wantGaps))
			}
			for i, w := range tt.wantGaps {
				if got := gaps[i].Object + ": " + gaps[i].Reason; !strings.Contains(got, w) {
					t.Errorf("gap %d = %q, want %q in it", i, got, w)
				}
			}
		})
	}
	// An unreadable copy of the right beside a readable one, or with no
	// connector to judge, leaves nothing unread: no gap.
	b := NewBuilder("test")
	b.Add(entry(t, "CN=Stale copy,CN=Extended-Rights,CN=Configuration,DC=corp,DC=example",
		"objectClass: top", "objectClass: controlAccessRight", "cn: Stale copy", "displayName: "+directory.AcceptAnyRecipientRight, "rightsGuid: not-a-guid"))
	b.Add(relayRightEntry(t, testRelayGUID))
	b.Add(connectorEntry(t, "Relay", openSD))
	if s := b.Finish(time.Unix(0, 0)); len(s.Coverage.Gaps) != 0 || s.Org.ReceiveConnectors[0].AnonymousRelay != directory.True {
		t.Errorf("unreadable right beside a readable one: gaps %+v, connectors %+v", s.Coverage.Gaps, s.Org.ReceiveConnectors)
	}
	b = NewBuilder("test")
	b.Add(relayRightEntry(t, "not-a-guid"))
	if s := b.Finish(time.Unix(0, 0)); len(s.Coverage.Gaps) != 0 {
		t.Errorf("unreadable right and no connector: gaps %+v", s.Coverage.Gaps)
	}
	// No connector read: the builder leaves them not read (nil).
	if s := NewBuilder("test").Finish(time.Unix(0, 0)); s.Org.ReceiveConnectors != nil {
		t.Errorf("ReceiveConnectors = %+v, want nil", s.Org.ReceiveConnectors)
	}
}
