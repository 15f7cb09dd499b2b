package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	dt "dgaudit/directory/directorytest"
)

// TestLibreOfficeReadsTheWorkbook hands the demo workbook to a real consumer:
// LibreOffice converts its Groups sheet to CSV, which must hold exactly the
// groups of the JSON report, and a hostile directory name must arrive as text,
// not as a formula.
func TestLibreOfficeReadsTheWorkbook(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("DGAUDIT_REQUIRE_LIBREOFFICE") == "1" {
			t.Fatal("LibreOffice (soffice) is required here but not installed: apt-get install libreoffice-calc-nogui")
		}
		t.Skip("LIBREOFFICE NOT INSTALLED: skipping the real-consumer check of the XLSX report; apt-get install libreoffice-calc-nogui to run it")
	}
	dir := t.TempDir()
	js, xl := filepath.Join(dir, "demo.json"), filepath.Join(dir, "demo.xlsx")
	if code, _, stderr := dgaudit(t, "scan", "--demo", "-o", js, "-o", xl); code != exitGaps {
		t.Fatalf("scan exit %d\n%s", code, stderr)
	}
	rows := convertSheet(t, soffice, xl, 2, "Groups")
	var rep struct {
		Groups []struct {
			ID    string `json:"id"`
			Score int    `json:"score"`
		} `json:"groups"`
	}
	data, _ := os.ReadFile(js)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	idCol := slices.Index(rows[0], "ID")
	if idCol < 0 {
		t.Fatalf("Groups sheet header has no ID column: %v", rows[0])
	}
	var fromSheet, fromJSON []string
	for _, r := range rows[1:] {
		fromSheet = append(fromSheet, r[idCol])
	}
	for _, g := range rep.Groups {
		fromJSON = append(fromJSON, g.ID)
	}
	if !slices.Equal(fromSheet, fromJSON) {
		t.Errorf("LibreOffice sees %d groups, the JSON has %d (or in another order)", len(fromSheet), len(fromJSON))
	}

	hostile := `=HYPERLINK("http://attacker.example","click")`
	// A name past Excel's 32,767-character cell limit must arrive cut
	// with a visible marker, still neutralised, not silently shortened.
	long := "+" + strings.Repeat("Long Name ", 4000)
	snap := dt.New().Mailbox("o").Contact(hostile, "x@partner.example").Contact(long, "y@partner.example").
		Group("G", []string{hostile, long}, dt.ReportsToOriginator, dt.Owner("o")).Snapshot()
	hx := filepath.Join(dir, "hostile.xlsx")
	if code, _, stderr := dgaudit(t, "audit", "--snapshot", writeSnapshot(t, snap), "-o", hx, "--fail-on", "none"); code != exitOK {
		t.Fatalf("audit exit %d\n%s", code, stderr)
	}
	ext := convertSheet(t, soffice, hx, 4, "External members")
	found, cut := false, false
	for _, r := range ext[1:] {
		for _, cell := range r {
			if strings.HasPrefix(cell, "'+Long Name") {
				cut = true
				if n := len(utf16.Encode([]rune(cell))); n > 32767 || !strings.HasSuffix(cell, "; the JSON report has the full value]") {
					t.Errorf("the long name arrived with %d characters ending %q, want at most 32,767 ending in the truncation marker", n, cell[max(0, len(cell)-60):])
				}
			}
			if strings.Contains(cell, "HYPERLINK") {
				found = true
				if cell != "'"+hostile {
					t.Errorf("hostile name arrived as %q, want the neutralised text %q", cell, "'"+hostile)
				}
			}
			if cell == "click" {
				t.Error("LibreOffice evaluated the hostile name as a formula")
			}
		}
	}
	if !found {
		t.Errorf("hostile member not in the External members sheet: %v", ext)
	}
	if !cut {
		t.Error("the member with the long name is not in the External members sheet")
	}
}

// convertSheet converts one sheet (1-based) of an XLSX file to CSV with
// LibreOffice and returns its rows.
func convertSheet(t *testing.T, soffice, xlsx string, sheet int, name string) [][]string {
	t.Helper()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	filter := "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false," + strconv.Itoa(sheet)
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore", "--convert-to", filter, "--outdir", out, xlsx)
	cmd.Env = append(os.Environ(), "HOME="+out) // a private profile, so parallel runs do not share one
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	matches, _ := filepath.Glob(filepath.Join(out, "*.csv"))
	if len(matches) != 1 {
		t.Fatalf("soffice wrote %v, want one CSV for sheet %s", matches, name)
	}
	f, err := os.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("read %s: %v (%d rows)", name, err, len(rows))
	}
	return rows
}
