package reports

import (
	"cmp"
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// XLSX writes the report as a workbook for people: a Summary sheet, then one
// row per group, per finding, per external recipient, and the rule catalogue
// (docs/report-schema.md lists the sheets and columns). The big sheets are
// streamed, so memory stays flat however many groups there are, and a sheet
// that would pass Excel's row limit continues on "Name (2)".
//
// The workbook holds no formulas, and every text cell that a spreadsheet
// could read as one is neutralized. A text that passes Excel's cell limit is
// cut with a visible marker, and the Summary says how many were.
type XLSX struct {
	// Tool names the program and version shown on the Summary sheet
	// ("dgaudit 0.1.0"). Empty shows "dgaudit".
	Tool string
	// TmpDir is where excelize spills a sheet once it passes 16 MiB while
	// writing. Empty means the system's temporary directory.
	TmpDir string
}

// Write writes rep to w.
func (x XLSX) Write(w io.Writer, rep *audit.Report) (err error) {
	if rep == nil {
		return errors.New("xlsx: no report to write")
	}
	f := excelize.NewFile(excelize.Options{TmpDir: x.TmpDir})
	// Close removes the stream writers' temporary files, so it must run on
	// every path.
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("xlsx: close workbook: %w", cerr)
		}
	}()
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("xlsx: create styles: %w", err)
	}
	// Sheets appear in the order they are created, and a table that
	// overflows creates its continuation sheet before the next table starts,
	// so this order is the workbook's order.
	steps := []func() error{
		func() error { return writeSummary(f, st, rep, cmp.Or(x.Tool, defaultTool)) },
		func() error { return writeGroups(f, st, rep) },
		func() error { return writeFindings(f, st, rep) },
		func() error { return writeChanges(f, st, rep) },
		func() error { return writeSuppressed(f, st, rep) },
		func() error {
			if rep.Traffic == nil {
				return nil
			}
			return writeIncidents(f, st, rep.Traffic)
		},
		func() error {
			if rep.Traffic == nil {
				return nil
			}
			return writeTimeline(f, st, rep.Traffic)
		},
		func() error { return writeExternal(f, st, rep) },
		func() error { return writeRules(f, st, rep) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := noteCuts(f, st); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write workbook: %w", err)
	}
	return nil
}
