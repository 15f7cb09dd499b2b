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

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

func sample() *directory.Snapshot {
	return &directory.Snapshot{
		Source:      "test",
		CollectedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		Collector:   "dgaudit test",
		Org: directory.Organization{
			Name:            "Corp",
			AcceptedDomains: []directory.AcceptedDomain{{Domain: "corp.example", Type: directory.Authoritative, Default: true}},
			RemoteDomains:   []directory.RemoteDomain{{Name: "Default", DomainPattern: "*", AllowedOOFType: directory.OOFNone, AutoReplyEnabled: directory.False}},
		},
		Groups: []directory.Group{
			{Recipient: directory.Recipient{ID: "g2", Name: "Zeta", Mail: "zeta@corp.example"}, Kind: directory.Distribution, Members: []string{"u1", "c1", "u1"},
				RequireSenderAuth: directory.False, ReportToOriginator: directory.True, ManagedBy: []string{"u2", "u1"}},
			{Recipient: directory.Recipient{ID: "g1", Name: "Alpha", Mail: "alpha@corp.example", ProxyAddresses: []string{"SMTP:alpha@corp.example", "smtp:a@corp.example", "X500:/o=x"}}, Kind: directory.Dynamic,
				DynamicFilter: "(objectClass=contact)", MembersUnknown: true, SettingsUnknown: true},
		},
		Users:    []directory.User{{Recipient: directory.Recipient{ID: "u2", Name: "B", Mail: "b@corp.example"}, Kind: directory.Mailbox}, {Recipient: directory.Recipient{ID: "u1", Name: "A", Mail: "a@corp.example"}, Kind: directory.Mailbox}},
		Contacts: []directory.Contact{{Recipient: directory.Recipient{ID: "c1", Name: "Ext", Mail: "x@partner.example", ExternalAddress: "x@partner.example"}}},
		Coverage: directory.Coverage{Read: []directory.ReadCount{{What: "groups", Count: 2}}, Gaps: []directory.Gap{{What: "group-members", Object: "g1", Reason: "filter not run"}}},
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	s := sample()
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := directory.Decode(buf.Bytes())
	if err != nil {
		t.Fatalf("decode what Write wrote: %v\n%s", err, buf.String())
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// Canonical order: groups and members sorted, duplicates gone, ManagedBy kept.
	if got.Groups[0].ID != "g1" || !cmp.Equal(got.Groups[1].Members, []string{"c1", "u1"}) || !cmp.Equal(got.Groups[1].ManagedBy, []string{"u2", "u1"}) {
		t.Errorf("not canonical: %+v", got.Groups)
	}
	// Tri-state survives: unset is omitted, false is kept.
	text := buf.String()
	if !strings.Contains(text, `"requireSenderAuth": false`) || strings.Contains(text, `"reportToManager"`) {
		t.Errorf("tri-state encoding wrong:\n%s", text)
	}
	// Writing twice gives the same bytes.
	var again bytes.Buffer
	if err := got.Write(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("second write differs from the first")
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, want string
	}{
		{"empty", ``, "empty or truncated"},
		{"not json", "{\n  \"schemaVersion\": 1,\n  oops\n}", "line 3 column"},
		{"truncated", "{\"schemaVersion\": 1, \"groups\": [", "truncated"},
		{"no version", `{"groups": []}`, "not a dgaudit snapshot"},
		{"newer version", `{"schemaVersion": 99}`, "newer than this dgaudit reads"},
		{"unknown field", `{"schemaVersion": 1, "grups": []}`, `unknown field "grups"`},
		{"wrong type", "{\"schemaVersion\": 1,\n\"groups\": [{\"id\": 5}]}", `line 2`},
		{"bad tri", `{"schemaVersion": 1, "groups": [{"id": "g", "kind": "distribution", "requireSenderAuth": "yes"}]}`, "tri-state value"},
		{"duplicate ids", `{"schemaVersion": 1, "groups": [{"id": "x", "kind": "distribution"}], "contacts": [{"id": "x"}]}`, `id "x" is also used by groups[0]`},
		{"bad kind", `{"schemaVersion": 1, "groups": [{"id": "g", "kind": "team"}]}`, `unknown kind "team"`},
		{"bad domain type", `{"schemaVersion": 1, "organization": {"acceptedDomains": [{"domain": "a.example", "type": "owned"}]}}`, `unknown type "owned"`},
		{"trailing data", `{"schemaVersion": 1} {}`, "line 1 column 23: trailing data"},
		{"several problems at once", `{"schemaVersion": 1, "groups": [{"id": "", "kind": "x"}], "users": [{"id": "u", "kind": "robot"}]}`, "empty id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := directory.Decode([]byte(tc.input))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := directory.Decode([]byte(`{"schemaVersion": 1, "groups": [{"id": "", "kind": "x"}], "users": [{"id": "u", "kind": "robot"}]}`))
	for _, want := range []string{"empty id", `unknown kind "x"`, `unknown kind "robot"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %q", err, want)
		}
	}
}

func TestFileSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "s.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sample().Write(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s, err := directory.File{Path: path}.Snapshot(context.Background())
	if err != nil || len(s.Groups) != 2 {
		t.Fatalf("read back: %v", err)
	}
	_, err = directory.File{Path: filepath.Join(dir, "missing.json")}.Snapshot(context.Background())
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file error = %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	if err := sample().Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schemaVersion": 1}`))
	f.Add([]byte(`{"schemaVersion": 1, "groups": [{"id": "g", "kind": "dynamic", "members": ["a", "a"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := directory.Decode(data)
		if err != nil {
			return
		}
		// Anything accepted must survive a write and a second read unchanged.
		var out bytes.Buffer
		if err := s.Write(&out); err != nil {
			t.Fatalf("write accepted snapshot: %v", err)
		}
		again, err := directory.Decode(out.Bytes())
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, out.String())
		}
		if !cmp.Equal(s, again) {
			t.Fatalf("round trip changed the snapshot: %s", cmp.Diff(s, again))
		}
	})
}

// An empty list in the file is the list Write leaves out: both read back
// alike, so a snapshot read, written and read again is unchanged.
func TestEmptyListsReadAsOmitted(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := sample().Write(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	group := doc["groups"].([]any)[0].(map[string]any)
	for _, k := range []string{"managedBy", "moderatedBy", "acceptOnlyFrom", "rejectFromMembersOf", "proxyAddresses"} {
		group[k] = []any{}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := directory.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.Write(&out); err != nil {
		t.Fatal(err)
	}
	again, err := directory.Decode(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(s, again) {
		t.Errorf("round trip changed the snapshot: %s", cmp.Diff(s, again))
	}
}
