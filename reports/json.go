package reports

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"dgaudit/audit"
	"dgaudit/directory"
)

// JSON writes the report as one JSON object whose shape docs/report-schema.md
// describes. It streams: the groups are encoded one at a time, so a report of
// 100,000 groups never exists as one byte slice.
type JSON struct {
	// Tool names the program and version that wrote the report
	// ("dgaudit 0.1.0"). Empty writes "dgaudit".
	Tool string
}

const defaultTool = "dgaudit"

// Write writes rep to w.
func (j JSON) Write(w io.Writer, rep *audit.Report) error {
	if rep == nil {
		return errors.New("json: no report to write")
	}
	s := newJSONStream(w)
	// Fields are written one by one, rather than as one struct, so that the
	// groups can be streamed and schemaVersion is guaranteed to come first.
	s.raw("{\n")
	s.field("schemaVersion", rep.SchemaVersion)
	s.field("tool", cmp.Or(j.Tool, defaultTool))
	s.field("source", rep.Source)
	s.field("collectedAt", jsonTime(rep.CollectedAt))
	s.field("auditedAt", jsonTime(rep.AuditedAt))
	s.field("complete", rep.Complete)
	s.field("coverage", coverageJSON(rep.Coverage))
	s.field("summary", summaryJSON(rep.Summary, rep.Traffic))
	s.field("organization", jsonOrganization{Findings: findingsJSON(rep.OrgFindings)})
	if rep.Suppressions != nil {
		s.field("suppressions", suppressionsJSON(rep.Suppressions))
	}
	if rep.Changes != nil {
		s.field("changes", changesJSON(rep.Changes))
	}
	if rep.Traffic != nil {
		s.field("traffic", trafficJSON(rep.Traffic))
	}
	s.array("groups", len(rep.Groups), func(i int) any { return groupJSON(&rep.Groups[i]) })
	s.raw(",\n")
	s.array("rules", len(rep.Rules), func(i int) any { return ruleJSON(rep.Rules[i]) })
	s.raw("\n}\n")
	if err := s.flush(); err != nil {
		return fmt.Errorf("json: write report: %w", err)
	}
	return nil
}

// jsonStream writes pretty-printed JSON piece by piece. The first error
// sticks and turns every later call into a no-op, so Write checks once.
type jsonStream struct {
	bw  *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
	err error
}

func newJSONStream(w io.Writer) *jsonStream {
	s := &jsonStream{bw: bufio.NewWriterSize(w, 64<<10)}
	// One encoder over one buffer, reused for every value, keeps the
	// per-group cost to the encoding itself.
	s.enc = json.NewEncoder(&s.buf)
	// Messages say "a -> b" and "R&D"; escaping them as \u003e helps no one
	// reading the file.
	s.enc.SetEscapeHTML(false)
	return s
}

func (s *jsonStream) raw(text string) {
	if s.err == nil {
		_, s.err = s.bw.WriteString(text)
	}
}

// value encodes v with every line after the first starting with prefix, so
// that it nests at the caller's depth.
func (s *jsonStream) value(what string, v any, prefix string) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	s.enc.SetIndent(prefix, "  ")
	if err := s.enc.Encode(v); err != nil {
		s.err = fmt.Errorf("encode %s: %w", what, err)
		return
	}
	_, s.err = s.bw.Write(bytes.TrimSuffix(s.buf.Bytes(), []byte{'\n'}))
}

// field writes a top-level member followed by a comma; names are constants
// of this file and need no escaping.
func (s *jsonStream) field(name string, v any) {
	s.raw(`  "` + name + `": `)
	s.value(name, v, "  ")
	s.raw(",\n")
}

// array writes a top-level array member without a trailing comma.
func (s *jsonStream) array(name string, n int, item func(i int) any) {
	s.raw(`  "` + name + `": [`)
	for i := 0; i < n && s.err == nil; i++ {
		if i > 0 {
			s.raw(",")
		}
		s.raw("\n    ")
		s.value(fmt.Sprintf("%s[%d]", name, i), item(i), "    ")
	}
	if n > 0 {
		s.raw("\n  ")
	}
	s.raw("]")
}

func (s *jsonStream) flush() error {
	if s.err != nil {
		return s.err
	}
	return s.bw.Flush()
}

func jsonTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// The mirror types below give the report explicit lowerCamel names without
// putting JSON tags on the engine's types, and make every slice non-nil so
// that consumers see [] rather than null.

type jsonCoverage struct {
	Read []directory.ReadCount `json:"read"`
	Gaps []directory.Gap       `json:"gaps"`
}

func coverageJSON(c directory.Coverage) jsonCoverage {
	return jsonCoverage{Read: nonNil(c.Read), Gaps: nonNil(c.Gaps)}
}

type jsonSummary struct {
	Groups             int            `json:"groups"`
	ByBand             jsonBands      `json:"byBand"`
	Findings           int            `json:"findings"`
	BySeverity         jsonSeverities `json:"bySeverity"`
	ByRule             map[string]int `json:"byRule"`
	ExternalRecipients int            `json:"externalRecipients"`
	Gaps               int            `json:"gaps"`
	Suppressed         int            `json:"suppressed"`
	// Evidence counts the incidents observed in tracking logs, when they
	// were read: findings and bySeverity are the groups' configuration
	// alone, and a trace with a critical loop said 0 there.
	Evidence *jsonEvidence `json:"evidence,omitempty"`
}

type jsonEvidence struct {
	Incidents  int            `json:"incidents"`
	BySeverity jsonSeverities `json:"bySeverity"`
}

// jsonBands and jsonSeverities are structs, not maps, so that the keys come
// out worst first instead of alphabetically.
type jsonBands struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	None     int `json:"none"`
}

type jsonSeverities struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

func summaryJSON(s audit.Summary, t *audit.Traffic) jsonSummary {
	byRule := s.ByRule
	if byRule == nil {
		byRule = map[string]int{}
	}
	js := jsonSummary{
		Groups: s.Groups,
		ByBand: jsonBands{
			Critical: s.ByBand[audit.BandCritical],
			High:     s.ByBand[audit.BandHigh],
			Medium:   s.ByBand[audit.BandMedium],
			Low:      s.ByBand[audit.BandLow],
			None:     s.ByBand[audit.BandNone],
		},
		Findings: s.Findings,
		BySeverity: jsonSeverities{
			Critical: s.BySeverity[audit.Critical],
			High:     s.BySeverity[audit.High],
			Medium:   s.BySeverity[audit.Medium],
			Low:      s.BySeverity[audit.Low],
			Info:     s.BySeverity[audit.Info],
		},
		ByRule:             byRule,
		ExternalRecipients: s.ExternalRecipients,
		Gaps:               s.Gaps,
		Suppressed:         s.Suppressed,
	}
	if t != nil {
		by := evidenceBySeverity(t)
		js.Evidence = &jsonEvidence{BySeverity: jsonSeverities{
			Critical: by[audit.Critical], High: by[audit.High], Medium: by[audit.Medium], Low: by[audit.Low], Info: by[audit.Info],
		}}
		for _, n := range by {
			js.Evidence.Incidents += n
		}
	}
	return js
}

type jsonOrganization struct {
	Findings []jsonFinding `json:"findings"`
}

// jsonGroup is one group. membersIncomplete has no omitempty: a reader
// takes its absence for a report from before it, whose incomplete does not
// say which part was unread.
type jsonGroup struct {
	ID                string              `json:"id"`
	DN                string              `json:"dn,omitempty"`
	Name              string              `json:"name"`
	Mail              string              `json:"mail"`
	Kind              directory.GroupKind `json:"kind"`
	Score             int                 `json:"score"`
	Risk              audit.Band          `json:"risk"`
	Incomplete        bool                `json:"incomplete"`
	MembersIncomplete bool                `json:"membersIncomplete"`
	SettingsUnknown   bool                `json:"settingsUnknown,omitempty"`
	// NestedSettingsUnknown and OwnerUnknown are omitted when empty: they
	// were added to schema version 1, and reports without such a group keep
	// their bytes.
	NestedSettingsUnknown []string         `json:"nestedSettingsUnknown,omitempty"`
	OwnerUnknown          bool             `json:"ownerUnknown,omitempty"`
	DirSynced             bool             `json:"dirSynced,omitempty"`
	DirectMembers         int              `json:"directMembers"`
	NestedGroups          int              `json:"nestedGroups"`
	ExpandedRecipients    int              `json:"expandedRecipients"`
	ExternalMembers       int              `json:"externalMembers"`
	ExternalDirect        int              `json:"externalDirect"`
	ExternalReachable     int              `json:"externalReachable"`
	Settings              jsonSettings     `json:"settings"`
	ExternalRecipients    []jsonExternal   `json:"externalRecipients"`
	Findings              []jsonFinding    `json:"findings"`
	Suppressed            []jsonSuppressed `json:"suppressedFindings,omitempty"`
	Change                audit.Change     `json:"change,omitempty"`
	// Observed is present only when tracking logs showed something.
	Observed *jsonObserved `json:"observed,omitempty"`
}

