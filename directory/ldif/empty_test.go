package ldif

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	mailUser = "dn: CN=Ann Admin,OU=Users,DC=corp,DC=test\nobjectClass: user\ncn: Ann Admin\n" +
		"objectGUID:: AAAADgAAAECAAAAAAAAAAQ==\nmailNickname: ann\nmail: ann@corp.test\n" +
		"homeMDB: CN=DB01,CN=Databases,DC=corp,DC=test\nuserAccountControl: 512\n\n"
	plainUser = "dn: CN=Printer Service,OU=Users,DC=corp,DC=test\nobjectClass: user\ncn: Printer Service\n" +
		"objectGUID:: AAAADgAAAECAAAAAAAAAAg==\nuserAccountControl: 514\n\n"
	computer       = "dn: CN=WS01,OU=Computers,DC=corp,DC=test\nobjectClass: computer\ncn: WS01\n\n"
	acceptedDomain = "dn: CN=corp.test,CN=Accepted Domains,CN=Transport Settings,CN=Corp,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=test\n" +
		"objectClass: msExchAcceptedDomain\ncn: corp.test\nmsExchAcceptedDomainName: corp.test\nmsExchAcceptedDomainFlags: 4\n\n"
	// A group exported with ldifde -l "cn,member": without its Exchange
	// attributes it cannot be told from a plain security group.
	bareGroup = "dn: CN=All Staff,OU=Groups,DC=corp,DC=test\nobjectClass: group\ncn: All Staff\n" +
		"objectGUID:: AAAACgAAAECAAAAAAAAAAQ==\nmember: CN=Ann Admin,OU=Users,DC=corp,DC=test\n\n"
)

// An export with nothing the audit reads is refused, naming the file: an
// empty file (a failed or mistaken export) would otherwise be audited as an
// organization with no groups. An export of recipients or settings alone
// can be meant, and is read.
func TestExportWithNothingToAudit(t *testing.T) {
	t.Parallel()
	const noEntries = "the file holds no entries"
	const nothingMapped = "is a mail-enabled group, a recipient or an Exchange setting"
	tests := []struct {
		name, in, want string // want "" means the file is read
	}{
		{"empty file", "", noEntries},
		{"blank lines", "\r\n\r\n\n", noEntries},
		{"only a version line and comments", "version: 1\n# exported by ldifde\n\n", noEntries},
		{"ldapsearch with a failed search", "# extended LDIF\n#\n\n# search result\nsearch: 2\nresult: 32 No such object\n\n# numResponses: 1\n", `ended with "32 No such object", not 0 Success: fix the search`},
		{"UTF-16 with only the byte order mark", "\xff\xfe", noEntries},
		{"only users without mail and computers", plainUser + computer, "none of the file's 2 entries " + nothingMapped},
		{"groups exported without their Exchange attributes", bareGroup, "none of the file's 1 entries " + nothingMapped},
		{"mail users only", mailUser + plainUser, ""},
		{"settings only", acceptedDomain, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "export.ldf")
			if err := os.WriteFile(path, []byte(tc.in), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Source{Path: path}.Snapshot(context.Background())
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), "ldif: "+path+": ") || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want it to name %s and contain %q", err, path, tc.want)
			}
		})
	}
}
