package tracking

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// maxCommaPos is how many comma positions a line scan records: more than
// any layout's last used column (the widest Exchange header has 30
// columns). A layout that needs more splits its lines the slow way.
const maxCommaPos = 64

// scanSlack is how far past a line's end the vector scanner may read. The
// reader's buffers keep that much room after their data; a line without it
// is scanned by scanLineGo.
const scanSlack = 32

// lineScan is what one pass over a line found: all a record of plain
// values needs to be cut into columns without looking at its bytes again.
type lineScan struct {
	// commas counts the line's commas, pos holds the first maxCommaPos
	// of their offsets.
	commas int
	pos    [maxCommaPos]int32
	// quoted is set when the line holds a '"': its commas may be inside
	// a value, so it is split by splitScanned (or splitCSV) instead.
	quoted bool
}

// scanLineGo is the portable scanLine: the end of the line at the start of b
// (the offset of its '\n', len(b) when there is none) and what it holds.
func scanLineGo(b []byte, sc *lineScan) int {
	end := bytes.IndexByte(b, '\n')
	if end < 0 {
		end = len(b)
	}
	scanRecord(b[:end], sc)
	return end
}

// scanRecord records what a line or a record holds, newlines included (a
// record whose quoted value spans lines is scanned whole once gathered).
func scanRecord(b []byte, sc *lineScan) {
	sc.commas, sc.quoted = commaOffsets(b, &sc.pos), bytes.IndexByte(b, '"') >= 0
}

// Word-at-a-time constants for commaOffsets.
const (
	commaBytes = 0x2c2c2c2c2c2c2c2c
	low7       = 0x7f7f7f7f7f7f7f7f
)

// commaOffsets counts b's commas and records the first len(pos) offsets. It
// tests eight bytes at a time: log values are short, and a search call per
// comma costs more than the rest of parsing a row.
func commaOffsets(b []byte, pos *[maxCommaPos]int32) int {
	n, i := 0, 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ commaBytes
		// A byte of m has its high bit set exactly where x has a zero
		// byte, that is where b has a comma; no carry crosses bytes.
		m := ^(((x & low7) + low7) | x | low7)
		for ; m != 0; m &= m - 1 {
			if n < len(pos) {
				pos[n] = int32(i + bits.TrailingZeros64(m)>>3)
			}
			n++
		}
	}
	for ; i < len(b); i++ {
		if b[i] == ',' {
			if n < len(pos) {
				pos[n] = int32(i)
			}
			n++
		}
	}
	return n
}

// fieldsAt cuts a scanned line into its values at the recorded commas,
// reusing dst: all of them when there are at most limit, else the first
// limit (the columns after the last one an event uses are only counted).
// limit is at most maxCommaPos.
func fieldsAt(s string, sc *lineScan, limit int, dst []string) []string {
	k := min(sc.commas, limit) // commas to cut at
	n := k                     // values
	if sc.commas < limit {
		n++
	}
	if cap(dst) < n {
		dst = make([]string, 0, maxCommaPos+1)
	}
	dst = dst[:n]
	// out has one element per comma, which spares the loop its bounds
	// check on dst.
	pos := sc.pos[:k]
	out := dst[:len(pos)]
	start := 0
	for j, c := range pos {
		out[j] = s[start:c]
		start = int(c) + 1
	}
	if k < n {
		dst[k] = s[start:]
	}
	return dst
}

// splitScanned is splitCSV for a scanned line that holds quotes and at most
// maxCommaPos commas: an unquoted value ends at the next recorded comma, and
// only a quoted one is searched for its closing quote. Logs quote just the
// values with a comma or quote in them (subjects, mostly), so this spares
// the search for every other comma of those lines.
func splitScanned(s string, sc *lineScan, dst []string) ([]string, error) {
	dst = dst[:0]
	commas := sc.pos[:sc.commas]
	start, k := 0, 0 // the value's first byte; the first comma not passed
	for {
		if start < len(s) && s[start] == '"' {
			v, end, err := quotedValue(s, start)
			if err != nil {
				return dst, err
			}
			dst = append(dst, v)
			if end == len(s) {
				return dst, nil
			}
			for k < len(commas) && int(commas[k]) < end {
				k++ // commas inside the quotes
			}
			k++ // the one at end
			start = end + 1
			continue
		}
		if k == len(commas) {
			return append(dst, s[start:]), nil
		}
		c := int(commas[k])
		dst = append(dst, s[start:c])
		start, k = c+1, k+1
	}
}
