package main

import (
	"fmt"
	"strings"

	"dgaudit/audit"
)

// printSummary writes the one-screen end-of-run summary to stderr.
func (a *app) printSummary(rep *audit.Report, outs []output, policy exitPolicy, code int) {
	var b strings.Builder
	if rep.Traffic != nil {
		// Observed evidence first: a live loop matters more than any setting.
		writeTrafficSummary(&b, rep.Traffic)
	}
	state := "complete"
	if !rep.Complete {
		state = "INCOMPLETE"
	}
	fmt.Fprintf(&b, "\ndgaudit: audited %d mail-enabled groups from %s (%s)\n", rep.Summary.Groups, printable(rep.Source), state)
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
				ids = append(ids, printable(f.Rule))
			}
		}
		live := ""
		if g.Observed != nil && g.Observed.Loop {
			live = "LIVE LOOP  "
		}
		fmt.Fprintf(&b, "  %3d %-8s %s%s <%s>  %d external of %d  %s\n", g.Score, g.Risk, live, printable(g.Name), printable(g.Mail), g.ExternalMembers, g.ExpandedRecipients, strings.Join(ids, ", "))
	}
	for _, f := range rep.OrgFindings {
		fmt.Fprintf(&b, "organization: [%s] %s: %s\n", f.Severity, printable(f.Rule), printable(f.Message))
	}
	if n := len(rep.Coverage.Gaps); n > 0 {
		fmt.Fprintf(&b, "gaps: %d things could not be read (see the coverage section of the report)\n", n)
		for i, g := range rep.Coverage.Gaps {
			if i == 5 {
				fmt.Fprintf(&b, "  ... and %d more\n", n-5)
				break
			}
			fmt.Fprintf(&b, "  %s %s: %s\n", printable(g.What), printable(gapObject(rep, g.Object)), printable(g.Reason))
		}
	}
	writeIncompleteSummary(&b, rep.Groups)
	writeChangesSummary(&b, rep.Changes)
	writeSuppressionSummary(&b, rep)
	if len(outs) == 0 {
		b.WriteString("reports: none written (add -o report.xlsx -o report.json)\n")
	}
	for _, o := range outs {
		where := o.path
		if where == "-" {
			where = "stdout"
		}
		fmt.Fprintf(&b, "report: %s (%s)\n", printable(where), o.format)
	}
	threshold := "none"
	if policy.failOn != nil {
		threshold = policy.failOn.String()
	}
	switch {
	case code == exitGaps:
		fmt.Fprintf(&b, "exit %d: completed with gaps; the results are lower bounds\n", code)
	case policy.failOnNew != nil && code == exitFindings:
		fmt.Fprintf(&b, "exit %d: new or worse findings at or above %s (--fail-on-new)\n", code, policy.failOnNew)
	case policy.failOnNew != nil:
		fmt.Fprintf(&b, "exit 0: nothing new or worse at or above %s (--fail-on-new)\n", policy.failOnNew)
	case code == exitFindings:
		fmt.Fprintf(&b, "exit %d: findings at or above %s (--fail-on)\n", code, threshold)
	default:
		fmt.Fprintf(&b, "exit 0: nothing at or above %s (--fail-on)\n", threshold)
	}
	fmt.Fprint(a.stderr, b.String())
}

// writeIncompleteSummary names the groups that were not read in full, one
// line per part missing: unread members make the counts lower bounds, unread
// settings mean the rules that judge them did not run, unread settings of a
// nested group make the reachable count an upper bound, an unread first
// owner in manager mode leaves unknown whether delivery reports go to a
// group, and a reader acts on each differently. A group missing several is
// on each of their lines.
func writeIncompleteSummary(b *strings.Builder, groups []audit.GroupResult) {
	var members, settings, nested, owner []string
	for i := range groups {
		g := &groups[i]
		if g.MembersIncomplete {
			members = append(members, printable(g.Name))
		}
		if g.SettingsUnknown {
			settings = append(settings, printable(g.Name))
		}
		if len(g.NestedSettingsUnknown) > 0 {
			nested = append(nested, printable(g.Name)+" (through "+printable(strings.Join(g.NestedSettingsUnknown, ", "))+")")
		}
		if g.OwnerUnknown {
			owner = append(owner, printable(g.Name))
		}
	}
	line := func(names []string, what string) {
		n := len(names)
		if n == 0 {
			return
		}
		if n > 5 {
			names = append(names[:5], fmt.Sprintf("and %d more", n-5))
		}
		fmt.Fprintf(b, "incomplete: %d groups %s: %s\n", n, what, strings.Join(names, ", "))
	}
	line(members, "have members that could not be read or resolved (rule unresolved-members)")
	line(settings, "have delivery settings that could not be read (the rules that judge them did not run)")
	line(nested, "reach external recipients through nested groups whose settings could not be read (counted as reachable by outside senders)")
	line(owner, "are in manager mode with a first owner that could not be read or resolved (whether their delivery reports go to a group is unknown: rule manager-is-group)")
}

