package tracking

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"strings"
	"unsafe"
)

var errOpenQuote = errors.New("quoted value not closed")

// splitCSV splits one CSV record into dst, reusing its backing array. Fields
// are substrings of s, so a record costs no allocation beyond its line
// unless a quoted field holds an escaped quote (""). It returns errOpenQuote
// when s ends inside a quoted field: the record continues on the next line.
func splitCSV(s string, dst []string) ([]string, error) {
	dst = dst[:0]
	i := 0
	for {
		if i < len(s) && s[i] == '"' {
			j := i + 1
			escaped := false
			for {
				k := strings.IndexByte(s[j:], '"')
				if k < 0 {
					return dst, errOpenQuote
				}
				j += k
				if j+1 < len(s) && s[j+1] == '"' {
					escaped = true
					j += 2
					continue
				}
				break
			}
			v := s[i+1 : j]
			if escaped {
				v = strings.ReplaceAll(v, `""`, `"`)
			}
			dst = append(dst, v)
			j++
			if j == len(s) {
				return dst, nil
			}
			if s[j] != ',' {
				return dst, errors.New("text after a closing quote")
			}
			i = j + 1
			continue
		}
		k := strings.IndexByte(s[i:], ',')
		if k < 0 {
			dst = append(dst, s[i:])
			return dst, nil
		}
		dst = append(dst, s[i:i+k])
		i += k + 1
	}
}

// splitList splits a ';'-separated list (recipient-address,
// recipient-status) into dst, dropping empty items and the braces
// PowerShell puts around arrays it formats as text. A ';' followed by a
// space does not split: Exchange's status texts contain one
// ("250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded").
func splitList(s string, dst []string) []string {
	dst = dst[:0]
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		s = s[1 : len(s)-1]
	}
	for s != "" {
		item := s
		s = ""
		for off := 0; ; {
			k := strings.IndexByte(item[off:], ';')
			if k < 0 {
				break
			}
			k += off
			if k+1 < len(item) && item[k+1] == ' ' {
				off = k + 1
				continue
			}
			item, s = item[:k], item[k+1:]
			break
		}
		if item = strings.TrimSpace(item); item != "" {
			dst = append(dst, item)
		}
	}
	return dst
}

// Word-at-a-time constants for splitPlain.
const (
	commas = 0x2c2c2c2c2c2c2c2c
	low7   = 0x7f7f7f7f7f7f7f7f
)

// splitPlain splits a record that holds no quote character on its commas
// into dst, reusing its backing array, and returns how many values the
// record has. It tests eight bytes at a time: log fields are mostly short,
// and looking for each comma with a call of its own cost more than the rest
// of parsing a row. Only the first limit values are split (limit < 1 means
// all): the columns after the last one an event uses are only counted.
func splitPlain(b []byte, dst []string, limit int) ([]string, int) {
	dst = dst[:0]
	if limit < 1 {
		limit = len(b) + 1
	}
	s := unsafe.String(unsafe.SliceData(b), len(b))
	start, i := 0, 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ commas
		// A byte of m has its high bit set exactly where x has a zero
		// byte, that is where b has a comma; no carry crosses bytes.
		m := ^(((x & low7) + low7) | x | low7)
		for m != 0 {
			j := i + bits.TrailingZeros64(m)>>3
			dst = append(dst, s[start:j])
			start = j + 1
			if len(dst) == limit {
				return dst, limit + 1 + bytes.Count(b[start:], comma)
			}
			m &= m - 1
		}
	}
	for ; i < len(b); i++ {
		if b[i] == ',' {
			dst = append(dst, s[start:i])
			start = i + 1
			if len(dst) == limit {
				return dst, limit + 1 + bytes.Count(b[start:], comma)
			}
		}
	}
	dst = append(dst, s[start:])
	return dst, len(dst)
}

var comma = []byte{','}
