package reports

import (
	"fmt"

	"dgaudit/audit"
	"dgaudit/directory"
)

// What the line formats (CSV, JSON Lines) say about the run itself. They
// have no top-level "complete" and "coverage" as the JSON report has, so
// without these a run that found nothing because it could not read the
// directory would look exactly like a clean one.

// Row names and rule-like IDs of the CSV's run rows. They are not findings
// and no rule has these IDs.
const (
	runGroupName     = "(run)"
	gapGroupName     = "(coverage gap)"
	ruleIncomplete   = "incomplete-run"
	ruleCoverageGap  = "coverage-gap"
	titleIncomplete  = "The run is incomplete: findings may be missing"
	titleCoverageGap = "Part of the directory could not be read"
)

func incompleteGroups(rep *audit.Report) int {
	n := 0
	for i := range rep.Groups {
		if rep.Groups[i].Incomplete {
			n++
		}
	}
	return n
}

// runMessage says in one line whether the findings are the whole picture.
func runMessage(rep *audit.Report, incomplete int) string {
	if rep.Complete {
		return fmt.Sprintf("complete run: %s audited, %s",
			plural(len(rep.Groups), "group", "groups"), plural(rep.Summary.Findings, "finding", "findings"))
	}
	return fmt.Sprintf("incomplete run: %s, %s; findings may be missing, do not read this as all clear",
		plural(len(rep.Coverage.Gaps), "coverage gap", "coverage gaps"), plural(incomplete, "incomplete group", "incomplete groups"))
}

// gapEvidence is a coverage gap's kind and object in the CSV's evidence
// format.
func gapEvidence(g directory.Gap) string {
	s := "what=" + g.What
	if g.Object != "" {
		s += "; object=" + g.Object
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