// jsonSettings is the reader's type, so that what is written and what is
// read back cannot drift apart.
type jsonSettings = ReadSettings

type jsonExternal struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	Domain    string   `json:"domain"`
	Kind      string   `json:"kind"`
	Via       []string `json:"via"`
	BlockedBy string   `json:"blockedBy"`
}

type jsonFinding struct {
	Rule     string         `json:"rule"`
	Severity audit.Severity `json:"severity"`
	Title    string         `json:"title"`
	Message  string         `json:"message"`
	Evidence audit.Evidence `json:"evidence"`
	Adjust   int            `json:"adjust,omitempty"`
}

type jsonRule struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Severity audit.Severity `json:"severity"`
	Scope    audit.Scope    `json:"scope"`
	Adjust   int            `json:"adjust"`
	Tags     []string       `json:"tags"`
	Why      string         `json:"why"`
	Fix      string         `json:"fix"`
}

func groupJSON(g *audit.GroupResult) jsonGroup {
	st := g.Settings
	ext := make([]jsonExternal, len(g.External))
	for i, e := range g.External {
		ext[i] = jsonExternal{
			ID: e.ID, Name: e.Name, Address: e.Address, Domain: e.Domain, Kind: e.Kind,
			Via: nonNil(e.Via), BlockedBy: e.BlockedBy,
		}
	}
	return jsonGroup{
		ID: g.ID, DN: g.DN, Name: g.Name, Mail: g.Mail, Kind: g.Kind,
		Score: g.Score, Risk: g.Risk,
		Incomplete: g.Incomplete, MembersIncomplete: g.MembersIncomplete, SettingsUnknown: g.SettingsUnknown,
		NestedSettingsUnknown: g.NestedSettingsUnknown,
		OwnerUnknown:          g.OwnerUnknown,
		DirSynced:             g.DirSynced,
		DirectMembers:         g.DirectMembers,
		NestedGroups:          g.NestedGroups,
		ExpandedRecipients:    g.ExpandedRecipients,
		ExternalMembers:       g.ExternalMembers,
		ExternalDirect:        g.ExternalDirect,
		ExternalReachable:     g.ExternalReachable,
		Settings: jsonSettings{
			RequireSenderAuth:  st.RequireSenderAuth.Setting(),
			ReportToOriginator: st.ReportToOriginator.Setting(),
			ReportToManager:    st.ReportToManager.Setting(),
			OOFToOriginator:    st.OOFToOriginator.Setting(),
			Moderation:         st.Moderation.Setting(),
			DeliveryReportsTo:  st.DeliveryReportsTo,
			AcceptOnlyFrom:     st.AcceptOnlyFrom,
			RejectFrom:         st.RejectFrom,
			Owners:             st.Owners,
			FirstOwner:         st.FirstOwner,
		},
		ExternalRecipients: ext,
		Findings:           findingsJSON(g.Findings),
		Suppressed:         suppressedJSON(g.Suppressed),
		Change:             g.Change,
		Observed:           observedJSON(g.Observed),
	}
}

func findingsJSON(fs []audit.Finding) []jsonFinding {
	out := make([]jsonFinding, len(fs))
	for i, f := range fs {
		out[i] = jsonFinding{Rule: f.Rule, Severity: f.Severity, Title: f.Title, Message: f.Message, Evidence: f.Evidence, Adjust: f.Adjust}
	}
	return out
}

func ruleJSON(r audit.RuleInfo) jsonRule {
	return jsonRule{
		ID: r.ID, Title: r.Title, Severity: r.Severity, Scope: r.Scope, Adjust: r.Adjust,
		Tags: nonNil(r.Tags), Why: r.Why, Fix: r.Fix,
	}
}

// nonNil returns s, or an empty slice when s is nil, so that JSON gets [].
// It never copies, so the report's own slices are left alone.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
