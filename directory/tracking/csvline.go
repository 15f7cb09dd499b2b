package tracking

import (
	"errors"
	"strings"
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
			v, j, err := quotedValue(s, i)
			if err != nil {
				return dst, err
			}
			dst = append(dst, v)
			if j == len(s) {
				return dst, nil
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
	// Most rows name one recipient: no separator, braces or space to trim
	// (an ASCII byte above ' ' at both ends is not one TrimSpace trims).
	if s != "" && s[0] > ' ' && s[0] < 0x80 && s[0] != '{' && s[len(s)-1] > ' ' && s[len(s)-1] < 0x80 &&
		strings.IndexByte(s, ';') < 0 {
		return append(dst, s)
	}
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

// quotedValue reads the quoted value that starts at s[i]: its text, with
// escaped quotes ("") undone, and the offset of the comma after it (len(s)
// at the end of the record). It returns errOpenQuote when the record ends
// inside the quotes.
func quotedValue(s string, i int) (string, int, error) {
	j := i + 1
	escaped := false
	for {
		k := strings.IndexByte(s[j:], '"')
		if k < 0 {
			return "", 0, errOpenQuote
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
	j++
	if j < len(s) && s[j] != ',' {
		return "", 0, errors.New("text after a closing quote")
	}
	return v, j, nil
}
