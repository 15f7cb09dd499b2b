package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// TestExternalKindsAreDocumented checks that docs/report-schema.md lists
// every kind an external recipient can have: each kind of user that can
// route outside, and contacts.
func TestExternalKindsAreDocumented(t *testing.T) {
	t.Parallel()
	b := dt.New().Mailbox("o").Contact("c", "c@partner.example")
	members := []string{"o", "c"}
	for _, k := range []directory.UserKind{directory.Mailbox, directory.MailUser, directory.RemoteMailbox, directory.Guest} {
		id := "u-" + string(k)
		b.User(id, k, id+"@partner.example")
		members = append(members, id)
	}
	rep, err := audit.Run(context.Background(), b.Group("G", members).Snapshot(), nil, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range rep.Groups[0].External {
		if !slices.Contains(kinds, e.Kind) {
			kinds = append(kinds, e.Kind)
		}
	}
	if len(kinds) != 4 {
		t.Fatalf("external kinds %v, want contact and three user kinds (a mailbox is never external)", kinds)
	}

	doc, err := os.ReadFile(filepath.Join("..", "docs", "report-schema.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "### `externalRecipients[]`")
	section, _, _ = strings.Cut(section, "\n### ")
	row := regexp.MustCompile("(?m)^\\| `kind` \\| string \\| (.*)$").FindStringSubmatch(section)
	if row == nil {
		t.Fatal("docs/report-schema.md: no kind row under externalRecipients[]")
	}
	for _, k := range kinds {
		if !strings.Contains(row[1], "`"+k+"`") {
			t.Errorf("docs/report-schema.md: externalRecipients[].kind does not list %q: %s", k, row[1])
		}
	}
}
