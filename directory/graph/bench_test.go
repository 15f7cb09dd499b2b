package graph_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/graph"
	"dgaudit/directory/graph/graphtest"
	"dgaudit/directory/synthetic"
)

// benchTenant is the benchmark tenant: 5,000 mail-enabled groups
// averaging 50 members.
func benchTenant() *directory.Snapshot {
	return graphtest.TopUp(synthetic.Generate(5000, 1), 40, 60, 1)
}

// naivePlan counts the requests of the plan the issue measures against: one
// listing of the groups plus one members call per group, each with its pages.
func naivePlan(s *directory.Snapshot, page int) (requests, groups, members int) {
	for _, g := range s.Groups {
		if g.Kind == directory.Dynamic {
			continue
		}
		groups++
		members += len(g.Members)
		requests += max(1, (len(g.Members)+page-1)/page)
	}
	return requests + (groups+page-1)/page, groups, members
}

// peakRSS is the process's high-water resident set in MiB (Linux), which
// here includes the emulator serving the tenant.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkTenant5000 reads the benchmark tenant through the emulator and
// reports the HTTP requests made against the naive plan, then again with a
// tenth of the requests and of the batch items (drawn at random, seeded)
// answered 429, checking the
// result is identical. Run with -benchtime 1x (bench/graph.sh does).
func BenchmarkTenant5000(b *testing.B) {
	tenant := benchTenant()
	naive, groups, members := naivePlan(tenant, 999)
	b.Logf("tenant: %d mail-enabled groups Graph lists, %d memberships (%.1f per group); naive plan %d requests",
		groups, members, float64(members)/float64(groups), naive)
	var clean *directory.Snapshot
	for _, tc := range []struct {
		name  string
		fault graphtest.FaultFunc
	}{
		{"clean", nil},
		{"10pct-429", graphtest.Chain(
			graphtest.Fraction(0.1, 1, graphtest.Graph(""), graphtest.Fault{Status: 429, RetryAfter: "1"}),
			graphtest.Fraction(0.1, 2, graphtest.InBatch(""), graphtest.Fault{Status: 429, RetryAfter: "1"}))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := graphtest.New(tenant, graphtest.Options{})
			defer srv.Close()
			srv.SetFaults(tc.fault)
			cfg := config(srv)
			cfg.RetryDelay = time.Second
			cfg.Retries = 6
			var snap *directory.Snapshot
			var wall time.Duration
			for b.Loop() {
				srv.ResetStats()
				src, err := graph.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				snap, err = src.Snapshot(context.Background())
				wall = time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
			}
			st := srv.Stats()
			if clean == nil {
				clean = snap
			} else if diff := cmp.Diff(got(b, clean), got(b, snap)); diff != "" {
				b.Fatalf("result under throttling differs from the clean read (-clean +throttled):\n%s", diff)
			}
			if diff := cmp.Diff(expected(tenant), got(b, snap)); diff != "" {
				b.Fatalf("result differs from the tenant (-want +got):\n%s", diff)
			}
			b.ReportMetric(float64(st.Requests), "requests")
			b.ReportMetric(float64(naive), "naive-requests")
			b.ReportMetric(float64(st.Requests)/float64(naive), "ratio")
			b.ReportMetric(float64(st.Batches), "batches")
			b.ReportMetric(float64(st.Faults), "faults")
			b.ReportMetric(float64(st.TokenRequests), "token-requests")
			b.ReportMetric(wall.Seconds(), "wall-s")
			b.ReportMetric(peakRSS(), "peak-rss-MiB")
		})
	}
}
