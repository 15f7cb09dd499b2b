package ldif

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"

	"dgaudit/directory/internal/textenc/textenctest"
)

// readPath reads the file as Source does, but names every copy alike so
// that snapshots of copies compare equal.
func readPath(t *testing.T, path string) (*directory.Snapshot, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Read(context.Background(), f, "ldif:export", time.Unix(0, 0))
}

// testdata/ldifde-unicode.ldf is what ldifde -u writes: UTF-16LE after a
// byte order mark, CRLF line ends, and names outside ASCII as plain text
// (not base64), one of them outside the Basic Multilingual Plane.
func TestLdifdeUnicodeExport(t *testing.T) {
	t.Parallel()
	s, err := readPath(t, "testdata/ldifde-unicode.ldf")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Groups) != 1 || len(s.Contacts) != 1 {
		t.Fatalf("got %d groups, %d contacts; want 1, 1", len(s.Groups), len(s.Contacts))
	}
	c, g := s.Contacts[0], s.Groups[0]
	if c.Name != "Zoë Müller 🦊" || c.ExternalAddress != "zoe@partner.example" {
		t.Errorf("contact name %q external %q", c.Name, c.ExternalAddress)
	}
	// The member DN, with its non-ASCII characters, resolves to the contact.
	if g.Name != "Partner Räte" || !cmp.Equal(g.Members, []string{c.ID}) {
		t.Errorf("group %q members %v, want [%s]", g.Name, g.Members, c.ID)
	}
}

// The same export in each encoding Windows tools write gives the same
// snapshot as the UTF-8 file; an encoding that cannot be decoded is an error
// that names the file and says what is wrong, not a syntax error about
// "\xff\xfe".
func TestExportEncodings(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/ldifde.ldf")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n", "\r\n")
	want, err := readPath(t, "testdata/ldifde.ldf")
	if err != nil {
		t.Fatal(err)
	}
	le, be := binary.LittleEndian, binary.BigEndian
	cut := textenctest.UTF16(text, le, true)
	cut = cut[:len(cut)-1]
	tests := []struct {
		name    string
		data    []byte
		wantErr string // "" means it reads as the UTF-8 file does
	}{
		{"UTF-16LE (ldifde -u)", textenctest.UTF16(text, le, true), ""},
		{"UTF-16BE", textenctest.UTF16(text, be, true), ""},
		{"UTF-8 with a byte order mark", append([]byte{0xEF, 0xBB, 0xBF}, text...), ""},
		{"UTF-16LE without a byte order mark", textenctest.UTF16(text, le, false), "file.ldf: line 1: the file looks like UTF-16 without a byte order mark"},
		{"UTF-16LE cut in the middle of a character", cut, "file.ldf: line 118: invalid UTF-16 at byte 7980: the file ends in the middle of a character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "file.ldf")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" {
				_, err := Source{Path: path}.Snapshot(context.Background())
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			got, err := readPath(t, path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("snapshot differs from the UTF-8 file's (-want +got):\n%s", diff)
			}
		})
	}
}
