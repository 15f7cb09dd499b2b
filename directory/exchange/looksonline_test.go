package exchange

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLooksOnlineSamples: the guess reads only the first onlineSample
// groups, so a large export is not read twice in full (the main read then
// reports the broken tail that the guess never reached).
func TestLooksOnlineSamples(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, n int, edoid bool, tail string) string {
		var b strings.Builder
		b.WriteString("[")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			id := ""
			if edoid {
				id = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
			}
			fmt.Fprintf(&b, `{"Name": "G%d", "ExternalDirectoryObjectId": %q}`, i, id)
		}
		b.WriteString(tail)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name       string
		path       string
		wantOnline bool
		wantErr    bool
	}{
		{"online, broken past the sample", write("a.json", onlineSample, true, `, {"Name": `), true, false},
		{"on-premises", write("b.json", 3, false, "]"), false, false},
		{"broken within the sample", write("c.json", 3, true, `, {"Name": `), false, true},
	}
	for _, tt := range tests {
		online, err := looksOnline(context.Background(), tt.path)
		if (err != nil) != tt.wantErr || err == nil && online != tt.wantOnline {
			t.Errorf("%s: online %v, err %v; want %v, error %v", tt.name, online, err, tt.wantOnline, tt.wantErr)
		}
	}
}
