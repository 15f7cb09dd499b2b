package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
)

func TestJSONGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writer JSON
		rep    *audit.Report
	}{
		{name: "report.json", writer: JSON{Tool: "dgaudit test"}, rep: testReport()},
		{name: "empty.json", writer: JSON{}, rep: emptyReport()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := tt.writer.Write(&buf, tt.rep); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(buf.Bytes()) {
				t.Fatalf("output is not valid JSON:\n%s", buf.String())
			}
			if path := findNull(decode(t, buf.Bytes()), "$"); path != "" {
				t.Errorf("%s is null; lists must be [] and objects {}", path)
			}
			checkGolden(t, tt.name, buf.Bytes())
		})
	}
}

func TestJSONTopLevelOrder(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := (JSON{}).Write(&buf, testReport()); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"schemaVersion", "tool", "source", "collectedAt", "auditedAt", "complete", "coverage", "summary", "organization", "groups", "rules"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("top-level keys (-want +got):\n%s", diff)
	}
}

func TestJSONValues(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := (JSON{}).Write(&buf, testReport()); err != nil {
		t.Fatal(err)
	}
	doc := decode(t, buf.Bytes()).(map[string]any)
	groups := doc["groups"].([]any)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"default tool", doc["tool"], "dgaudit"},
		{"audit time in UTC", doc["auditedAt"], "2026-03-02T07:31:05Z"},
		{"group count", len(groups), 4},
		{"groups keep report order", groups[1].(map[string]any)["name"], `=HYPERLINK("http://x","y")`},
		{"dn omitted when empty", hasKey(groups[3], "dn"), false},
		{"dn present when set", hasKey(groups[0], "dn"), true},
		{"adjust omitted when zero", hasKey(firstFinding(groups[0]), "adjust"), false},
		{"via is [] for a direct member", groups[0].(map[string]any)["externalRecipients"].([]any)[0].(map[string]any)["via"], []any{}},
		{"byBand in worst-first order", keyOrder(t, buf.Bytes(), "byBand"), "critical,high,medium,low,none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestJSONStreams checks that output reaches the io.Writer in bounded
// pieces as it is produced, rather than as one write of the whole report.
func TestJSONStreams(t *testing.T) {
	t.Parallel()
	rep := syntheticReport(2000, 3, 2)
	var cw countingWriter
	if err := (JSON{}).Write(&cw, rep); err != nil {
		t.Fatal(err)
	}
	if cw.writes < 10 || cw.largest > 64<<10 {
		t.Errorf("%d bytes in %d writes, largest %d: want many writes of at most 64 KiB", cw.total, cw.writes, cw.largest)
	}
}

type countingWriter struct{ writes, largest, total int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	w.largest = max(w.largest, len(p))
	w.total += len(p)
	return len(p), nil
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// findNull returns the path of the first null in v, or "".
func findNull(v any, path string) string {
	switch v := v.(type) {
	case nil:
		return path
	case map[string]any:
		for k, x := range v {
			if p := findNull(x, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for i, x := range v {
			if p := findNull(x, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

func hasKey(obj any, key string) bool {
	_, ok := obj.(map[string]any)[key]
	return ok
}

func firstFinding(group any) any {
	return group.(map[string]any)["findings"].([]any)[0]
}

// keyOrder lists the keys of the first object named name, in file order
// (a decoded map has lost it).
func keyOrder(t *testing.T, b []byte, name string) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("no %q object: %v", name, err)
		}
		if tok != name {
			continue
		}
		var keys []string
		if _, err := dec.Token(); err != nil { // {
			t.Fatal(err)
		}
		for dec.More() {
			k, _ := dec.Token()
			keys = append(keys, k.(string))
			if _, err := dec.Token(); err != nil {
				t.Fatal(err)
			}
		}
		return strings.Join(keys, ",")
	}
}
