package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// maxDataRows is how many data rows a sheet takes below its header before a
// table continues on a new sheet: Excel stops at 1,048,576 rows in all. It is
// a variable only so that a test can lower it; nothing else changes it.
var maxDataRows = excelize.TotalRows - 1

// column describes one column of a streamed table.
type column struct {
	title string
	width float64
	// style is a column style (wrapped text, say); 0 for none.
	style int
}

// table streams rows onto one or more sheets named base, "base (2)", ...,
// each with the same header row, frozen header, column widths and
// autofilter. Rows must be added in order; close finishes the last sheet.
type table struct {
	f      *excelize.File
	st     *styles
	base   string
	cols   []column
	sw     *excelize.StreamWriter
	sheets int    // sheets opened so far
	name   string // the current sheet's name
	rows   int    // data rows on the current sheet
}

func newTable(f *excelize.File, st *styles, base string, cols []column) *table {
	return &table{f: f, st: st, base: base, cols: cols}
}

func (t *table) sheet() string {
	if t.sheets <= 1 {
		return t.base
	}
	return fmt.Sprintf("%s (%d)", t.base, t.sheets)
}

// add appends one row. Text values, plain or inside an excelize.Cell, are
// neutralized and cut to Excel's cell limit here so that no sheet can forget
// to.
func (t *table) add(row []any) error {
	if t.sw == nil || t.rows >= maxDataRows {
		if err := t.finishSheet(); err != nil {
			return err
		}
		if err := t.openSheet(); err != nil {
			return err
		}
	}
	for i, v := range row {
		switch v := v.(type) {
		case string:
			// An empty cell is left out rather than written as an empty
			// string, and only a changed value is reassigned, which saves
			// boxing every string twice.
			if v == "" {
				row[i] = nil
			} else if n := t.st.cuts.text(t.name, v); n != v {
				row[i] = n
			}
		case excelize.Cell:
			if s, ok := v.Value.(string); ok {
				v.Value = t.st.cuts.text(t.name, s)
				row[i] = v
			}
		}
	}
	t.rows++
	if err := t.sw.SetRow("A"+strconv.Itoa(t.rows+1), row); err != nil {
		return fmt.Errorf("write sheet %s row %d: %w", t.name, t.rows+1, err)
	}
	return nil
}

// close finishes the table. A table without rows still gets its sheet, with
// the header, so the workbook always has the same sheets.
func (t *table) close() error {
	if t.sw == nil && t.sheets == 0 {
		if err := t.openSheet(); err != nil {
			return err
		}
	}
	return t.finishSheet()
}

func (t *table) openSheet() error {
	t.sheets++
	t.rows = 0
	name := t.sheet()
	t.name = name
	if _, err := t.f.NewSheet(name); err != nil {
		return fmt.Errorf("create sheet %s: %w", name, err)
	}
	sw, err := t.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("stream sheet %s: %w", name, err)
	}
	// Widths, column styles and panes are part of the sheet's XML before
	// the rows, so the stream writer refuses them after the first SetRow.
	for i, c := range t.cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fmt.Errorf("write sheet %s: column widths: %w", name, err)
		}
		if c.style != 0 {
			if err := sw.SetColStyle(i+1, i+1, c.style); err != nil {
				return fmt.Errorf("write sheet %s: column styles: %w", name, err)
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return fmt.Errorf("write sheet %s: freeze header: %w", name, err)
	}
	header := make([]any, len(t.cols))
	for i, c := range t.cols {
		header[i] = excelize.Cell{StyleID: t.st.header, Value: c.title}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: t.headerHeight()}); err != nil {
		return fmt.Errorf("write sheet %s: header: %w", name, err)
	}
	t.sw = sw
	return nil
}

func (t *table) finishSheet() error {
	if t.sw == nil {
		return nil
	}
	name := t.sheet()
	last, err := excelize.CoordinatesToCellName(len(t.cols), t.rows+1)
	if err != nil {
		return fmt.Errorf("write sheet %s: autofilter: %w", name, err)
	}
	// The autofilter is worksheet XML that follows the rows, so setting it
	// in normal mode before Flush is what puts it in the streamed sheet.
	if err := t.f.AutoFilter(name, "A1:"+last, nil); err != nil {
		return fmt.Errorf("write sheet %s: autofilter: %w", name, err)
	}
	sw := t.sw
	t.sw = nil
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write sheet %s: flush: %w", name, err)
	}
	return nil
}

// headerHeight makes room for titles that wrap in narrow columns. Viewers do
// not resize a streamed row to fit, so the height is estimated here by
// packing words into the column width, less a character for the bold font.
func (t *table) headerHeight() float64 {
	const lineHeight = 15
	lines := 1
	for _, c := range t.cols {
		capacity := int(c.width) - 1
		n, used := 1, 0
		for _, w := range strings.Fields(c.title) {
			switch {
			case used == 0:
				used = len(w)
			case used+1+len(w) <= capacity:
				used += 1 + len(w)
			default:
				n++
				used = len(w)
			}
		}
		lines = max(lines, n)
	}
	return float64(lines * lineHeight)
}
