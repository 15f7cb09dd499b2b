package reports

import (
	"time"

	"dgaudit/audit"
)

// The JSON of suppressions and baseline changes (docs/report-schema.md).

type jsonSuppression struct {
	ID      string                 `json:"id"`
	Name    string                 `json:"name,omitempty"`
	Rule    string                 `json:"rule"`
	Reason  string                 `json:"reason"`
	Owner   string                 `json:"owner"`
	Expires string                 `json:"expires,omitempty"`
	State   audit.SuppressionState `json:"state"`
	Matched int                    `json:"matched"`
}

type jsonSuppressed struct {
	jsonFinding
	SuppressedBy jsonSuppressedBy `json:"suppressedBy"`
}

type jsonSuppressedBy struct {
	Reason  string `json:"reason"`
	Owner   string `json:"owner"`
	Expires string `json:"expires,omitempty"`
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func suppressionsJSON(rs []audit.SuppressionResult) []jsonSuppression {
	out := make([]jsonSuppression, len(rs))
	for i, r := range rs {
		out[i] = jsonSuppression{
			ID: r.ObjectID, Name: r.Name, Rule: r.Rule, Reason: r.Reason, Owner: r.Owner,
			Expires: dateText(r.LastDay()), State: r.State, Matched: r.Matched,
		}
	}
	return out
}

// suppressedJSON returns nil for no suppressed findings, so the member is
// omitted from reports of runs without suppressions.
func suppressedJSON(fs []audit.SuppressedFinding) []jsonSuppressed {
	if len(fs) == 0 {
		return nil
	}
	out := make([]jsonSuppressed, len(fs))
	for i, f := range fs {
		out[i] = jsonSuppressed{
			jsonFinding:  findingsJSON([]audit.Finding{f.Finding})[0],
			SuppressedBy: jsonSuppressedBy{Reason: f.By.Reason, Owner: f.By.Owner, Expires: dateText(f.By.LastDay())},
		}
	}
	return out
}

type jsonChanges struct {
	Baseline jsonBaselineRef `json:"baseline"`
	Counts   jsonCounts      `json:"counts"`
	// ConfigurationOnly: one run had tracking evidence and the other had
	// not, so scores were compared without its points.
	ConfigurationOnly bool         `json:"configurationOnly"`
	Organization      *jsonChange  `json:"organization,omitempty"`
	Groups            []jsonChange `json:"groups"`
}

type jsonBaselineRef struct {
	Source    string `json:"source"`
	AuditedAt string `json:"auditedAt"`
}

// jsonCounts is a struct so the keys keep the documented order.
type jsonCounts struct {
	New       int `json:"new"`
	Worsened  int `json:"worsened"`
	Improved  int `json:"improved"`
	Unchanged int `json:"unchanged"`
	Resolved  int `json:"resolved"`
	NotRead   int `json:"notRead"`
}

type jsonChange struct {
	ID            string           `json:"id,omitempty"`
	Name          string           `json:"name"`
	Mail          string           `json:"mail,omitempty"`
	Change        audit.Change     `json:"change"`
	Score         int              `json:"score"`
	PreviousScore int              `json:"previousScore"`
	Risk          audit.Band       `json:"risk,omitempty"`
	PreviousRisk  audit.Band       `json:"previousRisk,omitempty"`
	Added         []jsonFindingRef `json:"added"`
	Removed       []jsonFindingRef `json:"removed"`
}

type jsonFindingRef struct {
	Rule     string         `json:"rule"`
	Severity audit.Severity `json:"severity"`
}

func changesJSON(c *audit.Changes) jsonChanges {
	out := jsonChanges{
		Baseline: jsonBaselineRef{Source: c.BaselineSource, AuditedAt: jsonTime(c.BaselineAuditedAt)},
		Counts: jsonCounts{
			New: c.Counts[audit.ChangeNew], Worsened: c.Counts[audit.ChangeWorsened],
			Improved: c.Counts[audit.ChangeImproved], Unchanged: c.Counts[audit.ChangeUnchanged],
			Resolved: c.Counts[audit.ChangeResolved], NotRead: c.Counts[audit.ChangeNotRead],
		},
		Groups:            make([]jsonChange, len(c.Groups)),
		ConfigurationOnly: c.ConfigurationOnly,
	}
	if c.Organization != nil {
		o := changeJSON(*c.Organization)
		out.Organization = &o
	}
	for i, g := range c.Groups {
		out.Groups[i] = changeJSON(g)
	}
	return out
}

func changeJSON(g audit.GroupChange) jsonChange {
	return jsonChange{
		ID: g.ID, Name: g.Name, Mail: g.Mail, Change: g.Change,
		Score: g.Score, PreviousScore: g.PreviousScore, Risk: g.Risk, PreviousRisk: g.PreviousRisk,
		Added: refsJSON(g.Added), Removed: refsJSON(g.Removed),
	}
}

func refsJSON(refs []audit.FindingRef) []jsonFindingRef {
	out := make([]jsonFindingRef, len(refs))
	for i, r := range refs {
		out[i] = jsonFindingRef{Rule: r.Rule, Severity: r.Severity}
	}
	return out
}
