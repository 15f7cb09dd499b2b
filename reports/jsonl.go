package reports

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"dgaudit/audit"
)

// JSONL writes one JSON object per finding per line (JSON Lines), for SIEM
// ingestion: each line stands alone, with the group's identity, score and
// band, the run's time and source, so a collector can index lines without
// the rest of the report. Organization findings come first with scope
// "organization"; suppressed findings follow their group's findings with
// "suppressed": true, so an analyst can see accepted risk without it
// counting.
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
	var err error
	org := base
	org.Scope = audit.ScopeOrganization
	for _, f := range rep.OrgFindings {
		if err = put(org, f); err != nil {
			break
		}
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
