package directory_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

func TestTri(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tri      directory.Tri
		json     string
		orF, orT bool
		isSet    bool
	}{
		{directory.Unset, "null", false, true, false},
		{directory.True, "true", true, true, true},
		{directory.False, "false", false, false, true},
	} {
		b, _ := json.Marshal(tc.tri)
		if string(b) != tc.json || tc.tri.Or(false) != tc.orF || tc.tri.Or(true) != tc.orT || tc.tri.IsSet() != tc.isSet {
			t.Errorf("%v: json %s or(false) %v or(true) %v set %v", tc.tri, b, tc.tri.Or(false), tc.tri.Or(true), tc.tri.IsSet())
		}
		var back directory.Tri
		if err := json.Unmarshal(b, &back); err != nil || back != tc.tri {
			t.Errorf("%s read back as %v (%v)", b, back, err)
		}
	}
}

func TestEffectiveDefaults(t *testing.T) {
	t.Parallel()
	dist := directory.Group{Kind: directory.Distribution}
	dyn := directory.Group{Kind: directory.Dynamic}
	m365 := directory.Group{Kind: directory.Microsoft365}
	if dist.EffectiveRequireSenderAuth() || !m365.EffectiveRequireSenderAuth() {
		t.Error("absent msExchRequireAuthToSendTo must read false; Microsoft 365 groups default closed")
	}
	if dist.EffectiveOOFToOriginator() || !dyn.EffectiveOOFToOriginator() {
		t.Error("OOF to originator defaults false for distribution groups, true for dynamic ones")
	}
	both := directory.Group{ReportToOriginator: directory.True, ReportToManager: directory.True}
	if both.DeliveryReports() != directory.ReportToManagerTarget {
		t.Error("manager wins when both report flags are on")
	}
	if dist.DeliveryReports() != directory.ReportToNobody {
		t.Error("absent report flags mean no delivery reports")
	}
}

func TestAddresses(t *testing.T) {
	t.Parallel()
	r := directory.Recipient{Mail: "A@Corp.Example", ProxyAddresses: []string{"SMTP:a@corp.example", "smtp:alias@corp.example", "X500:/o=x", "sip:a@corp.example"}}
	if diff := cmp.Diff([]string{"a@corp.example", "alias@corp.example"}, r.SMTPAddresses()); diff != "" {
		t.Errorf("SMTPAddresses (-want +got):\n%s", diff)
	}
	if got := directory.StripAddressType("SMTP:bob@partner.example"); got != "bob@partner.example" {
		t.Errorf("StripAddressType = %q", got)
	}
	if got := directory.StripAddressType("X400:c=us;a= ;"); got != "X400:c=us;a= ;" {
		t.Errorf("non-SMTP target changed: %q", got)
	}
	for addr, want := range map[string]string{"a@B.Example.": "b.example", "nodomain": "", "a@": ""} {
		if got := directory.Domain(addr); got != want {
			t.Errorf("Domain(%q) = %q, want %q", addr, got, want)
		}
	}
	if (directory.Recipient{Mail: "m@corp.example", ExternalAddress: "x@partner.example"}).RoutingAddress() != "x@partner.example" {
		t.Error("routing address must be the target address when set")
	}
}

func TestDomainMatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, domain string
		sub, want       bool
	}{
		{"corp.example", "corp.example", false, true},
		{"corp.example", "a.corp.example", false, false},
		{"corp.example", "a.corp.example", true, true},
		{"*.corp.example", "a.b.corp.example", false, true},
		{"*.corp.example", "corp.example", false, true},
		{"*.corp.example", "evilcorp.example", false, false},
		{"corp.example", "evilcorp.example", true, false},
		{"*", "anything.example", false, true},
		{"CORP.example", "corp.example", false, true},
	} {
		if got := directory.DomainMatches(tc.pattern, tc.domain, tc.sub); got != tc.want {
			t.Errorf("DomainMatches(%q, %q, %v) = %v", tc.pattern, tc.domain, tc.sub, got)
		}
	}
}
