package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"dgaudit/directory"
	"dgaudit/directory/demo"
	"dgaudit/directory/ldif"
)

// sourceOptions selects where a snapshot comes from. Exactly one source is
// allowed per run; which kinds a command accepts depends on the command.
type sourceOptions struct {
	demo     bool
	snapshot string
	ldif     string
	// exchangeExport is a directory written by Export-DgauditData.ps1.
	exchangeExport string
	ldap           ldapOptions
	m365           m365Options
	// kinds are the sources the command registered, so that an error
	// lists only flags the command accepts.
	kinds sourceKind
	// strict turns gaps into a failure: exit 3 and no report, for jobs that
	// must never publish an incomplete result.
	strict bool
}

type sourceKind int

const (
	offlineSources sourceKind = 1 << iota // demo, snapshot, LDIF
	liveSources                           // LDAP, Microsoft 365
)

func (o *sourceOptions) register(cmd *cobra.Command, kinds sourceKind) {
	o.kinds = kinds
	f := cmd.Flags()
	f.BoolVar(&o.demo, "demo", false, "use the embedded demo organization (no server, no credentials)")
	f.StringVar(&o.snapshot, "snapshot", "", "read a snapshot file written by 'dgaudit collect'")
	f.StringVar(&o.ldif, "ldif", "", "read an LDIF export (ldifde or ldapsearch) of the directory")
	f.StringVar(&o.exchangeExport, "exchange-export", "", "read the folder scripts/Export-DgauditData.ps1 wrote in the Exchange Management Shell or Exchange Online PowerShell (JSON or CSV)")
	f.BoolVar(&o.strict, "strict", false, "fail (exit 3, no report written) when anything could not be read, instead of completing with gaps (exit 4)")
	if kinds&liveSources != 0 {
		o.ldap.register(cmd)
		o.m365.register(cmd)
	}
}

// source builds the chosen source, or a usage error when none or several are
// chosen.
func (a *app) source(o *sourceOptions) (directory.Source, string, error) {
	var chosen []string
	if o.demo {
		chosen = append(chosen, "--demo")
	}
	if o.snapshot != "" {
		chosen = append(chosen, "--snapshot")
	}
	if o.ldif != "" {
		chosen = append(chosen, "--ldif")
	}
	if o.exchangeExport != "" {
		chosen = append(chosen, "--exchange-export")
	}
	if o.ldap.chosen() {
		chosen = append(chosen, "--ldap-url")
	}
	if o.m365.chosen() {
		chosen = append(chosen, "--m365")
	}
	switch len(chosen) {
	case 0:
		if o.kinds&liveSources == 0 {
			return nil, "", usagef("no source: give one of --demo, --snapshot FILE, --ldif FILE or --exchange-export DIR (to read LDAP or Microsoft 365, use scan or collect)")
		}
		return nil, "", usagef("no source: give one of --demo, --snapshot FILE, --ldif FILE, --exchange-export DIR, --ldap-url URL or --m365")
	case 1:
	default:
		return nil, "", usagef("choose one source, not %v", chosen)
	}
	switch {
	case o.demo:
		return demo.Source{}, "demo", nil
	case o.snapshot != "":
		return directory.File{Path: o.snapshot}, o.snapshot, nil
	case o.ldif != "":
		// A missing export is input that could not be read (exit 3, as for
		// --snapshot), not a usage error: the flag was given as it should be.
		if _, err := os.Stat(o.ldif); err != nil {
			return nil, "", fmt.Errorf("--ldif: %w", err)
		}
		return ldif.Source{Path: o.ldif}, "ldif:" + o.ldif, nil
	case o.exchangeExport != "":
		return a.exchangeExportSource(o.exchangeExport)
	case o.m365.chosen():
		return a.m365Source(&o.m365, o.ldap.caFile)
	default:
		return a.ldapSource(&o.ldap)
	}
}

// collect runs the source and logs what it read.
func (a *app) collect(ctx context.Context, o *sourceOptions) (*directory.Snapshot, error) {
	src, name, err := a.source(o)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if snap.Collector == "" {
		snap.Collector = "dgaudit " + versionString()
	}
	a.log.Info("collected", "source", name, "groups", len(snap.Groups), "users", len(snap.Users),
		"contacts", len(snap.Contacts), "gaps", len(snap.Coverage.Gaps), "elapsed", time.Since(start).Round(time.Millisecond))
	for _, g := range snap.Coverage.Gaps {
		a.log.Warn("not read", "what", g.What, "object", g.Object, "reason", g.Reason)
	}
	if o.strict && len(snap.Coverage.Gaps) > 0 {
		g := snap.Coverage.Gaps[0]
		return nil, fmt.Errorf("--strict: %d things could not be read, first %s %s: %s", len(snap.Coverage.Gaps), g.What, g.Object, g.Reason)
	}
	return snap, nil
}
