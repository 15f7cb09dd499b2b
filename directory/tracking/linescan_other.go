//go:build !amd64 || purego

package tracking

// hasAVX2 is false off amd64: scanLine is scanLineGo.
const hasAVX2 = false

// scanLine returns the end of the line at the start of b (the offset of its
// '\n', len(b) when there is none) and records what the line holds in sc.
func scanLine(b []byte, sc *lineScan) int { return scanLineGo(b, sc) }
