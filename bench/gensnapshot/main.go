package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"dgaudit/directory/synthetic"
)

func main() {
	groups := flag.Int("groups", 10000, "number of groups")
	seed := flag.Int64("seed", 1, "random seed")
	out := flag.String("o", "", "snapshot file to write (- for stdout)")
	flag.Parse()
	if *out == "" || *groups < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gensnapshot -groups N [-seed S] -o FILE")
		os.Exit(2)
	}
	if err := run(*groups, *seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gensnapshot:", err)
		os.Exit(1)
	}
}

func run(groups int, seed int64, out string) error {
	start := time.Now()
	s := synthetic.Generate(groups, seed)
	generated := time.Since(start)

	w := os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := s.Write(w); err != nil {
		return err
	}
	if w != os.Stdout {
		// Close explicitly: a failed close can mean a truncated file.
		if err := w.Close(); err != nil {
			return err
		}
	}
	memberships := 0
	for _, g := range s.Groups {
		memberships += len(g.Members)
	}
	fmt.Fprintf(os.Stderr, "gensnapshot: %d groups, %d users, %d contacts, %d memberships (generated in %s, written in %s)\n",
		len(s.Groups), len(s.Users), len(s.Contacts), memberships,
		generated.Round(time.Millisecond), (time.Since(start) - generated).Round(time.Millisecond))
	return nil
}
