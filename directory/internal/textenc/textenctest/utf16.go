// Package textenctest writes text as Windows tools do, for the tests of the
// readers that must decode it.
package textenctest

import (
	"encoding/binary"
	"unicode/utf16"
)

// UTF16 encodes text as UTF-16 in the given byte order, after its byte order
// mark when bom is set, as ldifde -u, Export-Csv -Encoding Unicode and
// Out-File write it.
func UTF16(text string, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xFEFF)
	}
	for _, u := range utf16.Encode([]rune(text)) {
		b = order.AppendUint16(b, u)
	}
	return b
}
