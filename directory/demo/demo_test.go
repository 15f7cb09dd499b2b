package demo

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"dgaudit/directory"
	"dgaudit/directory/demo/internal/build"
)

// The committed demo.json must be exactly what the generator writes, so that
// nobody edits it by hand and a change to the scenarios is never forgotten.
func TestEmbeddedFileMatchesGenerator(t *testing.T) {
	var want bytes.Buffer
	if err := build.Snapshot().Write(&want); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(want.Bytes(), snapshotJSON) {
		return
	}
	got := strings.Split(string(snapshotJSON), "\n")
	exp := strings.Split(want.String(), "\n")
	for i := range max(len(got), len(exp)) {
		var g, e string
		if i < len(got) {
			g = got[i]
		}
		if i < len(exp) {
			e = exp[i]
		}
		if g != e {
			t.Fatalf("demo.json is stale (first difference at line %d: have %q, generator writes %q); run: go generate ./directory/demo", i+1, g, e)
		}
	}
	t.Fatal("demo.json is stale; run: go generate ./directory/demo")
}

var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSnapshotIsConsistent(t *testing.T) {
	s, err := Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "demo" || s.SchemaVersion != directory.SchemaVersion || !s.CollectedAt.Equal(build.CollectedAt) {
		t.Errorf("header: source %q, schema %d, collected %v", s.Source, s.SchemaVersion, s.CollectedAt)
	}
	if !s.Coverage.Complete() {
		t.Errorf("demo coverage has gaps: %+v", s.Coverage.Gaps)
	}
	if len(s.Org.AcceptedDomains) == 0 || len(s.Org.RemoteDomains) == 0 {
		t.Error("demo organization lacks accepted or remote domains")
	}
	if rd, ok := s.Org.DefaultRemoteDomain(); !ok || rd.EffectiveOOFType() != directory.OOFExternal {
		t.Errorf("Default remote domain = %+v, %v; want one allowing external OOF", rd, ok)
	}

	ids := map[string]bool{}
	for _, g := range s.Groups {
		ids[g.ID] = true
	}
	for _, u := range s.Users {
		ids[u.ID] = true
	}
	for _, c := range s.Contacts {
		ids[c.ID] = true
	}
	for id := range ids {
		if !guidPattern.MatchString(id) {
			t.Errorf("id %q is not GUID-shaped", id)
		}
	}

	members := 0
	var unresolved []string
	for _, g := range s.Groups {
		members += len(g.Members)
		for _, m := range g.Members {
			if !ids[m] {
				unresolved = append(unresolved, g.Name+": "+m)
			}
		}
		// Owners, moderators and sender lists always resolve: only the
		// membership scenario has deliberately dangling references.
		for _, list := range [][]string{g.ManagedBy, g.ModeratedBy, g.AcceptOnlyFrom, g.AcceptOnlyFromMembersOf, g.RejectFrom, g.RejectFromMembersOf} {
			for _, ref := range list {
				if !ids[ref] {
					t.Errorf("group %s: reference %q resolves to nothing", g.Name, ref)
				}
			}
		}
	}
	wantUnresolved := []string{
		"Legacy Migration Team: CN=Gone User,OU=Disabled Users,DC=corp,DC=example",
		"Legacy Migration Team: CN=Old Contractor,OU=Contractors,DC=emea,DC=corp,DC=example",
	}
	if strings.Join(unresolved, "\n") != strings.Join(wantUnresolved, "\n") {
		t.Errorf("unresolved member references:\n%s\nwant:\n%s", strings.Join(unresolved, "\n"), strings.Join(wantUnresolved, "\n"))
	}

	wantRead := map[string]int{
		directory.CoverGroups:            len(s.Groups),
		directory.CoverUsers:             len(s.Users),
		directory.CoverContacts:          len(s.Contacts),
		directory.CoverGroupMembers:      members,
		directory.CoverAcceptedDomains:   len(s.Org.AcceptedDomains),
		directory.CoverRemoteDomains:     len(s.Org.RemoteDomains),
		directory.CoverRecipientFilter:   recipientFilterObjects(s),
		directory.CoverReceiveConnectors: len(s.Org.ReceiveConnectors),
	}
	for _, r := range s.Coverage.Read {
		if want, ok := wantRead[r.What]; !ok || r.Count != want {
			t.Errorf("coverage read %s = %d, want %d", r.What, r.Count, want)
		}
		delete(wantRead, r.What)
	}
	if len(wantRead) > 0 {
		t.Errorf("coverage does not record %v", wantRead)
	}

	// Sizes the brief for the demo asks for.
	if n := len(s.Groups); n < 40 || n > 50 {
		t.Errorf("%d groups, want 40-50", n)
	}
	mailboxes := 0
	kinds := map[directory.UserKind]int{}
	for _, u := range s.Users {
		kinds[u.Kind]++
		if u.Kind == directory.Mailbox {
			mailboxes++
		}
	}
	if mailboxes < 1100 || mailboxes > 1300 {
		t.Errorf("%d mailboxes, want about 1,200", mailboxes)
	}
	for _, k := range []directory.UserKind{directory.RemoteMailbox, directory.Guest, directory.MailUser} {
		if kinds[k] == 0 {
			t.Errorf("no user of kind %s", k)
		}
	}
}

// Each call decodes anew: changing one snapshot must not show in the next.
func TestSnapshotIsFreshCopy(t *testing.T) {
	ctx := context.Background()
	a, err := Source{}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := a.Groups[0].Name
	a.Groups[0].Name = "changed"
	a.Groups[0].Members[0] = "changed"
	a.Groups = a.Groups[:1]
	b, err := Source{}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Groups[0].Name != name || b.Groups[0].Members[0] == "changed" || len(b.Groups) < 2 {
		t.Error("a second Snapshot call sees changes made to the first one's result")
	}

	j := JSON()
	j[0] = 'x'
	if JSON()[0] != '{' {
		t.Error("JSON returns the embedded bytes, not a copy")
	}
}

func TestSnapshotHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Source{}).Snapshot(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// The generator is deterministic: two runs give the same bytes.
func TestGeneratorIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := build.Snapshot().Write(&a); err != nil {
		t.Fatal(err)
	}
	if err := build.Snapshot().Write(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two generator runs differ")
	}
}

// recipientFilterObjects is how many Recipient Filter configurations the
// snapshot holds: one when the organization has it, none when absent or
// not read.
func recipientFilterObjects(s *directory.Snapshot) int {
	if f := s.Org.RecipientFilter; f != nil && f.Present {
		return 1
	}
	return 0
}