// writeChangesSummary adds the comparison with the baseline: the counts, then
// the groups that are new or worse, most at risk first.
func writeChangesSummary(b *strings.Builder, c *audit.Changes) {
	if c == nil {
		return
	}
	fmt.Fprintf(b, "changes since the baseline (%s", printable(c.BaselineSource))
	if !c.BaselineAuditedAt.IsZero() {
		fmt.Fprintf(b, ", audited %s", c.BaselineAuditedAt.UTC().Format("2006-01-02 15:04Z"))
	}
	b.WriteString("):")
	for _, ch := range audit.ChangeOrder {
		fmt.Fprintf(b, "  %s %d", ch, c.Counts[ch])
	}
	b.WriteString("\n")
	if c.ConfigurationOnly {
		b.WriteString("  compared on configuration alone: only one of the two runs had tracking logs\n")
	}
	if o := c.Organization; o != nil && len(o.Added) > 0 {
		fmt.Fprintf(b, "  organization: new %s\n", refList(o.Added))
	}
	if o := c.Organization; o != nil && o.Change == audit.ChangeNotRead {
		// Gone for want of data, which a reader must not take for a fix.
		fmt.Fprintf(b, "  organization: not-read: gone while what they judge could not be read: %s\n", refList(o.Removed))
	}
	shown := 0
	for _, g := range c.Groups {
		if g.Change != audit.ChangeNew && g.Change != audit.ChangeWorsened {
			continue
		}
		if shown == 5 {
			fmt.Fprintf(b, "  ... and %d more new or worsened (see the Changes sheet or changes in the JSON)\n", c.Counts[audit.ChangeNew]+c.Counts[audit.ChangeWorsened]-5)
			break
		}
		shown++
		fmt.Fprintf(b, "  %-9s %3d (was %d) %s <%s>  %s\n", g.Change, g.Score, g.PreviousScore, printable(g.Name), printable(g.Mail), refList(g.Added))
	}
}

func refList(refs []audit.FindingRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = printable(r.Rule) + " (" + r.Severity.String() + ")"
	}
	return strings.Join(parts, ", ")
}

// writeSuppressionSummary says how much was suppressed, and lists the
// suppressions that are expired or matched nothing so the file gets tidied.
func writeSuppressionSummary(b *strings.Builder, rep *audit.Report) {
	if rep.Suppressions == nil {
		return
	}
	var stale []audit.SuppressionResult
	active := 0
	for _, s := range rep.Suppressions {
		if s.State == audit.SuppressionActive {
			active++
		} else {
			stale = append(stale, s)
		}
	}
	fmt.Fprintf(b, "suppressed: %d findings by %d of %d suppressions (left out of scores and the exit code)\n", rep.Summary.Suppressed, active, len(rep.Suppressions))
	for _, s := range stale {
		what := "matched nothing (group gone or fixed? remove the entry)"
		if s.State == audit.SuppressionExpired {
			what = "expired after " + s.LastDay().Format("2006-01-02") + ", its last day (renew it or fix the group)"
		}
		name := s.Name
		if name == "" {
			name = s.ObjectID
		}
		fmt.Fprintf(b, "  %s suppression line %d: %s / %s, owner %s: %s\n", s.State, s.Line, printable(name), printable(s.Rule), printable(s.Owner), what)
	}
}

// gapObject names a gap's object for a reader: a group's gap carries its
// ID (a GUID), which the summary shows beside the group's name.
func gapObject(rep *audit.Report, object string) string {
	for i := range rep.Groups {
		if g := &rep.Groups[i]; g.ID == object && g.Name != "" {
			return g.Name + " (" + object + ")"
		}
	}
	return object
}
