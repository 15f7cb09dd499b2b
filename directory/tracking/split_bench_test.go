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

func BenchmarkSplitPlain(b *testing.B) {
	line := []byte(strings.ReplaceAll(benchLine, `"`, ""))
	var dst []string
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		dst, _ = splitPlain(line, dst, 0)
	}
	if len(dst) != 31 {
		b.Fatal(len(dst))
	}
}
