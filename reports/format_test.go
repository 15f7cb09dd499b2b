package reports

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format  string
		want    Writer
		wantErr string
	}{
		{format: "json", want: JSON{}},
		{format: "xlsx", want: XLSX{}},
		{format: "csv", want: CSV{}},
		{format: "jsonl", want: JSONL{}},
		{format: "pdf", wantErr: `unknown report format "pdf" (want json, xlsx, csv, jsonl)`},
		{format: "", wantErr: `unknown report format ""`},
		{format: "JSON", wantErr: "unknown report format"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			got, err := New(tt.format)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New(%q) error = %v, want one containing %q", tt.format, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(got) != reflect.TypeOf(tt.want) {
				t.Errorf("New(%q) = %T, want %T", tt.format, got, tt.want)
			}
		})
	}
}

func TestFormatForPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, want string
		wantErr    bool
	}{
		{path: "-", want: "json"},
		{path: "report.json", want: "json"},
		{path: "out/REPORT.XLSX", want: "xlsx"},
		{path: "findings.csv", want: "csv"},
		{path: "siem/findings.JSONL", want: "jsonl"},
		{path: "report", wantErr: true},
		{path: "report.txt", wantErr: true},
		{path: "report.json.gz", wantErr: true},
		{path: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			got, err := FormatForPath(tt.path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("FormatForPath(%q) error = %v, want error %v", tt.path, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("FormatForPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
			if err == nil {
				if _, err := New(got); err != nil {
					t.Errorf("FormatForPath(%q) = %q, which New refuses: %v", tt.path, got, err)
				}
			}
		})
	}
}

func TestFormatsIsACopy(t *testing.T) {
	t.Parallel()
	f := Formats()
	f[0] = "pdf"
	if Formats()[0] != "json" {
		t.Error("changing the result of Formats changed the package's list")
	}
}

// Intervals read as a person says them, not as time.Duration prints them.
func TestPer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{time.Hour, "per hour"},
		{time.Minute, "per minute"},
		{24 * time.Hour, "per day"},
		{15 * time.Minute, "per 15m"},
		{90 * time.Minute, "per 1h30m"},
		{2 * time.Hour, "per 2h"},
		{48 * time.Hour, "per 48h"},
		{time.Hour + 30*time.Second, "per 1h30s"},
		{90 * time.Second, "per 1m30s"},
		{1500 * time.Millisecond, "per 1.5s"},
	}
	for _, tc := range tests {
		if got := Per(tc.d); got != tc.want {
			t.Errorf("Per(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
