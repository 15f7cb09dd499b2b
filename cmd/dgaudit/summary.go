package main

import (
	"fmt"
	"strings"

	"dgaudit/audit"
)

// printSummary writes the one-screen end-of-run summary to stderr.
func (a *app) printSummary(rep *audit.Report, outs []output, failOn *audit.Severity, code int) {
	var b strings.Builder
	if rep.Traffic != nil {
		// Observed evidence first: a live loop matters more than any setting.
		writeTrafficSummary(&b, rep.Traffic)
	}
	state := "complete"
	if !rep.Complete {
		state = "INCOMPLETE"
	}
	fmt.Fprintf(&b, "\ndgaudit: audited %d mail-enabled groups from %s (%s)\n", rep.Summary.Groups, rep.Source, state)
	b.WriteString("risk:")
	for _, band := range audit.Bands {
		fmt.Fprintf(&b, "  %s %d", band, rep.Summary.ByBand[band])
	}
	fmt.Fprintf(&b, "\nfindings: %d; distinct external recipients reached: %d\n", rep.Summary.Findings, rep.Summary.ExternalRecipients)
	top := 0
	for _, g := range rep.Groups {
		if top == 5 || g.Score == 0 {
			break
		}
		if top == 0 {
			b.WriteString("top groups:\n")
		}
		top++
		var ids []string
		for _, f := range g.Findings {
			if f.Severity >= audit.Medium {
				ids = append(ids, f.Rule)
			}
		}
		live := ""
		if g.Observed != nil && g.Observed.Loop {
			live = "LIVE LOOP  "
		}
		fmt.Fprintf(&b, "  %3d %-8s %s%s <%s>  %d external of %d  %s\n", g.Score, g.Risk, live, g.Name, g.Mail, g.ExternalMembers, g.ExpandedRecipients, strings.Join(ids, ", "))
	}
	for _, f := range rep.OrgFindings {
		fmt.Fprintf(&b, "organization: [%s] %s: %s\n", f.Severity, f.Rule, f.Message)
	}
	if n := len(rep.Coverage.Gaps); n > 0 {
		fmt.Fprintf(&b, "gaps: %d things could not be read (see the coverage section of the report)\n", n)
		for i, g := range rep.Coverage.Gaps {
			if i == 5 {
				fmt.Fprintf(&b, "  ... and %d more\n", n-5)
				break
			}
			fmt.Fprintf(&b, "  %s %s: %s\n", g.What, g.Object, g.Reason)
		}
	}
	var incomplete []string
	for _, g := range rep.Groups {
		if g.Incomplete {
			incomplete = append(incomplete, g.Name)
		}
	}
	if n := len(incomplete); n > 0 {
		if n > 5 {
			incomplete = append(incomplete[:5], fmt.Sprintf("and %d more", n-5))
		}
		fmt.Fprintf(&b, "incomplete: %d groups have members that could not be read or resolved (rule unresolved-members): %s\n", n, strings.Join(incomplete, ", "))
	}
	if len(outs) == 0 {
		b.WriteString("reports: none written (add -o report.xlsx -o report.json)\n")
	}
	for _, o := range outs {
		where := o.path
		if where == "-" {
			where = "stdout"
		}
		fmt.Fprintf(&b, "report: %s (%s)\n", where, o.format)
	}
	threshold := "none"
	if failOn != nil {
		threshold = failOn.String()
	}
	switch code {
	case exitFindings:
		fmt.Fprintf(&b, "exit %d: findings at or above %s (--fail-on)\n", code, threshold)
	case exitGaps:
		fmt.Fprintf(&b, "exit %d: completed with gaps; the results are lower bounds\n", code)
	default:
		fmt.Fprintf(&b, "exit 0: nothing at or above %s (--fail-on)\n", threshold)
	}
	fmt.Fprint(a.stderr, b.String())
}
