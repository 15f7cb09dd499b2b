package reports

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// utf16Units is how Excel measures a cell's length (LEN counts UTF-16 code
// units), written out here rather than shared so that the test does not
// trust the code it checks.
func utf16Units(s string) int {
	return len(utf16.Encode([]rune(s)))
}

var cutMarkerRE = regexp.MustCompile(`… \[truncated: (\d+) more characters; the JSON report has the full value\]$`)

func TestCellText(t *testing.T) {
	t.Parallel()
	const limit = excelize.TotalCellChars
	ascii := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name    string
		in      string
		wantCut bool
	}{
		{"empty", "", false},
		{"short", "All Staff", false},
		{"exactly the limit", ascii(limit), false},
		{"one over", ascii(limit + 1), true},
		// Neutralizing adds the apostrophe, which must count.
		{"the limit with a formula sign", "=" + ascii(limit-1), true},
		{"one under with a formula sign", "=" + ascii(limit-2), false},
		{"formula far over", "@" + ascii(3*limit), true},
		// Three bytes per character but one UTF-16 unit: 90,000 bytes
		// that Excel holds whole.
		{"CJK under the limit in units", strings.Repeat("界", limit), false},
		{"CJK over", strings.Repeat("界", limit+1), true},
		// Two UTF-16 units each: 16,384 of them pass the limit by one.
		{"astral over by one unit", strings.Repeat("😀", limit/2+1), true},
		{"astral at the limit", "a" + strings.Repeat("😀", limit/2), false},
		// The cut lands on every possible offset within a multi-byte
		// sequence across these.
		{"mixed, offset 0", strings.Repeat("é😀界a", limit/3), true},
		{"mixed, offset 1", "x" + strings.Repeat("é😀界a", limit/3), true},
		{"mixed, offset 2", "xy" + strings.Repeat("é😀界a", limit/3), true},
		{"mixed, offset 3", "xyz" + strings.Repeat("é😀界a", limit/3), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cuts cellCuts
			got := cuts.text("Sheet", tt.in)
			neutral := neutralize(tt.in)
			if n := utf16Units(got); n > limit {
				t.Fatalf("result has %d UTF-16 units, over Excel's %d", n, limit)
			}
			if !utf8.ValidString(got) {
				t.Fatal("result is not valid UTF-8: a character was split")
			}
			if tt.in != "" && neutral[0] == '\'' && !strings.HasPrefix(got, "'") {
				t.Errorf("the formula sign is no longer neutralized: %.20q", got)
			}
			if !tt.wantCut {
				if got != neutral {
					t.Errorf("value changed although it fits: %.40q", got)
				}
				if cuts.total() != 0 {
					t.Errorf("%d cuts counted, want none", cuts.total())
				}
				return
			}
			m := cutMarkerRE.FindStringSubmatchIndex(got)
			if m == nil {
				t.Fatalf("no truncation marker at the end: ...%q", got[max(0, len(got)-100):])
			}
			kept := got[:m[0]]
			if !strings.HasPrefix(neutral, kept) {
				t.Fatal("the kept part is not the start of the value")
			}
			more, _ := strconv.Atoi(got[m[2]:m[3]])
			if want := utf16Units(neutral[len(kept):]); more != want {
				t.Errorf("marker says %d more characters, the value has %d more", more, want)
			}
			// The cut keeps as much as fits: one more character of the
			// value (with the marker's count one smaller) would not.
			if r, size := utf8.DecodeRuneInString(neutral[len(kept):]); size > 0 {
				longer := kept + string(r) + fmt.Sprintf(cutMarkerFormat, more-utf16.RuneLen(r))
				if utf16Units(longer) <= limit {
					t.Errorf("cut too early: %d units would still fit", utf16Units(longer))
				}
			}
			if cuts.total() != 1 || cuts.bySheet["Sheet"] != 1 {
				t.Errorf("cuts = %+v, want one on Sheet", cuts)
			}
		})
	}
}

