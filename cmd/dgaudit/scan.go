package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"dgaudit/audit"
)

// reportOptions are the flags of commands that write reports.
type reportOptions struct {
	outputs  []string
	audit    auditOptions
	tracking trackingOptions
}

func (o *reportOptions) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&o.outputs, "output", "o", nil, "write a report; format from the extension: .xlsx, .json, .csv; - is JSON on stdout (repeatable)")
	o.audit.register(cmd)
	o.tracking.register(cmd)
}

func (a *app) scanCmd() *cobra.Command {
	var src sourceOptions
	var rep reportOptions
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Collect from a source, audit and write reports in one run",
		Example: `  dgaudit scan --demo -o report.xlsx -o report.json
  DGAUDIT_LDAP_PASSWORD=... dgaudit scan --ldap-url ldaps://dc1.corp.example --bind-dn svc-audit@corp.example -o report.xlsx`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runAudit(cmd.Context(), &src, &rep)
		},
	}
	src.register(cmd, offlineSources|liveSources)
	rep.register(cmd)
	return cmd
}

func (a *app) auditCmd() *cobra.Command {
	var src sourceOptions
	var rep reportOptions
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Audit a snapshot file (or another offline source) and write reports",
		Example: `  dgaudit audit --snapshot corp.snapshot.json -o report.xlsx -o report.json
  dgaudit audit --ldif export.ldf -o -`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runAudit(cmd.Context(), &src, &rep)
		},
	}
	src.register(cmd, offlineSources)
	rep.register(cmd)
	return cmd
}

func (a *app) collectCmd() *cobra.Command {
	var src sourceOptions
	var out string
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Read a source and save a snapshot file for later audits",
		Example: `  DGAUDIT_LDAP_PASSWORD=... dgaudit collect --ldap-url ldaps://dc1.corp.example --bind-dn svc-audit@corp.example -o corp.snapshot.json
  dgaudit collect --ldif export.ldf -o corp.snapshot.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("collect needs -o FILE (or -o - for stdout)")
			}
			if out != "-" {
				if err := checkTargetDir(out); err != nil {
					return usagef("-o %s: %v", out, err)
				}
			}
			snap, err := a.collect(cmd.Context(), &src)
			if err != nil {
				return err
			}
			if out == "-" {
				err = snap.Write(a.stdout)
			} else {
				err = writeFileAtomic(out, func(w io.Writer) error { return snap.Write(w) })
			}
			if err != nil {
				return fmt.Errorf("write snapshot %s: %w", out, err)
			}
			a.log.Info("snapshot written", "path", out)
			if !snap.Coverage.Complete() {
				fmt.Fprintf(a.stderr, "dgaudit: snapshot is incomplete: %d gaps (listed in its coverage section)\n", len(snap.Coverage.Gaps))
				return resultError{exitGaps}
			}
			return nil
		},
	}
	src.register(cmd, offlineSources|liveSources)
	cmd.Flags().StringVarP(&out, "output", "o", "", "snapshot file to write (- for stdout)")
	return cmd
}

// runAudit is scan and audit: collect, judge, write, summarise, exit code.
func (a *app) runAudit(ctx context.Context, src *sourceOptions, ro *reportOptions) error {
	cat := catalogue()
	opts, failOn, err := ro.audit.resolve(cat)
	if err != nil {
		return err
	}
	outs, err := planOutputs(ro.outputs)
	if err != nil {
		return err
	}
	if err := checkInterval(ro.tracking.interval, "--tracking-interval"); err != nil {
		return err
	}
	trackFiles, err := trackingFiles(ro.tracking.paths)
	if err != nil {
		return err
	}
	snap, err := a.collect(ctx, src)
	if err != nil {
		return err
	}
	rep, err := audit.Run(ctx, snap, cat, opts)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if len(trackFiles) > 0 {
		t, err := a.readTracking(ctx, trackFiles, snap, opts.InternalDomains, ro.tracking.interval)
		if err != nil {
			return err
		}
		if src.strict && t.Input.Failed > 0 {
			return fmt.Errorf("--strict: %d tracking files could not be read to their end; no report written", t.Input.Failed)
		}
		attachTracking(rep, t)
	}
	if src.strict && !rep.Complete {
		return fmt.Errorf("--strict: the membership of some groups could not be resolved (rule unresolved-members); no report written")
	}
	if err := writeOutputs(outs, rep, a.stdout); err != nil {
		return err
	}
	code := verdict(rep, failOn)
	a.printSummary(rep, outs, failOn, code)
	if code != exitOK {
		return resultError{code}
	}
	return nil
}

// verdict maps a completed report to its exit code.
func verdict(rep *audit.Report, failOn *audit.Severity) int {
	if !rep.Complete {
		return exitGaps
	}
	if failOn == nil {
		return exitOK
	}
	at := func(fs []audit.Finding) bool {
		s, ok := audit.MaxSeverity(fs)
		return ok && s >= *failOn
	}
	if at(rep.OrgFindings) {
		return exitFindings
	}
	if rep.Traffic != nil {
		if s, ok := trafficSeverity(rep.Traffic); ok && s >= *failOn {
			return exitFindings
		}
	}
	for _, g := range rep.Groups {
		if at(g.Findings) {
			return exitFindings
		}
	}
	return exitOK
}
