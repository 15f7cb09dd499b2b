package ldif

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"dgaudit/directory/internal/textenc/textenctest"
)

// FuzzParse checks that no input makes the parser or the mapping panic, and
// that whatever parses survives a round trip through LDIF written back out.
// The seed corpus is kept in testdata/fuzz/FuzzParse; run
// go test -fuzz=FuzzParse ./directory/ldif to extend it.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/ldifde.ldf", "testdata/ldapsearch.ldif"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		// As ldifde -u writes it; cut, for the decoder's errors.
		u := textenctest.UTF16(string(b), binary.LittleEndian, true)
		f.Add(u)
		f.Add(u[:len(u)-1])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var recs []Record
		err := Parse(bytes.NewReader(in), func(r Record) error {
			recs = append(recs, r)
			return nil
		})
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %v is not a SyntaxError", err)
			}
			return
		}
		var out []Record
		if err := Parse(bytes.NewReader(write(recs)), func(r Record) error {
			out = append(out, r)
			return nil
		}); err != nil {
			t.Fatalf("re-parse of written records: %v", err)
		}
		if diff := cmp.Diff(recs, out, cmpopts.IgnoreFields(Record{}, "Line"), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the records (-in +out):\n%s", diff)
		}
		// The mapping must cope with whatever the parser accepts.
		_, _ = Read(context.Background(), bytes.NewReader(in), "fuzz", time.Unix(0, 0))
	})
}

// write serializes records as LDIF, every value in base64.
func write(recs []Record) []byte {
	var b bytes.Buffer
	b64 := base64.StdEncoding.EncodeToString
	for _, r := range recs {
		b.WriteString("dn:: " + b64([]byte(r.DN)) + "\n")
		if r.Modify {
			b.WriteString("changetype: modify\n")
		}
		for _, a := range r.Attrs {
			if r.Modify {
				b.WriteString("add: " + a.Name + "\n")
			}
			b.WriteString(a.Name + ":: " + b64(a.Value) + "\n")
			if r.Modify {
				b.WriteString("-\n")
			}
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}
