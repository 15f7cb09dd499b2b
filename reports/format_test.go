package reports

import (
	"reflect"
	"strings"
	"testing"
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
