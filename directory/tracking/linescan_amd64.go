//go:build amd64 && !purego

package tracking

import "golang.org/x/sys/cpu"

// hasAVX2 holds for the vector scanner's instructions: AVX2 for the
// comparisons, BMI1 and BMI2 for the bit masks, POPCNT for counting.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasBMI1 && cpu.X86.HasBMI2 && cpu.X86.HasPOPCNT

// scanLineAVX2 is scanLineGo 32 bytes at a time, in one pass for newline,
// commas and quotes. It may read up to 31 bytes past len(b), which must be
// within cap(b); it records at most maxPos offsets.
//
//go:noescape
func scanLineAVX2(b []byte, pos *int32, maxPos int) (commas, end int, quoted bool)

// scanLine returns the end of the line at the start of b (the offset of its
// '\n', len(b) when there is none) and records what the line holds in sc.
func scanLine(b []byte, sc *lineScan) int {
	if !hasAVX2 || cap(b)-len(b) < scanSlack {
		return scanLineGo(b, sc)
	}
	var end int
	sc.commas, end, sc.quoted = scanLineAVX2(b, &sc.pos[0], maxCommaPos)
	return end
}
