package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"dgaudit/directory/exchange/exotest"
	"dgaudit/directory/synthetic"
)

func main() {
	groups := flag.Int("groups", 10000, "number of groups")
	seed := flag.Int64("seed", 1, "random seed")
	format := flag.String("format", "json", "json or csv")
	online := flag.Bool("online", false, "shape the objects as Exchange Online's (IDs in ExternalDirectoryObjectId)")
	out := flag.String("o", "", "folder to write (created)")
	flag.Parse()
	if *out == "" || *groups < 0 || flag.NArg() > 0 || (*format != "json" && *format != "csv") {
		fmt.Fprintln(os.Stderr, "usage: genexport -groups N [-seed S] [-format json|csv] [-online] -o DIR")
		os.Exit(2)
	}
	start := time.Now()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "genexport:", err)
		os.Exit(1)
	}
	snap := synthetic.Generate(*groups, *seed)
	if err := exotest.Shape(snap, *online).WriteExport(*out, exotest.Format(*format)); err != nil {
		fmt.Fprintln(os.Stderr, "genexport:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genexport: %d groups, %d users, %d contacts in %s (%v)\n",
		len(snap.Groups), len(snap.Users), len(snap.Contacts), *out, time.Since(start).Round(time.Millisecond))
}
