// Command graphemu runs the Graph emulator of package graphtest as a
// standalone server on a synthetic tenant, so that bench/graph.sh can measure
// the real dgaudit binary (wall time, peak RSS) against it in a separate
// process. It prints the base URL and the CA file's path on stdout, serves
// until interrupted, then prints the request counters as JSON on stdout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"dgaudit/directory/graph/graphtest"
	"dgaudit/directory/synthetic"
)

func main() {
	groups := flag.Int("groups", 5000, "mail-enabled groups in the tenant")
	lo := flag.Int("min-members", 40, "fewest members per group (users are added to reach it)")
	hi := flag.Int("max-members", 60, "most members added per group")
	seed := flag.Int64("seed", 1, "generator seed")
	throttle := flag.Float64("throttle", 0, "fraction of requests and of batch items answered 429 with Retry-After: 1 (drawn with a fixed seed)")
	dir := flag.String("dir", os.TempDir(), "directory for the CA file")
	flag.Parse()

	srv := graphtest.New(graphtest.TopUp(synthetic.Generate(*groups, *seed), *lo, *hi, uint64(*seed)), graphtest.Options{})
	if *throttle > 0 {
		f := graphtest.Fault{Status: 429, RetryAfter: "1"}
		srv.SetFaults(graphtest.Chain(graphtest.Fraction(*throttle, 1, graphtest.Graph(""), f), graphtest.Fraction(*throttle, 2, graphtest.InBatch(""), f)))
	}
	ca, err := srv.WriteCA(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "graphemu:", err)
		os.Exit(1)
	}
	o := srv.Options()
	fmt.Printf("url=%s\nca=%s\ntenant=%s\nclient=%s\nsecret=%s\n", srv.URL, ca, o.TenantID, o.ClientID, o.ClientSecret)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop()
	srv.Close()
	json.NewEncoder(os.Stdout).Encode(srv.Stats())
}
