package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"dgaudit/audit"
)

// reportOptions are the flags of commands that write reports.
type reportOptions struct {
	outputs  []string
	audit    auditOptions
	config   configOptions
	tracking trackingOptions
}

func (o *reportOptions) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&o.outputs, "output", "o", nil, "write a report; format from the extension: .xlsx, .json, .csv, .jsonl; - is JSON on stdout (repeatable)")
	o.audit.register(cmd)
	o.config.register(cmd)
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
			if err := a.configureAudit(cmd, &src, &rep); err != nil {
				return err
			}
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
			if err := a.configureAudit(cmd, &src, &rep); err != nil {
				return err
			}
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
	var cfg configOptions
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Read a source and save a snapshot file for later audits",
		Example: `  DGAUDIT_LDAP_PASSWORD=... dgaudit collect --ldap-url ldaps://dc1.corp.example --bind-dn svc-audit@corp.example -o corp.snapshot.json
  dgaudit collect --ldif export.ldf -o corp.snapshot.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			given := givenFlags(cmd.Flags())
			fo, err := a.configure(cmd, &cfg)
			if err != nil {
				return err
			}
			if err := src.stray(given); err != nil {
				return err
			}
			src.ldap.passwordEnv = fo.passwordEnv
			src.m365.secretEnv = fo.m365SecretEnv
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
				// As a report on stdout (writeStdout): names a terminal
				// would act on go out escaped.
				w := &jsonTerminalWriter{w: a.stdout}
				if err = snap.Write(w); err == nil {
					err = w.Flush()
				}
			} else {
				if st, serr := os.Stat(out); serr == nil && st.Mode().Perm()&^snapshotKeep != 0 {
					a.log.Warn("the snapshot being replaced was readable by every account; the new one is not", "path", out,
						"mode", fmt.Sprintf("%04o", st.Mode().Perm()), "new mode", fmt.Sprintf("%04o", st.Mode().Perm()&snapshotKeep))
				}
				err = writeFileAtomicPerm(out, snapshotPerm, func(w io.Writer) error { return snap.Write(w) })
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
	cfg.register(cmd)
	return cmd
}

// configureAudit applies the config layers to scan and audit.
func (a *app) configureAudit(cmd *cobra.Command, src *sourceOptions, ro *reportOptions) error {
	given := givenFlags(cmd.Flags())
	fo, err := a.configure(cmd, &ro.config)
	if err != nil {
		return err
	}
	if err := errors.Join(src.stray(given), ro.tracking.stray(given)); err != nil {
		return usageError{err}
	}
	src.ldap.passwordEnv = fo.passwordEnv
	src.m365.secretEnv = fo.m365SecretEnv
	ro.audit.thresholds = fo.thresholds
	ro.audit.name = settingName(given, a.env)
	return nil
}

// runAudit is scan and audit: collect, judge, write, summarise, exit code.
func (a *app) runAudit(ctx context.Context, src *sourceOptions, ro *reportOptions) error {
	cat := catalogue(ro.audit.thresholds)
	opts, failOn, err := ro.audit.resolve(cat)
	if err != nil {
		return err
	}
	outs, err := planOutputs(ro.outputs)
	if err != nil {
		return err
	}
	// The baseline and suppressions are read before collecting, so a typo
	// costs nothing.
	if opts.Baseline, err = a.loadBaseline(ro.audit.baseline); err != nil {
		return err
	}
	if ro.audit.suppressions != "" {
		if opts.Suppressions, err = loadSuppressions(ro.audit.suppressions, cat); err != nil {
			return err
		}
	}
	if err := checkInterval(ro.tracking.interval, "--tracking-interval"); err != nil {
		return err
	}
	trackFiles, err := a.trackingFiles(ro.tracking.paths)
	if err != nil {
		return err
	}
	snap, err := a.collect(ctx, src)
	if err != nil {
		return err
	}
	if len(trackFiles) > 0 {
		// Read before the audit, which attaches the evidence ahead of its
		// summary and the baseline comparison.
		if opts.Traffic, err = a.readTracking(ctx, trackFiles, snap, opts.InternalDomains, ro.tracking.relays, ro.tracking.interval); err != nil {
			return err
		}
		if err := strictTracking(src.strict, opts.Traffic.Input); err != nil {
			return err
		}
	}
	rep, err := audit.Run(ctx, snap, cat, opts)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if src.strict && !rep.Complete {
		return fmt.Errorf("--strict: some groups could not be judged in full (members that could not be resolved, rule unresolved-members, or settings the summary lists as incomplete); no report written")
	}
	if err := writeOutputs(outs, rep, a.stdout); err != nil {
		return err
	}
	v := exitPolicy{failOn: failOn}
	if ro.audit.failOnNew != "" {
		s, _ := audit.ParseSeverity(ro.audit.failOnNew)
		v = exitPolicy{failOnNew: &s}
	}
	code := v.verdict(rep)
	a.printSummary(rep, outs, v, code)
	if code != exitOK {
		return resultError{code}
	}
	return nil
}

// exitPolicy is what fails a run: findings at or above failOn, or, when
// failOnNew is set, findings at or above it that are new or worse than the
// baseline.
type exitPolicy struct {
	failOn    *audit.Severity
	failOnNew *audit.Severity
}

// verdict maps a completed report to its exit code.
func (p exitPolicy) verdict(rep *audit.Report) int {
	if !rep.Complete {
		return exitGaps
	}
	if p.failOnNew != nil {
		// A live loop in the tracking logs is happening now, whatever the
		// baseline says.
		if rep.Traffic != nil {
			if s, ok := rep.Traffic.Worst(); ok && s >= *p.failOnNew {
				return exitFindings
			}
		}
		if rep.Changes != nil && rep.Changes.NewOrWorseAtLeast(*p.failOnNew) {
			return exitFindings
		}
		return exitOK
	}
	failOn := p.failOn
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
		if s, ok := rep.Traffic.Worst(); ok && s >= *failOn {
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