// TestXLSXCutsLongCells writes a report whose directory values pass Excel's
// cell limit (a huge group name with a formula sign, thousands of external
// members in one evidence cell, a DN of characters outside the BMP) and
// reads the workbook back: every cell fits, the cut ones say so, the Summary
// counts them, and the JSON report keeps the whole values.
func TestXLSXCutsLongCells(t *testing.T) {
	t.Parallel()
	const limit = excelize.TotalCellChars
	rep := testReport()
	g := &rep.Groups[0]
	g.Name = "=" + strings.Repeat("Long Name ", 5000) + "END"
	members := make([]audit.MemberRef, 3000)
	for i := range members {
		members[i] = audit.MemberRef{ID: fmt.Sprintf("c-%04d", i), Address: fmt.Sprintf("member-%04d@partner.example", i), Kind: "contact"}
	}
	g.Findings[0].Evidence.Members = members
	g.DN = strings.Repeat("😀", limit)
	// Under the limit in characters though far over it in bytes: kept.
	rep.Groups[3].DN = strings.Repeat("界", limit-1)

	f, _ := writeXLSX(t, rep)
	cut := 0
	for _, sheet := range f.GetSheetList() {
		for r, row := range rows(t, f, sheet) {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if n := utf16Units(v); n > limit {
					t.Errorf("%s!%s has %d characters, over Excel's limit", sheet, cell, n)
				}
				if !utf8.ValidString(v) {
					t.Errorf("%s!%s is not valid UTF-8", sheet, cell)
				}
				if cutMarkerRE.MatchString(v) {
					cut++
				}
			}
		}
	}
	// Groups: name and DN; Findings: the name on the group's 6 rows and
	// the evidence; External members: the name on 2 rows; Summary: the
	// name among the top groups.
	if cut != 12 {
		t.Errorf("%d cells carry the truncation marker, want 12", cut)
	}

	cellValue := func(sheet, cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	name := cellValue("Groups", "A2")
	if !strings.HasPrefix(name, "'=Long Name ") || !cutMarkerRE.MatchString(name) {
		t.Errorf("Groups!A2 = %.30q...%q, want the neutralized name cut with a marker", name, name[max(0, len(name)-80):])
	}
	evidence := cellValue("Findings", "H3")
	if !strings.Contains(evidence, "member-0000@partner.example") || !cutMarkerRE.MatchString(evidence) {
		t.Errorf("Findings!H3 = %.60q..., want the evidence cut with a marker", evidence)
	}
	if dn := cellValue("Groups", "S5"); dn != rep.Groups[3].DN {
		t.Errorf("Groups!S5 has %d characters, want the whole %d-character DN", utf16Units(dn), limit-1)
	}

	note := cellValue("Summary", "A2")
	for _, want := range []string{"12 cells", "32,767", "Groups 2", "Findings 7", "External members 2", "Summary 1", "JSON"} {
		if !strings.Contains(note, want) {
			t.Errorf("Summary!A2 = %q, want it to mention %q", note, want)
		}
	}

	var js bytes.Buffer
	if err := (JSON{Tool: "dgaudit test"}).Write(&js, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{strconv.Quote(g.Name), "member-2999@partner.example", g.DN} {
		if !bytes.Contains(js.Bytes(), []byte(want)) {
			t.Errorf("the JSON report lacks the full value %.40q...", want)
		}
	}
}

// TestXLSXNoCutNoNote keeps the Summary's second row empty when nothing was
// cut, so ordinary workbooks do not change.
func TestXLSXNoCutNoNote(t *testing.T) {
	t.Parallel()
	f, _ := writeXLSX(t, testReport())
	if v, err := f.GetCellValue("Summary", "A2"); err != nil || v != "" {
		t.Errorf("Summary!A2 = %q (err %v), want empty", v, err)
	}
}

// TestDiffXLSXCutsLongCells checks the comparison workbook, whose first sheet
// is streamed before the differences are: it still warns about the cut cell.
func TestDiffXLSXCutsLongCells(t *testing.T) {
	t.Parallel()
	long := "-" + strings.Repeat("x", excelize.TotalCellChars+10)
	r := &audit.Drift{
		A: audit.DriftSideInfo{Label: "a.json", Kind: "snapshot", Groups: 1},
		B: audit.DriftSideInfo{Label: "b.json", Kind: "snapshot", Groups: 1},
		Settings: []audit.DriftSettingDiff{{
			Group: audit.DriftGroupRef{Name: "G", Mail: "g@corp.example", IDA: "1", IDB: "1"}, Setting: "Description", A: long, B: "short",
		}},
	}
	var buf bytes.Buffer
	if err := WriteDiff(&buf, "xlsx", r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	diffs := rows(t, f, "Differences")
	if len(diffs) != 2 {
		t.Fatalf("Differences has %d rows, want header and one", len(diffs))
	}
	a := diffs[1][6]
	if !strings.HasPrefix(a, "'-xxx") || !cutMarkerRE.MatchString(a) || utf16Units(a) > excelize.TotalCellChars {
		t.Errorf("Differences!G2 (%d characters) = %.20q...%q, want the neutralized value cut with a marker", utf16Units(a), a, a[max(0, len(a)-80):])
	}
	var note string
	for _, row := range rows(t, f, "Comparison") {
		if len(row) == 2 && row[0] == "Note" && strings.Contains(row[1], "1 cell was") {
			note = row[1]
		}
	}
	if !strings.Contains(note, "Differences 1") {
		t.Errorf("Comparison has no note about the cut cell: %v", rows(t, f, "Comparison"))
	}
}
