package exchange_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/exchange"
	"dgaudit/directory/exchange/exotest"

	"dgaudit/directory/internal/textenc/textenctest"
)

// reencode rewrites a UTF-8 export file as Windows PowerShell writes it with
// Export-Csv -Encoding Unicode or Out-File: UTF-16 after its byte order
// mark, with CRLF line ends. Without the mark when bom is false.
func reencode(t *testing.T, path string, order binary.AppendByteOrder, bom bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})), "\n", "\r\n")
	if err := os.WriteFile(path, textenctest.UTF16(text, order, bom), 0o644); err != nil {
		t.Fatal(err)
	}
}

func reencodeAll(t *testing.T, dir string, order binary.AppendByteOrder) {
	t.Helper()
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		reencode(t, filepath.Join(dir, n.Name()), order, true)
	}
}

// sourceless drops the export folder's name, the one thing two copies of an
// export differ in.
func sourceless(s *directory.Snapshot) *directory.Snapshot {
	s.Source = ""
	for i := range s.Coverage.Read {
		s.Coverage.Read[i].Source = ""
	}
	return s
}

// An export whose files are UTF-16 (every file, the manifest included)
// reads exactly as the same export in UTF-8.
func TestExportInUTF16(t *testing.T) {
	t.Parallel()
	for _, f := range []exotest.Format{exotest.CSV, exotest.JSON} {
		want, err := exchange.Export{Dir: writeDemoExport(t, f)}.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// Once, here: the parallel subtests share want.
		want = sourceless(want)
		for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			t.Run(string(f)+"/"+order.String(), func(t *testing.T) {
				t.Parallel()
				dir := writeDemoExport(t, f)
				reencodeAll(t, dir, order)
				got, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, sourceless(got)); d != "" {
					t.Errorf("snapshot differs from the UTF-8 export's (-want +got):\n%s", d)
				}
			})
		}
	}
}

// What cannot be decoded is an error that names the file and says why; a
// position in a decoded file is a line, not a byte of the text.
func TestExportEncodingErrors(t *testing.T) {
	t.Parallel()
	runExportErrors(t, []exportErrorCase{
		{"UTF-16 without a byte order mark", exotest.CSV, func(t *testing.T, dir string) {
			reencode(t, filepath.Join(dir, "DistributionGroup.csv"), binary.LittleEndian, false)
		}, []string{"DistributionGroup.csv: the file looks like UTF-16 without a byte order mark"}},
		{"UTF-16 cut in the middle of a character", exotest.CSV, func(t *testing.T, dir string) {
			path := filepath.Join(dir, "MailContact.csv")
			reencode(t, path, binary.LittleEndian, true)
			fi, _ := os.Stat(path)
			os.Truncate(path, fi.Size()-1)
		}, []string{"MailContact.csv: invalid UTF-16 at byte", "ends in the middle of a character"}},
		{"UTF-16 manifest without a byte order mark", exotest.CSV, func(t *testing.T, dir string) {
			reencode(t, filepath.Join(dir, "Manifest.json"), binary.LittleEndian, false)
		}, []string{"Manifest.json: the file looks like UTF-16"}},
		{"syntax error in a UTF-16 file", exotest.JSON, func(t *testing.T, dir string) {
			path := filepath.Join(dir, "Recipient.json")
			replace(t, path, `"Name":`, `"Name" `, 3)
			reencode(t, path, binary.LittleEndian, true)
		}, []string{"Recipient.json: element 1 at line 15: invalid character", "invalid character"}},
	})
}
