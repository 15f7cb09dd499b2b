package reports

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"dgaudit/audit"
)

// Writer writes a report in one format.
type Writer interface {
	Write(w io.Writer, rep *audit.Report) error
}

var (
	_ Writer = JSON{}
	_ Writer = XLSX{}
	_ Writer = CSV{}
	_ Writer = JSONL{}
)

// formats is in the order error messages and help text list them.
var formats = []string{"json", "xlsx", "csv", "jsonl"}

// Formats returns the names New accepts.
func Formats() []string { return append([]string(nil), formats...) }

// New returns the writer for a format name. Writers that take options (the
// tool name, say) get their zero value; build them directly to set those.
func New(format string) (Writer, error) {
	switch format {
	case "json":
		return JSON{}, nil
	case "xlsx":
		return XLSX{}, nil
	case "csv":
		return CSV{}, nil
	case "jsonl":
		return JSONL{}, nil
	}
	return nil, fmt.Errorf("unknown report format %q (want %s)", format, strings.Join(formats, ", "))
}

// FormatForPath picks the format from an output path's extension. "-" is
// standard output, which always gets JSON: XLSX is binary and CSV holds only
// the findings, so neither is a sensible default for a terminal or a pipe.
func FormatForPath(path string) (string, error) {
	if path == "-" {
		return "json", nil
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json", ".xlsx", ".csv", ".jsonl":
		return ext[1:], nil
	}
	return "", fmt.Errorf("cannot tell the report format of %q from its extension (want .json, .xlsx, .csv or .jsonl)", path)
}
