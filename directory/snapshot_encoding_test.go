package directory_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/directory"

	"dgaudit/directory/internal/textenc/textenctest"
)

// dgaudit writes snapshots in UTF-8. One re-saved as UTF-16 (by Windows
// PowerShell's Out-File or ">", say) is refused with a message that says
// so, not "invalid character 'ÿ'"; a UTF-8 byte order mark, which an editor
// may add, is skipped, and positions in errors still count from the text.
func TestSnapshotEncodings(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := counted().Write(&buf); err != nil {
		t.Fatal(err)
	}
	crlf := strings.ReplaceAll(buf.String(), "\n", "\r\n")
	bom := []byte{0xEF, 0xBB, 0xBF}
	broken := "{\n  \"schemaVersion\": 1,\n  oops\n}"
	tests := []struct {
		name, want string // want "" means the file is read
		data       []byte
	}{
		{"UTF-16LE with CRLF", "is UTF-16LE, so something re-saved it", textenctest.UTF16(crlf, binary.LittleEndian, true)},
		{"UTF-16BE", "is UTF-16BE", textenctest.UTF16(buf.String(), binary.BigEndian, true)},
		{"UTF-16LE without a mark", "looks like UTF-16 without a byte order mark", textenctest.UTF16(crlf, binary.LittleEndian, false)},
		{"UTF-8 with a mark", "", append(bom, buf.Bytes()...)},
		{"UTF-8 with a mark and CRLF", "", append(bom, crlf...)},
		{"syntax error after a mark", "line 3 column 3: invalid character 'o'", append(bom, broken...)},
		{"syntax error", "line 3 column 3: invalid character 'o'", []byte(broken)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "snap.json")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := directory.File{Path: path}.Snapshot(context.Background())
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want == "" && len(s.Groups) != 3:
				t.Errorf("read %d groups, want 3", len(s.Groups))
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), "snapshot "+path+": ") || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want it to name %s and contain %q", err, path, tc.want)
			}
			// Decode, for a snapshot held in memory, says the same.
			_, derr := directory.Decode(tc.data)
			if (derr == nil) != (tc.want == "") || derr != nil && !strings.Contains(derr.Error(), tc.want) {
				t.Errorf("Decode: err = %v, want %q", derr, tc.want)
			}
		})
	}
}
