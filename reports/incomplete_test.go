package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
)

// hostileGap is coverage-gap text as a collector copies it from an error: the
// server and the object name are not ours, so it may start a formula.
var hostileGap = directory.Gap{What: "=groups", Object: "+CN=x,DC=corp", Reason: `@SUM(1)|cmd /C calc: LDAP page 3 failed`}

// incompleteClean is a run that found nothing but could not read everything:
// the case a SIEM must not index as "all clear".
func incompleteClean() *audit.Report {
	rep := emptyReport()
	rep.Complete = false
	rep.Coverage.Gaps = []directory.Gap{{What: "groups", Reason: "LDAP page 3 of (objectClass=group) failed: connection reset"}, hostileGap}
	rep.Summary.Gaps = len(rep.Coverage.Gaps)
	return rep
}

// jsonlLines decodes every line of a JSON Lines file.
func jsonlLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, l)
		}
		out = append(out, m)
	}
	return out
}

func TestJSONLRunRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rep      *audit.Report
		complete bool
		gaps     int
		lines    int
	}{
		{"complete clean run", emptyReport(), true, 0, 1},
		{"incomplete clean run", incompleteClean(), false, 2, 1},
		{"run with findings and a gap", testReport(), false, 1, 1 + testReport().Summary.Findings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := (JSONL{Tool: "dgaudit test"}).Write(&buf, tt.rep); err != nil {
				t.Fatal(err)
			}
			lines := jsonlLines(t, buf.Bytes())
			if len(lines) != tt.lines {
				t.Fatalf("%d lines, want %d (a run record, then one per finding):\n%s", len(lines), tt.lines, buf.String())
			}
			run := lines[0]
			if run["scope"] != "run" {
				t.Fatalf("first line is not the run record: %v", run)
			}
			for _, l := range lines[1:] {
				if l["scope"] == "run" {
					t.Errorf("a second run record: %v", l)
				}
			}
			if run["complete"] != tt.complete {
				t.Errorf("complete = %v, want %v", run["complete"], tt.complete)
			}
			for _, k := range []string{"schemaVersion", "tool", "auditedAt", "collectedAt", "source", "groups", "incompleteGroups", "findings", "suppressed", "message"} {
				if _, ok := run[k]; !ok {
					t.Errorf("run record lacks %q: %v", k, run)
				}
			}
			gaps, ok := run["gaps"].([]any)
			if !ok || len(gaps) != tt.gaps {
				t.Fatalf("gaps = %v, want %d entries (always an array)", run["gaps"], tt.gaps)
			}
			msg, _ := run["message"].(string)
			if tt.complete == strings.Contains(msg, "incomplete") {
				t.Errorf("message %q does not say whether the run was complete", msg)
			}
			if tt.gaps == 2 {
				g, _ := gaps[1].(map[string]any)
				if g["what"] != hostileGap.What || g["object"] != hostileGap.Object || g["reason"] != hostileGap.Reason {
					t.Errorf("gap = %v, want %+v as it was (JSON needs no neutralizing)", g, hostileGap)
				}
			}
		})
	}
}

// TestCleanRunsDiffer: a complete and an incomplete run without findings
// must not give the same bytes in any line-oriented format.
func TestCleanRunsDiffer(t *testing.T) {
	t.Parallel()
	for _, w := range []Writer{JSONL{}, CSV{}} {
		var a, b bytes.Buffer
		if err := w.Write(&a, emptyReport()); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(&b, incompleteClean()); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%T: a complete and an incomplete clean run are byte-identical:\n%s", w, a.String())
		}
	}
}

func TestCSVCoverageGaps(t *testing.T) {
	t.Parallel()
	read := func(rep *audit.Report) [][]string {
		var buf bytes.Buffer
		if err := (CSV{}).Write(&buf, rep); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], csvHeader) {
			t.Fatalf("header %v", rows[0])
		}
		return rows[1:]
	}
	col := func(name string) int { return slices.Index(csvHeader, name) }
	if rows := read(emptyReport()); len(rows) != 0 {
		t.Errorf("complete clean run has rows: %v", rows)
	}

	rows := read(incompleteClean())
	if len(rows) != 3 {
		t.Fatalf("%d rows, want the incomplete-run row and one per gap: %v", len(rows), rows)
	}
	if rows[0][col("rule")] != "incomplete-run" || rows[0][col("group_name")] != "(run)" {
		t.Errorf("first row %v, want the incomplete-run row", rows[0])
	}
	for _, r := range rows[1:] {
		if r[col("rule")] != "coverage-gap" || r[col("group_name")] != "(coverage gap)" {
			t.Errorf("gap row %v", r)
		}
	}
	hostile := rows[2]
	for _, c := range []string{"title", "message", "evidence"} {
		if v := hostile[col(c)]; v == "" || strings.ContainsAny(v[:1], "=+-@\t\r") {
			t.Errorf("%s cell %q is empty or not neutralized", c, v)
		}
	}
	if got, want := hostile[col("message")], "'"+hostileGap.Reason; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if got := hostile[col("evidence")]; !strings.Contains(got, hostileGap.Object) || !strings.Contains(got, hostileGap.What) {
		t.Errorf("evidence %q does not name the gap's kind and object", got)
	}

	// Incomplete groups alone (no coverage gap) still mark the run.
	rep := emptyReport()
	rep.Complete = false
	if rows := read(rep); len(rows) != 1 || rows[0][col("rule")] != "incomplete-run" {
		t.Errorf("incomplete run without gaps: rows %v", rows)
	}
}
