package reports

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
)

// writers is every format, for the tests that hold for all of them.
var writers = []struct {
	name   string
	writer Writer
}{
	{"json", JSON{}},
	{"xlsx", XLSX{}},
	{"csv", CSV{}},
}

func TestWritersDoNotModifyReport(t *testing.T) {
	t.Parallel()
	for _, tt := range writers {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, want := testReport(), testReport()
			if err := tt.writer.Write(io.Discard, rep); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, rep, cmp.AllowUnexported(audit.SettingValue{})); diff != "" {
				t.Errorf("Write changed the report (-before +after):\n%s", diff)
			}
		})
	}
}

func TestWritersReturnWriteErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range writers {
		for _, limit := range []int{0, 100} {
			t.Run(fmt.Sprintf("%s after %d bytes", tt.name, limit), func(t *testing.T) {
				t.Parallel()
				err := tt.writer.Write(&brokenWriter{limit: limit}, testReport())
				if !errors.Is(err, errBroken) {
					t.Fatalf("writer failing after %d bytes: Write error = %v, want one wrapping %v", limit, err, errBroken)
				}
				if !strings.HasPrefix(err.Error(), tt.name+": ") {
					t.Errorf("error %q does not start with %q", err, tt.name+": ")
				}
			})
		}
	}
}

func TestWritersRefuseNilReport(t *testing.T) {
	t.Parallel()
	for _, tt := range writers {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.writer.Write(io.Discard, nil); err == nil {
				t.Error("Write(nil report) succeeded")
			}
		})
	}
}
