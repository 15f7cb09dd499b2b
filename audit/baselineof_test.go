package audit_test

import (
	"context"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/rules"
)

// auditedAgainst runs the default rule catalogue over s, compared with base
// (nil for none).
func auditedAgainst(t *testing.T, s *directory.Snapshot, base *audit.Baseline) *audit.Report {
	t.Helper()
	rep, err := audit.Run(context.Background(), s, rules.All(rules.DefaultConfig()), audit.Options{Baseline: base})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// baselineOf is the baseline a JSON report of rep gives: its groups' scores
// and findings, and the organization's findings.
func baselineOf(rep *audit.Report) *audit.Baseline {
	base := &audit.Baseline{FromReport: true}
	for _, g := range rep.Groups {
		bg := audit.BaselineGroup{ID: g.ID, Name: g.Name, Mail: g.Mail, Score: g.Score, Risk: g.Risk}
		for _, f := range g.Findings {
			bg.Findings = append(bg.Findings, audit.FindingRef{Rule: f.Rule, Severity: f.Severity})
		}
		base.Groups = append(base.Groups, bg)
	}
	for _, f := range rep.OrgFindings {
		base.OrgFindings = append(base.OrgFindings, audit.FindingRef{Rule: f.Rule, Severity: f.Severity})
	}
	return base
}
