package reports

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// writeXLSX writes rep and opens the result again, as a user's Excel would.
func writeXLSX(t *testing.T, rep *audit.Report) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := (XLSX{Tool: "dgaudit test"}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f, buf.Bytes()
}

func rows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	r, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var streamedSheets = []string{"Groups", "Findings", "External members", "Rules"}

func TestXLSXSheets(t *testing.T) {
	t.Parallel()
	rep := testReport()
	f, raw := writeXLSX(t, rep)

	want := append([]string{"Summary"}, streamedSheets...)
	if diff := cmp.Diff(want, f.GetSheetList()); diff != "" {
		t.Fatalf("sheets (-want +got):\n%s", diff)
	}
	externals := 0
	for _, g := range rep.Groups {
		externals += len(g.External)
	}
	tests := []struct {
		sheet  string
		header []string
		rows   int
	}{
		{"Groups", columnTitles(groupColumns), len(rep.Groups)},
		{"Findings", columnTitles(findingColumns), rep.Summary.Findings},
		{"External members", columnTitles(externalColumns), externals},
		{"Rules", []string{"ID", "Title", "Severity", "Scope", "Adjust", "Tags", "Why", "Fix"}, len(rep.Rules)},
	}
	for _, tt := range tests {
		t.Run(tt.sheet, func(t *testing.T) {
			t.Parallel()
			r := rows(t, f, tt.sheet)
			if diff := cmp.Diff(tt.header, r[0]); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if got := len(r) - 1; got != tt.rows {
				t.Errorf("%d data rows, want %d", got, tt.rows)
			}
			panes, err := f.GetPanes(tt.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("panes = %+v, want the header row frozen", panes)
			}
			if !sheetXMLHas(t, f, raw, tt.sheet, `<autoFilter ref=`) {
				t.Error("no autofilter")
			}
		})
	}
	if !zipHas(t, raw, "xl/charts/chart1.xml") {
		t.Error("Summary has no chart")
	}
}

func TestXLSXNeutralizesHostileValues(t *testing.T) {
	t.Parallel()
	f, _ := writeXLSX(t, testReport())
	tests := []struct {
		sheet, cell, want string
	}{
		{"Groups", "A3", `'=HYPERLINK("http://x","y")`},
		{"Groups", "B3", "'-2+3@corp.example.com"},
		{"Findings", "A9", `'=HYPERLINK("http://x","y")`},
		{"External members", "C4", "'@SUM(A1)"},
		{"External members", "D4", "'+1@evil.example"},
		{"External members", "E4", "'-2+3.example"},
		{"External members", "G4", "'-Nested\tTab"},
		{"Summary", "A32", `'=HYPERLINK("http://x","y")`},
	}
	for _, tt := range tests {
		t.Run(tt.sheet+"!"+tt.cell, func(t *testing.T) {
			t.Parallel()
			got, err := f.GetCellValue(tt.sheet, tt.cell)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s!%s = %q, want %q", tt.sheet, tt.cell, got, tt.want)
			}
		})
	}
}

// TestXLSXHasNoFormulas checks every cell that holds anything: a formula in
// an audit report is either a bug or an injected payload.
func TestXLSXHasNoFormulas(t *testing.T) {
	t.Parallel()
	f, raw := writeXLSX(t, testReport())
	for _, sheet := range f.GetSheetList() {
		for r, row := range rows(t, f, sheet) {
			for c := range row {
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				if err != nil {
					t.Fatal(err)
				}
				if formula, err := f.GetCellFormula(sheet, cell); err != nil || formula != "" {
					t.Errorf("%s!%s has formula %q (err %v)", sheet, cell, formula, err)
				}
			}
		}
		if sheetXMLHas(t, f, raw, sheet, "<f>") || sheetXMLHas(t, f, raw, sheet, "<f ") {
			t.Errorf("sheet %s XML has a formula element", sheet)
		}
	}
}

func TestXLSXGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rep  *audit.Report
	}{
		{"xlsx", testReport()},
		{"xlsx-empty", emptyReport()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := writeXLSX(t, tt.rep)
			for _, sheet := range f.GetSheetList() {
				checkGolden(t, tt.name+"-"+fileName(sheet)+".tsv", []byte(tsv(rows(t, f, sheet))))
			}
		})
	}
}

// TestXLSXSplitsLongSheets lowers the row limit to check that a table
// continues on "Name (2)". It changes a package variable, so it must not run
// in parallel; Go runs it before any parallel test starts.
func TestXLSXSplitsLongSheets(t *testing.T) {
	rep := testReport()
	whole, _ := writeXLSX(t, rep)

	saved := maxDataRows
	maxDataRows = 2
	t.Cleanup(func() { maxDataRows = saved })
	f, _ := writeXLSX(t, rep)

	want := []string{
		"Summary",
		"Groups", "Groups (2)",
		"Findings", "Findings (2)", "Findings (3)", "Findings (4)", "Findings (5)", "Findings (6)",
		"External members", "External members (2)",
		"Rules", "Rules (2)", "Rules (3)", "Rules (4)", "Rules (5)",
	}
	if diff := cmp.Diff(want, f.GetSheetList()); diff != "" {
		t.Fatalf("sheets (-want +got):\n%s", diff)
	}
	for _, base := range streamedSheets {
		var pieces [][]string
		for _, sheet := range f.GetSheetList() {
			if sheet != base && !strings.HasPrefix(sheet, base+" (") {
				continue
			}
			r := rows(t, f, sheet)
			if diff := cmp.Diff(rows(t, whole, base)[0], r[0]); diff != "" {
				t.Errorf("%s header (-want +got):\n%s", sheet, diff)
			}
			if n := len(r) - 1; n < 1 || n > maxDataRows {
				t.Errorf("%s has %d data rows, want 1 to %d", sheet, n, maxDataRows)
			}
			if panes, _ := f.GetPanes(sheet); !panes.Freeze {
				t.Errorf("%s has no frozen header", sheet)
			}
			pieces = append(pieces, r[1:]...)
		}
		// Put together, the pieces must be the unsplit sheet.
		if diff := cmp.Diff(rows(t, whole, base)[1:], pieces); diff != "" {
			t.Errorf("%s split differs from the whole sheet (-whole +split):\n%s", base, diff)
		}
	}
}

func columnTitles(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.title
	}
	return out
}

var unsafeFileChars = regexp.MustCompile(`[^a-z0-9]+`)

func fileName(sheet string) string {
	return unsafeFileChars.ReplaceAllString(strings.ToLower(sheet), "-")
}

// tsv renders cell values one row per line, escaping what would break the
// layout, so that golden files show exactly what a user sees.
func tsv(rows [][]string) string {
	esc := strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
	var b strings.Builder
	for _, row := range rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(esc.Replace(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func zipHas(t *testing.T, raw []byte, name string) bool {
	t.Helper()
	_, ok := zipFile(t, raw, name)
	return ok
}

func zipFile(t *testing.T, raw []byte, name string) (string, bool) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name != name {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), true
	}
	return "", false
}

// sheetXMLHas looks in a sheet's raw XML, for what excelize cannot read
// back (the autofilter) or might hide (a formula element).
func sheetXMLHas(t *testing.T, f *excelize.File, raw []byte, sheet, s string) bool {
	t.Helper()
	idx, err := f.GetSheetIndex(sheet)
	if err != nil || idx < 0 {
		t.Fatalf("no sheet %s: %v", sheet, err)
	}
	// Sheets are written as xl/worksheets/sheetN.xml in creation order.
	xml, ok := zipFile(t, raw, "xl/worksheets/sheet"+strconv.Itoa(idx+1)+".xml")
	if !ok {
		t.Fatalf("no XML part for sheet %s", sheet)
	}
	return strings.Contains(xml, s)
}
