package ldap

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/directory"
	"dgaudit/directory/adattr"
)

// The references a subtree search of a forest root domain always brings
// (configuration, schema, DNS partitions) are no loss; a child domain, or
// anything dgaudit cannot place, may hold recipients.
func TestMayHoldRecipients(t *testing.T) {
	nc := naming{base: "DC=corp,DC=example", domain: "DC=corp,DC=example",
		config: "CN=Configuration,DC=corp,DC=example", schema: "CN=Schema,CN=Configuration,DC=corp,DC=example"}
	tests := []struct {
		ref  string
		want bool
	}{
		{"ldap://corp.example/CN=Configuration,DC=corp,DC=example", false},
		{"ldaps://corp.example/cn=configuration, dc=corp, dc=example", false}, // Samba's scheme; case and spaces
		{"ldap://corp.example/CN=Schema,CN=Configuration,DC=corp,DC=example", false},
		{"ldap://DomainDnsZones.corp.example/DC=DomainDnsZones,DC=corp,DC=example", false},
		{"ldap://ForestDnsZones.corp.example/DC=ForestDnsZones,DC=corp,DC=example", false},
		{"ldap://child.corp.example/DC=child,DC=corp,DC=example", true},
		{"ldap://child.corp.example/DC=child,DC=corp,DC=example??sub", true},
		{"ldap://other.example/DC=other,DC=example", true},
		{"not a URL at all", true},
	}
	for _, tt := range tests {
		if got := nc.mayHoldRecipients(tt.ref); got != tt.want {
			t.Errorf("mayHoldRecipients(%q) = %v, want %v", tt.ref, got, tt.want)
		}
	}
	var r referrals
	for _, ref := range []string{"ldap://b/DC=b", "ldap://a/DC=a", "ldap://b/DC=b"} {
		r.add(ref)
	}
	if got := r.sorted(); !slices.Equal(got, []string{"ldap://a/DC=a", "ldap://b/DC=b"}) {
		t.Errorf("sorted = %v, want each once, in order", got)
	}
}

// A child domain's reference is a gap naming it and what to do; the
// configuration partition's is not.
func TestNotFollowed(t *testing.T) {
	nc := naming{base: "DC=corp,DC=example", domain: "DC=corp,DC=example", config: "CN=Configuration,DC=corp,DC=example"}
	s := &Source{cfg: Config{Logger: slog.New(slog.DiscardHandler)}}
	b := adattr.NewBuilder("ldaps://dc1")
	child := "ldap://child.corp.example/DC=child,DC=corp,DC=example"
	s.notFollowed(b, nc, []string{"ldap://corp.example/CN=Configuration,DC=corp,DC=example", child})
	gaps := b.Finish(time.Unix(0, 0)).Coverage.Gaps
	if len(gaps) != 1 || gaps[0].What != directory.CoverGroups || gaps[0].Object != child ||
		!strings.Contains(gaps[0].Reason, `the search of "DC=corp,DC=example" was referred to `+child) || !strings.Contains(gaps[0].Reason, "global catalog") {
		t.Errorf("gaps = %+v, want one for the child domain", gaps)
	}
}
