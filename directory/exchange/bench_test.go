package exchange_test

import (
	"context"
	"testing"

	"dgaudit/directory/exchange"
	"dgaudit/directory/exchange/exotest"
	"dgaudit/directory/synthetic"
)

// BenchmarkOnline reads a synthetic organization of 5,000 groups through the
// emulator with every tenth request throttled, and reports the requests it
// took. Exchange has no batch call, so the plan is one paged call per list
// cmdlet plus one paged member call per group.
//
//	go test -run '^$' -bench Online -benchtime 1x ./directory/exchange/
func BenchmarkOnline(b *testing.B) {
	snap := synthetic.Generate(5000, 1)
	org := exotest.Shape(snap, true)
	for b.Loop() {
		srv := exotest.NewServer(org)
		srv.Fault = func(c exotest.Call) exotest.Fault {
			if c.N%10 == 0 {
				return exotest.Throttle
			}
			return exotest.None
		}
		src, err := exchange.New(exchange.Config{
			URL: srv.URL, Tenant: srv.Tenant, HTTPClient: srv.Client(),
			Token: func(context.Context) (string, error) { return srv.Token, nil },
		})
		if err != nil {
			b.Fatal(err)
		}
		got, err := src.Snapshot(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(srv.Requests()), "requests/op")
		b.ReportMetric(float64(len(got.Groups)), "groups/op")
		srv.Close()
	}
}
