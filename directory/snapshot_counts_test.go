package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dgaudit/directory"
)

// counted is a snapshot whose coverage counts every kind it holds, as a
// collection writes it.
func counted() *directory.Snapshot {
	s := &directory.Snapshot{
		Source:      "test",
		CollectedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		Org: directory.Organization{
			AcceptedDomains: []directory.AcceptedDomain{
				{Domain: "corp.example", Type: directory.Authoritative, Default: true},
				{Domain: "sub.corp.example", Type: directory.InternalRelay},
			},
			RemoteDomains:     []directory.RemoteDomain{{Name: "Default", DomainPattern: "*"}},
			RecipientFilter:   &directory.RecipientFilter{Present: true},
			ReceiveConnectors: []directory.ReceiveConnector{{Name: "Default EX01", Server: "EX01"}},
		},
		Groups: []directory.Group{
			{Recipient: directory.Recipient{ID: "g1"}, Kind: directory.Distribution, Members: []string{"u1", "c1"}},
			{Recipient: directory.Recipient{ID: "g2"}, Kind: directory.Distribution, Members: []string{"u2"}},
			{Recipient: directory.Recipient{ID: "g3"}, Kind: directory.MailSecurity, Members: []string{}},
		},
		Users: []directory.User{
			{Recipient: directory.Recipient{ID: "u1"}, Kind: directory.Mailbox},
			{Recipient: directory.Recipient{ID: "u2"}, Kind: directory.Mailbox},
		},
		Contacts: []directory.Contact{{Recipient: directory.Recipient{ID: "c1"}}},
	}
	for _, r := range []struct {
		what string
		n    int
	}{
		{directory.CoverGroups, 3}, {directory.CoverUsers, 2}, {directory.CoverContacts, 1}, {directory.CoverGroupMembers, 3},
		{directory.CoverAcceptedDomains, 2}, {directory.CoverRemoteDomains, 1},
		{directory.CoverRecipientFilter, 1}, {directory.CoverReceiveConnectors, 1},
	} {
		s.Coverage.AddRead(r.what, r.n, "test")
	}
	return s
}

// A snapshot whose coverage does not match its contents, or that lacks a
// section, was damaged after dgaudit wrote it: read as it stands it would
// audit part of a directory (or none of it) and call the audit complete.
func TestDamagedSnapshotIsRefused(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := counted().Write(&buf); err != nil {
		t.Fatal(err)
	}
	whole := buf.Bytes()
	setRead := func(m map[string]any, what string, counts ...int) {
		cov := m["coverage"].(map[string]any)
		var read []any
		for _, r := range cov["read"].([]any) {
			if r.(map[string]any)["what"] != what {
				read = append(read, r)
			}
		}
		for _, n := range counts {
			read = append(read, map[string]any{"what": what, "count": n})
		}
		cov["read"] = read
	}
	addGap := func(m map[string]any, what string) {
		cov := m["coverage"].(map[string]any)
		cov["gaps"] = append(cov["gaps"].([]any), map[string]any{"what": what, "reason": "could not map"})
	}
	org := func(m map[string]any) map[string]any { return m["organization"].(map[string]any) }
	tests := []struct {
		name string
		edit func(m map[string]any)
		want string // "" means the file is accepted
	}{
		{"as written", func(map[string]any) {}, ""},
		{"no groups key", func(m map[string]any) { delete(m, "groups") }, `no "groups" key at the top level`},
		{"no coverage key", func(m map[string]any) { delete(m, "coverage") }, `no "coverage" key`},
		{"several keys missing", func(m map[string]any) { delete(m, "organization"); delete(m, "users") }, `no "organization", "users" keys`},
		{"no source or time", func(m map[string]any) { delete(m, "source"); delete(m, "collectedAt") }, `no "source", "collectedAt" keys`},
		{"groups emptied", func(m map[string]any) { m["groups"] = []any{} }, `coverage.read records 3 groups read, but "groups" holds 0`},
		{"a user cut", func(m map[string]any) { m["users"] = m["users"].([]any)[:1] }, `records 2 users read, but "users" holds 1`},
		{"a contact added", func(m map[string]any) {
			m["contacts"] = append(m["contacts"].([]any), map[string]any{"id": "c2"})
		}, `records 1 contacts read, but "contacts" holds 2`},
		{"accepted domains emptied", func(m map[string]any) { org(m)["acceptedDomains"] = []any{} }, `"organization.acceptedDomains" holds 0`},
		{"accepted domains key gone", func(m map[string]any) { delete(org(m), "acceptedDomains") }, `records 2 accepted-domains read, but "organization.acceptedDomains" holds 0`},
		{"a domain that did not map, with its gap", func(m map[string]any) {
			org(m)["acceptedDomains"] = org(m)["acceptedDomains"].([]any)[:1]
			addGap(m, "accepted domain")
		}, ""},
		{"more remote domains than read", func(m map[string]any) {
			org(m)["remoteDomains"] = append(org(m)["remoteDomains"].([]any), map[string]any{"name": "P", "domainPattern": "p.example"})
		}, `records 1 remote-domains read, but "organization.remoteDomains" holds 2`},
		{"receive connectors gone", func(m map[string]any) { delete(org(m), "receiveConnectors") }, `"organization.receiveConnectors" is absent`},
		{"recipient filter gone", func(m map[string]any) { delete(org(m), "recipientFilter") }, `"organization.recipientFilter" is absent and no gap says why`},
		{"recipient filter unmapped, with its gap", func(m map[string]any) {
			delete(org(m), "recipientFilter")
			addGap(m, directory.CoverRecipientFilter)
		}, ""},
		{"two sources merged", func(m map[string]any) { setRead(m, directory.CoverGroups, 2, 2) }, ""},
		{"two sources, fewer than either", func(m map[string]any) { setRead(m, directory.CoverGroups, 4, 1) }, `records 4 + 1 groups read, but "groups" holds 3`},
		{"two sources, more than both", func(m map[string]any) { setRead(m, directory.CoverGroups, 1, 1) }, `records 1 + 1 groups read, but "groups" holds 3`},
		{"negative count", func(m map[string]any) { setRead(m, directory.CoverGroups, -1) }, `count -1 is negative`},
		{"no counts recorded", func(m map[string]any) { m["coverage"] = map[string]any{} }, ""},
		{"every problem listed", func(m map[string]any) { m["groups"] = []any{}; m["users"] = []any{} }, `"groups" holds 0` + "\n" + `coverage.read records 2 users read, but "users" holds 0`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var m map[string]any
			if err := json.Unmarshal(whole, &m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m)
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = directory.Decode(data)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), "damaged snapshot"):
				t.Errorf("err = %v, want it to say the snapshot is damaged", err)
			}
		})
	}
}

// The error names the file it came from, as every snapshot error does.
func TestDamagedSnapshotFileNamed(t *testing.T) {
	t.Parallel()
	s := counted()
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "groups")
	data, _ := json.Marshal(m)
	path := filepath.Join(t.TempDir(), "nogroups.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := directory.File{Path: path}.Snapshot(context.Background())
	if err == nil || !strings.Contains(err.Error(), "snapshot "+path+": damaged snapshot: no \"groups\" key") {
		t.Errorf("err = %v, want it to name %s and the missing key", err, path)
	}
}
