package directory_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"dgaudit/directory"
)

// A key given twice in the top-level object would let the second section
// replace the first unseen: the audit would pass judgement on half the
// directory and call it complete. The reader refuses it and says where.
func TestDuplicateTopLevelKeyIsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, key string
		line             int
	}{
		{"groups", "{\"schemaVersion\": 1,\n\"groups\": [{\"id\": \"a\", \"kind\": \"distribution\"}],\n\"groups\": [{\"id\": \"b\", \"kind\": \"distribution\"}]}", "groups", 3},
		{"users", "{\"schemaVersion\": 1,\n\"users\": [{\"id\": \"a\", \"kind\": \"mailbox\"}],\n\"users\": []}", "users", 3},
		{"contacts", "{\"schemaVersion\": 1,\n\"contacts\": [{\"id\": \"a\"}],\n\"contacts\": [{\"id\": \"b\"}]}", "contacts", 3},
		{"organization", "{\"schemaVersion\": 1,\n\"organization\": {\"name\": \"A\"},\n\"organization\": {\"name\": \"B\"}}", "organization", 3},
		{"coverage", "{\"schemaVersion\": 1,\n\"coverage\": {\"gaps\": [{\"what\": \"groups\", \"reason\": \"x\"}]},\n\"coverage\": {}}", "coverage", 3},
		{"schemaVersion", "{\"schemaVersion\": 1,\n\"schemaVersion\": 1}", "schemaVersion", 2},
		{"source", "{\"schemaVersion\": 1, \"source\": \"a\",\n\n\"source\": \"b\"}", "source", 3},
		{"collectedAt", "{\"schemaVersion\": 1, \"collectedAt\": \"2026-01-01T00:00:00Z\", \"collectedAt\": \"2026-01-02T00:00:00Z\"}", "collectedAt", 1},
		{"collector", "{\"schemaVersion\": 1, \"collector\": \"a\", \"collector\": \"a\"}", "collector", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := directory.Decode([]byte(tc.input))
			if err == nil {
				t.Fatal("a duplicated key was accepted")
			}
			for _, want := range []string{`key "` + tc.key + `" appears twice`, "line " + strconv.Itoa(tc.line) + " "} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to contain %q", err, want)
				}
			}
			// The file source names the file and the line as well.
			path := filepath.Join(t.TempDir(), "dup.json")
			if err := os.WriteFile(path, []byte(tc.input), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err = directory.File{Path: path}.Snapshot(context.Background())
			if err == nil || !strings.Contains(err.Error(), "dup.json: line "+strconv.Itoa(tc.line)+" ") || !strings.Contains(err.Error(), `"`+tc.key+`"`) {
				t.Errorf("file source err = %v", err)
			}
		})
	}

	// A valid file, every section once, still reads.
	var buf bytes.Buffer
	if err := sample().Write(&buf); err != nil {
		t.Fatal(err)
	}
	s, err := directory.Decode(buf.Bytes())
	if err != nil || len(s.Groups) != 2 || len(s.Users) != 2 || len(s.Contacts) != 1 {
		t.Fatalf("valid snapshot: %v", err)
	}
}
