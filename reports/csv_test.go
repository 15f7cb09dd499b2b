package reports

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
)

func TestCSVGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rep  *audit.Report
	}{
		{name: "findings.csv", rep: testReport()},
		{name: "empty.csv", rep: emptyReport()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := (CSV{}).Write(&buf, tt.rep); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, buf.Bytes())
		})
	}
}

func TestCSVRows(t *testing.T) {
	t.Parallel()
	rep := testReport()
	var buf bytes.Buffer
	if err := (CSV{}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The report is incomplete: the incomplete-run row and its one gap
	// come first.
	if got, want := len(rows)-1, 2+rep.Summary.Findings; got != want {
		t.Fatalf("%d rows, want %d (the run rows, then one per finding)", got, want)
	}
	if diff := cmp.Diff(csvHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	tests := []struct {
		name     string
		row, col int
		want     string
	}{
		{"organization finding first", 3, 1, "(organization)"},
		{"organization has no group id", 3, 0, ""},
		{"organization has no score", 3, 4, ""},
		{"hostile group name", 10, 1, `'=HYPERLINK("http://x","y")`},
		{"hostile group mail", 10, 2, "'-2+3@corp.example.com"},
		{"severity by name", 4, 7, "critical"},
		{"score of the group", 4, 4, "100"},
		{"incomplete run first", 1, 6, "incomplete-run"},
		{"then its gap", 2, 6, "coverage-gap"},
		{"gap reason as message", 2, 9, "insufficient access rights"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := rows[tt.row][tt.col]; got != tt.want {
				t.Errorf("row %d column %s = %q, want %q", tt.row, csvHeader[tt.col], got, tt.want)
			}
		})
	}
}

// IsOwnCSV knows the header of every CSV dgaudit writes, read back from
// the writers themselves, and no tracking export's.
func TestIsOwnCSV(t *testing.T) {
	t.Parallel()
	firstLine := func(t *testing.T, write func(*bytes.Buffer) error) []byte {
		t.Helper()
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		line, _, _ := bytes.Cut(b.Bytes(), []byte("\n"))
		return append(line, '\n')
	}
	findings := firstLine(t, func(b *bytes.Buffer) error { return CSV{}.Write(b, testReport()) })
	traffic := firstLine(t, func(b *bytes.Buffer) error { return CSV{}.Write(b, trafficReport()) })
	diff := firstLine(t, func(b *bytes.Buffer) error { return WriteDiff(b, "csv", &audit.Drift{}) })
	tests := []struct {
		name string
		line []byte
		want bool
	}{
		{"findings report", findings, true},
		{"trace report", traffic, true},
		{"diff", diff, true},
		{"without its line break", bytes.TrimSuffix(findings, []byte("\n")), true},
		{"with CRLF and a BOM, as Excel saves it", append([]byte("\uFEFF"), append(bytes.TrimSuffix(findings, []byte("\n")), '\r', '\n')...), true},
		{"Get-MessageTrackingLog export", []byte(`"Timestamp","EventId","Source","Sender","Recipients","MessageSubject"` + "\n"), false},
		{"message trace export", []byte("Received,SenderAddress,RecipientAddress,Subject,Status\n"), false},
		{"a findings header with a column more", append(bytes.TrimSuffix(findings, []byte("\n")), []byte(",extra\n")...), false},
		{"empty", nil, false},
	}
	for _, tc := range tests {
		if got := IsOwnCSV(tc.line); got != tc.want {
			t.Errorf("%s: IsOwnCSV(%q) = %v, want %v", tc.name, tc.line, got, tc.want)
		}
	}
}
