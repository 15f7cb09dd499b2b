package reports

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"dgaudit/audit"
	"dgaudit/directory"
)

// JSONL writes one JSON object per finding per line (JSON Lines), for SIEM
// ingestion: each line stands alone, with the group's identity, score and
// band, the run's time and source, so a collector can index lines without
// the rest of the report. The first line is always the run record (scope
// "run"): whether the run was complete, its counts and its coverage gaps.
// Without it a run that found nothing because it could not read the
// directory would be as empty as a clean one. Incidents observed in tracking
// logs follow (scope "traffic"), then organization findings (scope
// "organization"), then each group's; suppressed findings follow their group's
// findings with "suppressed": true, so an analyst can see accepted risk
// without it counting.
type JSONL struct {
	// Tool names the program and version ("dgaudit 0.1.0"). Empty writes
	// "dgaudit".
	Tool string
}

type jsonlLine struct {
	SchemaVersion int            `json:"schemaVersion"`
	Tool          string         `json:"tool"`
	AuditedAt     string         `json:"auditedAt"`
	Source        string         `json:"source"`
	Scope         audit.Scope    `json:"scope"`
	GroupID       string         `json:"groupId,omitempty"`
	GroupName     string         `json:"groupName,omitempty"`
	GroupMail     string         `json:"groupMail,omitempty"`
	GroupKind     string         `json:"groupKind,omitempty"`
	Score         *int           `json:"score,omitempty"`
	Risk          audit.Band     `json:"risk,omitempty"`
	Change        audit.Change   `json:"change,omitempty"`
	Rule          string         `json:"rule"`
	Severity      audit.Severity `json:"severity"`
	Title         string         `json:"title"`
	Message       string         `json:"message"`
	Evidence      string         `json:"evidence,omitempty"`
	Suppressed    bool           `json:"suppressed,omitempty"`
	Reason        string         `json:"suppressionReason,omitempty"`
}

// scopeRun marks the run record, scopeTraffic an incident observed in the
// tracking logs. They are not audit.Scopes: no rule has them.
const (
	scopeRun     = "run"
	scopeTraffic = "traffic"
)

// jsonlIncident is one incident observed in the tracking logs. Its leading
// fields and rule, severity, title, message and evidence are those of a
// finding line, so a collector's alert on severity sees a live loop.
type jsonlIncident struct {
	SchemaVersion   int            `json:"schemaVersion"`
	Tool            string         `json:"tool"`
	AuditedAt       string         `json:"auditedAt"`
	Source          string         `json:"source"`
	Scope           string         `json:"scope"`
	GroupID         string         `json:"groupId,omitempty"`
	GroupName       string         `json:"groupName,omitempty"`
	Kind            string         `json:"kind"`
	Subject         string         `json:"subject"`
	Rule            string         `json:"rule"`
	Severity        audit.Severity `json:"severity"`
	Title           string         `json:"title"`
	Message         string         `json:"message"`
	Evidence        string         `json:"evidence"`
	FirstSeen       string         `json:"firstSeen,omitempty"`
	LastSeen        string         `json:"lastSeen,omitempty"`
	Messages        int64          `json:"messages"`
	PeakPerInterval int64          `json:"peakPerInterval,omitempty"`
	Amplification   float64        `json:"amplification,omitempty"`
	Signals         []string       `json:"signals,omitempty"`
}

// jsonlRun is the first line. Its leading fields are those of every
// finding line, so a collector keys it the same way.
type jsonlRun struct {
	SchemaVersion    int             `json:"schemaVersion"`
	Tool             string          `json:"tool"`
	AuditedAt        string          `json:"auditedAt"`
	Source           string          `json:"source"`
	Scope            string          `json:"scope"`
	CollectedAt      string          `json:"collectedAt"`
	Complete         bool            `json:"complete"`
	Groups           int             `json:"groups"`
	IncompleteGroups int             `json:"incompleteGroups"`
	Findings         int             `json:"findings"`
	Suppressed       int             `json:"suppressed"`
	Gaps             []directory.Gap `json:"gaps"`
	Message          string          `json:"message"`
}

func runRecord(rep *audit.Report, tool string) jsonlRun {
	r := jsonlRun{
		SchemaVersion: rep.SchemaVersion, Tool: tool, AuditedAt: jsonTime(rep.AuditedAt), Source: rep.Source,
		Scope: scopeRun, CollectedAt: jsonTime(rep.CollectedAt), Complete: rep.Complete,
		Groups: len(rep.Groups), IncompleteGroups: incompleteGroups(rep),
		Findings: rep.Summary.Findings, Suppressed: rep.Summary.Suppressed,
		Gaps: nonNil(rep.Coverage.Gaps),
	}
	r.Message = runMessage(rep, r.IncompleteGroups)
	return r
}

// Write writes rep to w.
func (j JSONL) Write(w io.Writer, rep *audit.Report) error {
	if rep == nil {
		return errors.New("jsonl: no report to write")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	base := jsonlLine{
		SchemaVersion: rep.SchemaVersion, Tool: cmp.Or(j.Tool, defaultTool),
		AuditedAt: jsonTime(rep.AuditedAt), Source: rep.Source,
	}
	put := func(l jsonlLine, f audit.Finding) error {
		l.Rule, l.Severity, l.Title, l.Message, l.Evidence = f.Rule, f.Severity, f.Title, f.Message, evidenceSummary(f.Evidence)
		return enc.Encode(l)
	}
	err := enc.Encode(runRecord(rep, base.Tool))
	for _, in := range incidents(rep.Traffic) {
		if err != nil {
			break
		}
		err = enc.Encode(jsonlIncident{
			SchemaVersion: base.SchemaVersion, Tool: base.Tool, AuditedAt: base.AuditedAt, Source: base.Source, Scope: scopeTraffic,
			GroupID: in.groupID, GroupName: in.groupName, Kind: in.kind, Subject: in.subject,
			Rule: observedPrefix + in.kind, Severity: in.severity, Title: in.title(), Message: in.detail, Evidence: in.evidence(),
			FirstSeen: optTime(in.first), LastSeen: optTime(in.last), Messages: in.messages, PeakPerInterval: in.peak,
			Amplification: in.amplification, Signals: in.signals,
		})
	}
	org := base
	org.Scope = audit.ScopeOrganization
	for i := 0; i < len(rep.OrgFindings) && err == nil; i++ {
		err = put(org, rep.OrgFindings[i])
	}
	for gi := 0; gi < len(rep.Groups) && err == nil; gi++ {
		g := &rep.Groups[gi]
		l := base
		score := g.Score
		l.Scope, l.GroupID, l.GroupName, l.GroupMail, l.GroupKind = audit.ScopeGroup, g.ID, g.Name, g.Mail, string(g.Kind)
		l.Score, l.Risk, l.Change = &score, g.Risk, g.Change
		for _, f := range g.Findings {
			if err = put(l, f); err != nil {
				break
			}
		}
		for _, s := range g.Suppressed {
			if err != nil {
				break
			}
			sl := l
			sl.Suppressed, sl.Reason = true, s.By.Reason
			err = put(sl, s.Finding)
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("jsonl: write findings: %w", err)
	}
	return nil
}
