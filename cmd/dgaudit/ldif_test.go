package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ldifOrg is an export's configuration partition, so that the only gap left
// is the one the test is about.
const ldifOrg = `
dn: CN=Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example,DC=test
objectClass: msExchOrganizationContainer
cn: Corp

dn: CN=corp.example.test,CN=Accepted Domains,CN=Transport Settings,CN=Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example,DC=test
objectClass: msExchAcceptedDomain
cn: corp.example.test
msExchAcceptedDomainName: corp.example.test
msExchAcceptedDomainFlags: 4

dn: CN=Default,CN=Internet Message Formats,CN=Global Settings,CN=Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example,DC=test
objectClass: msExchDomainContentConfig
cn: Default
domainName: *
msExchRoutingAcceptMessageType: 24

dn: CN=Bob,OU=Contacts,DC=corp,DC=example,DC=test
objectClass: contact
objectGUID:: AAAADAAAAECAAAAAAAAAAQ==
mailNickname: bob
targetAddress: SMTP:bob@partner.example

dn: CN=Ann,OU=Users,DC=corp,DC=example,DC=test
objectClass: user
objectGUID:: AAAADgAAAECAAAAAAAAAAQ==
mailNickname: ann
mail: ann@corp.example.test
homeMDB: CN=DB01,DC=corp,DC=example,DC=test
userAccountControl: 512
`

// An ldapsearch export of a group larger than MaxValRange holds only the
// first chunk of member: auditing it must end "incomplete" (4), not pass
// judgement on the members it happens to hold.
func TestLDIFRangedMembersExitCode(t *testing.T) {
	t.Parallel()
	group := func(members string) string {
		return `dn: CN=Partners,OU=Groups,DC=corp,DC=example,DC=test
objectClass: group
objectGUID:: AAAACgAAAECAAAAAAAAAAQ==
groupType: 8
mailNickname: partners
mail: partners@corp.example.test
reportToOriginator: TRUE
msExchRequireAuthToSendTo: FALSE
managedBy: CN=Ann,OU=Users,DC=corp,DC=example,DC=test
` + members + ldifOrg
	}
	tests := []struct {
		name, members string
		want          int
		stderr        string
	}{
		{"whole ranged attribute", "member;range=0-*: CN=Bob,OU=Contacts,DC=corp,DC=example,DC=test\nmember;range=0-*: CN=Ann,OU=Users,DC=corp,DC=example,DC=test\n", exitFindings, "exit 1"},
		{"first chunk only", "member;range=0-0: CN=Bob,OU=Contacts,DC=corp,DC=example,DC=test\n", exitGaps, "only members 0-0 of the ranged attribute member"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "export.ldf")
			if err := os.WriteFile(path, []byte(group(tc.members)), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := dgaudit(t, "audit", "--ldif", path, "-o", filepath.Join(t.TempDir(), "r.json"))
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.want, stderr)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
		})
	}
}
