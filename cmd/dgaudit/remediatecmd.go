package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"dgaudit/audit"
	"dgaudit/reports"
	"dgaudit/reports/remediate"
	"dgaudit/rules"
)

func (a *app) remediateCmd() *cobra.Command {
	var (
		report, out, minSeverity string
		groups, ruleIDs          []string
		apply                    bool
	)
	cmd := &cobra.Command{
		Use:   "remediate",
		Short: "Write a fix script (Exchange PowerShell or LDIF) from a JSON report, for a human to review and run",
		Long: `remediate reads a JSON report and writes a script that fixes the selected findings:
an Exchange PowerShell script (.ps1: Set-DistributionGroup, Set-DynamicDistributionGroup,
Set-UnifiedGroup) or an LDIF change file (.ldf, .ldif) for Active Directory. Each change is
commented with the findings it answers. PowerShell cmdlets carry -WhatIf unless
--apply-script is given. dgaudit never changes the directory itself.`,
		Example: `  dgaudit remediate --report report.json -o fix.ps1
  dgaudit remediate --report report.json --min-severity high --rule ndr-loop-risk -o fix.ldf`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if report == "" || out == "" {
				return usagef("remediate needs --report FILE and -o FILE (.ps1, .ldf or .ldif)")
			}
			ext := strings.ToLower(filepath.Ext(out))
			if ext != ".ps1" && ext != ".ldf" && ext != ".ldif" {
				return usagef("-o %s: cannot tell the script kind from the extension (want .ps1, .ldf or .ldif)", out)
			}
			if apply && ext != ".ps1" {
				return usagef("--apply-script is for PowerShell scripts; LDIF has no dry-run mode to leave")
			}
			if err := checkTargetDir(out); err != nil {
				return usagef("-o %s: %v", out, err)
			}
			sev, err := audit.ParseSeverity(minSeverity)
			if err != nil {
				return usagef("--min-severity: %v", err)
			}
			known := map[string]bool{}
			for _, r := range catalogue(rules.Config{}) {
				known[r.ID] = true
			}
			for _, id := range ruleIDs {
				if !known[id] {
					return usagef("--rule %s: no such rule (see 'dgaudit rules')", id)
				}
			}
			f, err := os.Open(report)
			if err != nil {
				return fmt.Errorf("read report: %w", err)
			}
			defer f.Close()
			rep, err := reports.ReadJSON(f)
			if err != nil {
				return fmt.Errorf("read report %s: %w", report, err)
			}
			for _, g := range groups {
				if !reportHasGroup(rep, g) {
					return usagef("--group %s: no group with that ID or mail address in %s", g, report)
				}
			}
			sel := remediate.Selection{MinSeverity: sev, Groups: groups, Rules: ruleIDs}
			err = writeFileAtomic(out, func(w io.Writer) error {
				if ext == ".ps1" {
					return remediate.PowerShell(w, rep, sel, remediate.PowerShellOptions{Apply: apply})
				}
				return remediate.LDIF(w, rep, sel)
			})
			if err != nil {
				return fmt.Errorf("write %s: %w", out, err)
			}
			fmt.Fprintf(a.stderr, "dgaudit: wrote %s; review it before running it\n", out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&report, "report", "", "JSON report written by scan or audit")
	f.StringVarP(&out, "output", "o", "", "script to write: .ps1 (Exchange PowerShell) or .ldf/.ldif (LDIF)")
	f.StringVar(&minSeverity, "min-severity", "medium", "fix findings at or above this severity")
	f.StringArrayVar(&groups, "group", nil, "fix only this group, by object ID or mail address (repeatable)")
	f.StringArrayVar(&ruleIDs, "rule", nil, "fix only findings of this rule ID (repeatable)")
	f.BoolVar(&apply, "apply-script", false, "leave -WhatIf off, so the PowerShell script changes the groups when run")
	return cmd
}

func reportHasGroup(rep *reports.ReadReport, idOrMail string) bool {
	for _, g := range rep.Groups {
		if remediate.MatchesGroup(&g, idOrMail) {
			return true
		}
	}
	return false
}
