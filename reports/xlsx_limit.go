package reports

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// maxCellChars is the most text an Excel cell holds: 32,767 characters.
// Excel counts them in UTF-16 code units (LEN of an emoji is 2), and so does
// excelize, which silently drops whatever passes the limit. Directory values
// are attacker-controlled and unbounded (a group name, thousands of external
// addresses joined into one evidence cell), so a silent cut would make the
// workbook quietly incomplete. cellCuts.text cuts such values itself, with a
// marker, and counts them for the Summary; counting in UTF-16 units, as
// Excel does, is what guarantees excelize never cuts again after it.
const maxCellChars = excelize.TotalCellChars

// cutMarkerFormat ends a cut value. Its count is in the same units as the
// limit, so it is what Excel's LEN of the missing part would say.
const cutMarkerFormat = "… [truncated: %d more characters; the JSON report has the full value]"

// cellCuts readies text for cells and counts, per sheet, the cells it had to
// cut. One belongs to one workbook.
type cellCuts struct {
	bySheet map[string]int
	sheets  []string // in the order of their first cut
}

// text returns s as a cell of sheet shows it: neutralized, then cut to
// Excel's limit. Cutting after neutralizing keeps the apostrophe (it is at
// the start, the cut at the end) and counts it towards the limit.
func (c *cellCuts) text(sheet, s string) string {
	s = neutralize(s)
	// A UTF-16 unit takes at least one byte of UTF-8, so a value no longer
	// than the limit in bytes fits, and nearly every value is decided
	// without looking at its characters.
	if len(s) <= maxCellChars {
		return s
	}
	total := utf16Len(s)
	if total <= maxCellChars {
		return s
	}
	// The marker is first sized for the whole value's count, which has at
	// least as many digits as the count of what is left out, so the result
	// cannot pass the limit; when the count left out is shorter, the room
	// it frees is used too.
	room := maxCellChars - cutMarkerLen(total)
	end, kept := unitPrefix(s, room)
	if more := maxCellChars - cutMarkerLen(total-kept); more > room {
		end, kept = unitPrefix(s, more)
	}
	c.count(sheet)
	return s[:end] + fmt.Sprintf(cutMarkerFormat, total-kept)
}

func (c *cellCuts) count(sheet string) {
	if c.bySheet == nil {
		c.bySheet = map[string]int{}
	}
	if c.bySheet[sheet] == 0 {
		c.sheets = append(c.sheets, sheet)
	}
	c.bySheet[sheet]++
}

func (c *cellCuts) total() int {
	n := 0
	for _, k := range c.bySheet {
		n += k
	}
	return n
}

// note is the warning a workbook shows when cells were cut, naming the
// sheets so that an administrator knows where to look, and then full, which
// says where the whole values are; empty when no cell was cut.
func (c *cellCuts) note(full string) string {
	n := c.total()
	if n == 0 {
		return ""
	}
	where := make([]string, len(c.sheets))
	for i, s := range c.sheets {
		where[i] = fmt.Sprintf("%s %d", s, c.bySheet[s])
	}
	cells := "cells were"
	if n == 1 {
		cells = "cell was"
	}
	return fmt.Sprintf("Warning: %d %s longer than Excel's limit of 32,767 characters and cut, each ending in \"[truncated: …]\" (%s). %s",
		n, cells, strings.Join(where, ", "), full)
}

// unitPrefix returns the end (a byte offset) and the length in UTF-16 units
// of the longest prefix of s that is at most room units long. The end is
// always the start of a character, so no UTF-8 sequence (and no surrogate
// pair) is split.
func unitPrefix(s string, room int) (end, units int) {
	for i, r := range s {
		n := utf16.RuneLen(r) // range yields only valid runes (or U+FFFD): 1 or 2
		if units+n > room {
			return i, units
		}
		units += n
	}
	return len(s), units
}

func cutMarkerLen(count int) int {
	return utf16Len(fmt.Sprintf(cutMarkerFormat, count))
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// noteCuts writes the cut-cells warning into the Summary's second row, which
// is otherwise empty, right under the title: the count is known only once
// every sheet is written, and the Summary, written in normal mode, can still
// take it then without moving the rows the chart refers to.
func noteCuts(f *excelize.File, st *styles) error {
	note := st.cuts.note("The JSON report (-o report.json) has the full values.")
	if note == "" {
		return nil
	}
	if err := f.SetCellValue(summarySheet, "A2", note); err != nil {
		return fmt.Errorf("write sheet %s: truncation note: %w", summarySheet, err)
	}
	if err := f.SetCellStyle(summarySheet, "A2", "A2", st.warn); err != nil {
		return fmt.Errorf("write sheet %s: truncation note: %w", summarySheet, err)
	}
	return nil
}
