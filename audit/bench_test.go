package audit_test

import (
	"context"
	"strconv"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory/synthetic"
	"dgaudit/rules"
)

// BenchmarkRun audits synthetic directories of growing size with the full
// catalogue; ns/op should grow linearly with the number of groups.
// go test ./audit -run NONE -bench Run -benchmem
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		snap := synthetic.Generate(n, 1)
		cat := rules.All(rules.DefaultConfig())
		b.Run(strconv.Itoa(n)+"-groups", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := audit.Run(context.Background(), snap, cat, audit.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
