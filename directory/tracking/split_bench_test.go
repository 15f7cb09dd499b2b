package tracking

import (
	"strings"
	"testing"
)

const benchLine = `2026-03-01T00:00:05.123Z,203.0.113.7,mx.partner12.example,10.0.0.11,MBX01,08DC3A1B2C3D4E5F;2026-03-01T00:00:00.000Z;0,MBX01\Default Frontend MBX01,SMTP,RECEIVE,123456789012,<1.abcdefghijkl@contoso.com>,1c2d3e4f-0000-4000-8000-000000000001,user123@contoso.com,,34567,1,,,"FW: Contract draft, final version",person77@partner12.example,person77@partner12.example,,Incoming,,,,,Email,MSGTRKMS2026030100-1,15.02.1118.007`

func BenchmarkSplitCSV(b *testing.B) {
	var dst []string
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		dst, _ = splitCSV(benchLine, dst)
	}
	if len(dst) != 30 {
		b.Fatal(len(dst))
	}
}

// BenchmarkScanAndSplit is what a plain log line costs before its values
// are looked at: finding its end, its quotes and its commas, then cutting
// it into the 23 columns an event uses.
func BenchmarkScanAndSplit(b *testing.B) {
	for name, scan := range map[string]func([]byte, *lineScan) int{"scanLine": scanLine, "scanLineGo": scanLineGo} {
		b.Run(name, func(b *testing.B) {
			text := strings.ReplaceAll(benchLine, `"`, "") + "\n"
			buf := append(make([]byte, 0, len(text)+scanSlack), text...)
			var sc lineScan
			var dst []string
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				end := scan(buf, &sc)
				dst = fieldsAt(text[:end], &sc, 23, dst)
			}
			if len(dst) != 23 || sc.commas != 30 {
				b.Fatal(len(dst), sc.commas)
			}
		})
	}
}
