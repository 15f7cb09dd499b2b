package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLDIFUnreadFirstOwnerIsNotRead: Managed, in manager mode, sends its
// delivery reports to the group Owners (manager-is-group). In the next
// export its first owner is a DN the export does not hold: the LDIF source
// records a gap, and the group must be incomplete with ownerUnknown, on its
// own summary line, and not-read against the first report, never resolved.
func TestLDIFUnreadFirstOwnerIsNotRead(t *testing.T) {
	t.Parallel()
	export := func(owner string) string {
		return `dn: CN=Managed,OU=Groups,DC=corp,DC=example,DC=test
objectClass: group
objectGUID:: AAAACgAAAECAAAAAAAAAAQ==
groupType: 8
mailNickname: managed
mail: managed@corp.example.test
msExchRequireAuthToSendTo: TRUE
reportToOwner: TRUE
reportToOriginator: FALSE
member: CN=Ann,OU=Users,DC=corp,DC=example,DC=test
managedBy: ` + owner + `
msExchCoManagedByLink: CN=Ann,OU=Users,DC=corp,DC=example,DC=test

dn: CN=Owners,OU=Groups,DC=corp,DC=example,DC=test
objectClass: group
objectGUID:: AAAACwAAAECAAAAAAAAAAQ==
groupType: 8
mailNickname: owners
mail: owners@corp.example.test
msExchRequireAuthToSendTo: TRUE
member: CN=Ann,OU=Users,DC=corp,DC=example,DC=test
managedBy: CN=Ann,OU=Users,DC=corp,DC=example,DC=test

dn: CN=Admin,OU=Users,DC=corp,DC=example,DC=test
objectClass: user
objectGUID:: AAAADAAAAECAAAAAAAAAAQ==
sAMAccountName: admin
` + ldifOrg
	}
	dir := t.TempDir()
	audited := func(name, owner string, args ...string) (report map[string]any, stderr string) {
		t.Helper()
		in, out := filepath.Join(dir, name+".ldf"), filepath.Join(dir, name+".json")
		if err := os.WriteFile(in, []byte(export(owner)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, stderr = dgaudit(t, append([]string{"audit", "--ldif", in, "-o", out, "--fail-on", "none"}, args...)...)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("%v; stderr:\n%s", err, stderr)
		}
		if err := json.Unmarshal(b, &report); err != nil {
			t.Fatal(err)
		}
		return report, stderr
	}
	managed := func(rep map[string]any) map[string]any {
		t.Helper()
		for _, g := range rep["groups"].([]any) {
			if g := g.(map[string]any); g["name"] == "Managed" {
				return g
			}
		}
		t.Fatal("Managed is not in the report")
		return nil
	}

	before, _ := audited("before", "CN=Owners,OU=Groups,DC=corp,DC=example,DC=test")
	g := managed(before)
	if fs := g["findings"].([]any); len(fs) == 0 || fs[0].(map[string]any)["rule"] != "manager-is-group" || g["incomplete"] != false {
		t.Fatalf("before: findings %v, incomplete %v; want manager-is-group on a group read in full", fs, g["incomplete"])
	}

	after, stderr := audited("after", "CN=Gone,OU=Users,DC=child,DC=corp,DC=example,DC=test", "--baseline", filepath.Join(dir, "before.json"))
	g = managed(after)
	st := g["settings"].(map[string]any)
	if g["incomplete"] != true || g["ownerUnknown"] != true || st["firstOwner"] != "unresolved" || g["change"] != "not-read" {
		t.Errorf("after: incomplete %v, ownerUnknown %v, firstOwner %v, change %v; want true, true, unresolved, not-read",
			g["incomplete"], g["ownerUnknown"], st["firstOwner"], g["change"])
	}
	// An owner that was read and is no recipient (an administrator
	// without a mailbox) receives no report and was not unread: the group
	// is complete, and moving the reports off the group Owners fixed it.
	fixed, _ := audited("fixed", "CN=Admin,OU=Users,DC=corp,DC=example,DC=test", "--baseline", filepath.Join(dir, "before.json"))
	g2 := managed(fixed)
	if g2["incomplete"] != false || g2["ownerUnknown"] != nil || g2["change"] != "resolved" {
		t.Errorf("non-mail owner: incomplete %v, ownerUnknown %v, change %v; want false, absent, resolved", g2["incomplete"], g2["ownerUnknown"], g2["change"])
	}
	if line := "incomplete: 1 groups are in manager mode with a first owner that could not be read or resolved"; !strings.Contains(stderr, line) ||
		!strings.Contains(stderr, "manager-is-group): Managed\n") {
		t.Errorf("stderr lacks the owner line %q naming Managed:\n%s", line, stderr)
	}
}
