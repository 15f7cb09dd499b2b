package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"dgaudit/audit"
	"dgaudit/directory"
)

// ReadReport is what other commands take from a JSON report written earlier:
// each group's identity, settings and findings. It keeps less than the file
// holds (no evidence, no external recipients), so reading a large report
// stays cheap.
type ReadReport struct {
	SchemaVersion int
	Tool          string
	Source        string
	AuditedAt     time.Time
	OrgFindings   []ReadFinding
	Groups        []ReadGroup
}

// ReadGroup is one group of a report.
type ReadGroup struct {
	ID       string              `json:"id"`
	DN       string              `json:"dn"`
	Name     string              `json:"name"`
	Mail     string              `json:"mail"`
	Kind     directory.GroupKind `json:"kind"`
	Score    int                 `json:"score"`
	Risk     audit.Band          `json:"risk"`
	Settings ReadSettings        `json:"settings"`
	Findings []ReadFinding       `json:"findings"`
	// ExternalRecipients are the external recipients the group reaches.
	ExternalRecipients []ReadExternal `json:"externalRecipients"`
}

// ReadExternal is one external recipient of a group.
type ReadExternal struct {
	ID      string `json:"id"`
	Address string `json:"address"`
}

// ReadSettings are a group's effective settings as the report states them.
type ReadSettings struct {
	RequireSenderAuth  audit.Setting          `json:"requireSenderAuth"`
	ReportToOriginator audit.Setting          `json:"reportToOriginator"`
	ReportToManager    audit.Setting          `json:"reportToManager"`
	OOFToOriginator    audit.Setting          `json:"oofToOriginator"`
	Moderation         audit.Setting          `json:"moderation"`
	DeliveryReportsTo  directory.ReportTarget `json:"deliveryReportsTo"`
	AcceptOnlyFrom     int                    `json:"acceptOnlyFrom"`
	RejectFrom         int                    `json:"rejectFrom"`
	Owners             int                    `json:"owners"`
}

// ReadFinding is one finding of a report, without its evidence.
type ReadFinding struct {
	Rule     string         `json:"rule"`
	Severity audit.Severity `json:"severity"`
	Title    string         `json:"title"`
	Message  string         `json:"message"`
}

// ErrNotReport is returned for JSON that is not a dgaudit report (a snapshot,
// say).
var ErrNotReport = errors.New("not a dgaudit JSON report")

// ReadJSON reads a report written by the JSON writer. A report of a newer
// schema version than this build writes is refused, because a field may have
// changed meaning; older versions are read (version 1 is the first).
func ReadJSON(r io.Reader) (*ReadReport, error) {
	var raw struct {
		SchemaVersion *int             `json:"schemaVersion"`
		Tool          string           `json:"tool"`
		Source        string           `json:"source"`
		AuditedAt     time.Time        `json:"auditedAt"`
		Collector     *string          `json:"collector"`
		Users         *json.RawMessage `json:"users"`
		Organization  struct {
			Findings []ReadFinding `json:"findings"`
		} `json:"organization"`
		Groups []ReadGroup `json:"groups"`
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	if err := dec.Decode(&raw); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%w: the file is empty", ErrNotReport)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, errors.New("the report is truncated")
		case errors.As(err, &syn):
			return nil, fmt.Errorf("malformed JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return nil, fmt.Errorf("malformed report: field %s at byte %d: %v", typ.Field, typ.Offset, err)
		}
		return nil, fmt.Errorf("malformed report: %w", err)
	}
	switch {
	case (raw.Collector != nil || raw.Users != nil) && raw.Tool == "":
		return nil, fmt.Errorf("%w: it is a snapshot (from 'dgaudit collect'); audit it first, or compare snapshots with 'dgaudit diff'", ErrNotReport)
	case raw.SchemaVersion == nil || raw.Tool == "":
		return nil, fmt.Errorf("%w: schemaVersion or tool is missing", ErrNotReport)
	case *raw.SchemaVersion < 1:
		return nil, fmt.Errorf("%w: schemaVersion %d", ErrNotReport, *raw.SchemaVersion)
	case *raw.SchemaVersion > audit.ReportSchemaVersion:
		return nil, fmt.Errorf("report schema version %d is newer than this dgaudit reads (%d; written by %s): upgrade dgaudit, or give a report this version wrote",
			*raw.SchemaVersion, audit.ReportSchemaVersion, raw.Tool)
	}
	rep := &ReadReport{
		SchemaVersion: *raw.SchemaVersion, Tool: raw.Tool, Source: raw.Source, AuditedAt: raw.AuditedAt,
		OrgFindings: raw.Organization.Findings, Groups: raw.Groups,
	}
	for i, g := range rep.Groups {
		if g.ID == "" {
			return nil, fmt.Errorf("malformed report: groups[%d] (%q) has no id", i, g.Name)
		}
	}
	return rep, nil
}

// Baseline converts the report into what audit.Compare takes.
func (r *ReadReport) Baseline() *audit.Baseline {
	b := &audit.Baseline{SchemaVersion: r.SchemaVersion, Source: r.Source, AuditedAt: r.AuditedAt,
		OrgFindings: findingRefs(r.OrgFindings), Groups: make([]audit.BaselineGroup, len(r.Groups))}
	for i, g := range r.Groups {
		b.Groups[i] = audit.BaselineGroup{ID: g.ID, Name: g.Name, Mail: g.Mail, Score: g.Score, Risk: g.Risk, Findings: findingRefs(g.Findings)}
	}
	return b
}

// findingRefs keeps one ref per rule at its highest severity, as
// audit.Compare does for the current run.
func findingRefs(fs []ReadFinding) []audit.FindingRef {
	out := make([]audit.FindingRef, 0, len(fs))
	for _, f := range fs {
		if i := slices.IndexFunc(out, func(r audit.FindingRef) bool { return r.Rule == f.Rule }); i >= 0 {
			out[i].Severity = max(out[i].Severity, f.Severity)
			continue
		}
		out = append(out, audit.FindingRef{Rule: f.Rule, Severity: f.Severity})
	}
	return out
}
