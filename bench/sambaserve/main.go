package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"dgaudit/directory/ldap/sambatest"
)

func main() {
	addr := flag.String("addr", "127.0.0.12", "loopback address to listen on")
	fixture := flag.Bool("fixture", false, "load the test fixture organization")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: sambaserve [-addr 127.0.0.12] [-fixture]")
		os.Exit(2)
	}
	if ok, why := sambatest.Installed(); !ok {
		fmt.Fprintln(os.Stderr, "sambaserve:", why)
		os.Exit(1)
	}
	if err := run(*addr, *fixture); err != nil {
		fmt.Fprintln(os.Stderr, "sambaserve:", err)
		os.Exit(1)
	}
}

func run(addr string, fixture bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := sambatest.Start(ctx, sambatest.Options{Addr: addr, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer s.Stop()
	if fixture {
		t0 := time.Now()
		if err := s.LoadFixture(ctx, sambatest.DefaultBigSize); err != nil {
			return fmt.Errorf("load fixture: %w", err)
		}
		fmt.Fprintf(os.Stderr, "sambaserve: fixture loaded in %s\n", time.Since(t0).Round(time.Millisecond))
	}
	fmt.Printf("SAMBA_DIR=%s\nSAMBA_ADDR=%s\nSAMBA_CA=%s\nSAMBA_KRB5=%s\nSAMBA_BASE=%q\nSAMBA_ADMIN=%q\n",
		s.Dir, s.Addr, s.CAFile, s.Krb5Conf(), sambatest.BaseDN, sambatest.AdminDN)
	// Stdin closing (the caller exited or closed the pipe) or a signal
	// ends the run.
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	select {
	case <-eof:
	case <-ctx.Done():
	}
	return nil
}
