package ldif

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"dgaudit/directory"
	"dgaudit/directory/adattr"
)

// anonymousRelaySD is a self-relative descriptor whose DACL holds one
// object ACE granting control access for right to S-1-5-7.
func anonymousRelaySD(right adattr.GUID) []byte {
	ace := []byte{0x05, 0, 40, 0}                      // ACCESS_ALLOWED_OBJECT_ACE, 40 bytes
	ace = binary.LittleEndian.AppendUint32(ace, 0x100) // control access
	ace = binary.LittleEndian.AppendUint32(ace, 1)     // object type present
	ace = append(ace, right[:]...)
	ace = append(ace, 1, 1, 0, 0, 0, 0, 0, 5, 7, 0, 0, 0) // S-1-5-7
	sd := []byte{1, 0, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0}
	sd = append(sd, 4, 0, 48, 0, 1, 0, 0, 0)
	return append(sd, ace...)
}

// An ldifde export that holds the connectors (with nTSecurityDescriptor)
// and the extended right gives the same relay verdict as a live read; one
// without the right leaves it unknown, with a gap.
func TestReceiveConnectorsFromLDIF(t *testing.T) {
	t.Parallel()
	const guid = "0c1c5d3a-6f2e-4b5a-9d1e-3a7b2c4d5e6f"
	right, err := adattr.ParseGUID(guid)
	if err != nil {
		t.Fatal(err)
	}
	connector := "dn: CN=Relay,CN=SMTP Receive Connectors,CN=Protocols,CN=EX01,CN=Servers,CN=AG,CN=Administrative Groups,CN=Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example\n" +
		"objectClass: top\nobjectClass: msExchSmtpReceiveConnector\ncn: Relay\n" +
		"msExchSmtpReceiveRemoteIPRanges: 0.0.0.0-255.255.255.255\n" +
		"nTSecurityDescriptor:: " + base64.StdEncoding.EncodeToString(anonymousRelaySD(right)) + "\n\n"
	rightEntry := "dn: CN=ms-Exch-SMTP-Accept-Any-Recipient,CN=Extended-Rights,CN=Configuration,DC=corp,DC=example\n" +
		"objectClass: top\nobjectClass: controlAccessRight\ncn: ms-Exch-SMTP-Accept-Any-Recipient\nrightsGuid: " + guid + "\n\n"
	// ldapsearch cut a long remote IP range list at its first chunk.
	cut := strings.Replace(connector, "msExchSmtpReceiveRemoteIPRanges: 0.0.0.0-255.255.255.255\n",
		"msExchSmtpReceiveRemoteIPRanges;range=0-0: 10.0.0.0-10.0.0.255\n", 1)
	for _, tt := range []struct {
		name    string
		ldif    string
		want    directory.Tri
		gap     bool
		attrGap bool
	}{
		{"with the right", connector + rightEntry, directory.True, false, false},
		{"without the right", connector, directory.Unset, true, false},
		{"remote IP ranges cut short", cut + rightEntry, directory.True, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Read(context.Background(), strings.NewReader(tt.ldif), "ldif:test", time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Org.ReceiveConnectors) != 1 {
				t.Fatalf("connectors = %+v", s.Org.ReceiveConnectors)
			}
			c := s.Org.ReceiveConnectors[0]
			if c.Name != "Relay" || c.Server != "EX01" || c.AnonymousRelay != tt.want {
				t.Errorf("connector = %+v, want relay %s", c, tt.want)
			}
			gap, attrGap := false, false
			for _, g := range s.Coverage.Gaps {
				gap = gap || g.What == directory.CoverReceiveConnectors
				attrGap = attrGap || g.What == adattr.CoverAttributes && strings.Contains(g.Reason, "msExchSmtpReceiveRemoteIPRanges")
			}
			if gap != tt.gap || attrGap != tt.attrGap {
				t.Errorf("gaps = %+v, want a receive-connectors gap: %v, a remote IP ranges gap: %v", s.Coverage.Gaps, tt.gap, tt.attrGap)
			}
			// Read when judged, so that the verdict going away later
			// reads as a fix, not as something unread.
			if read := s.Coverage.Has(directory.CoverReceiveConnectors); read == tt.gap {
				t.Errorf("receive connectors recorded as read: %v, want %v (coverage %+v)", read, !tt.gap, s.Coverage.Read)
			}
		})
	}
}

// An export that holds the Recipient Filter configuration records it as
// read; one without it leaves it unknown, neither read nor a gap.
func TestRecipientFilterCoverageFromLDIF(t *testing.T) {
	t.Parallel()
	config := "dn: CN=RecipientFilterConfig,CN=Message Hygiene,CN=Transport Settings,CN=Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example\n" +
		"objectClass: top\nobjectClass: " + adattr.RecipientFilterClass + "\ncn: RecipientFilterConfig\nmsExchAgentsFlags: 3\n\n"
	contact := "dn: CN=x,OU=C,DC=corp,DC=example\nobjectClass: top\nobjectClass: contact\nmail: x@partner.example\nmailNickname: x\ntargetAddress: SMTP:x@partner.example\n\n"
	for _, tt := range []struct {
		name string
		ldif string
		read bool
	}{
		{"with the configuration", config + contact, true},
		{"without it", contact, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Read(context.Background(), strings.NewReader(tt.ldif), "ldif:test", time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Coverage.Has(directory.CoverRecipientFilter); got != tt.read || (s.Org.RecipientFilter != nil) != tt.read {
				t.Errorf("recipient filter read %v (model %+v), want %v", got, s.Org.RecipientFilter, tt.read)
			}
			for _, g := range s.Coverage.Gaps {
				if g.What == directory.CoverRecipientFilter {
					t.Errorf("unexpected gap %+v", g)
				}
			}
		})
	}
}
