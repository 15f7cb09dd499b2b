package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// Gaps are the coverage gaps of the run the report describes.
	Gaps []directory.Gap
	// Tracked is set when the report has a traffic section: the run had
	// evidence from message tracking.
	Tracked bool
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
	// SettingsUnknown is set when the group's settings were not read.
	SettingsUnknown bool `json:"settingsUnknown"`
	// DirSynced is set when the group is synchronized from an on-premises
	// Active Directory, where its settings have to be changed.
	DirSynced bool `json:"dirSynced"`
	// NestedSettingsUnknown names nested groups whose settings were not
	// read and that the group's reachable count depends on.
	NestedSettingsUnknown []string `json:"nestedSettingsUnknown"`
	// OwnerUnknown is set when the group is in manager mode and its first
	// owner, who gets its delivery reports, could not be resolved.
	OwnerUnknown bool `json:"ownerUnknown"`
	// Incomplete is set when part of the group (its settings, its or a
	// nested group's membership, a nested group's settings, or in manager
	// mode its first owner) could not be read.
	Incomplete bool `json:"incomplete"`
	// MembersIncomplete is set when its or a nested group's membership could
	// not be read in full: ExternalRecipients is then a lower bound. Nil in
	// reports written before it existed; MembersUnread decides for those.
	MembersIncomplete *bool         `json:"membersIncomplete"`
	Findings          []ReadFinding `json:"findings"`
	// ExternalRecipients are the external recipients the group reaches.
	ExternalRecipients []ReadExternal `json:"externalRecipients"`
	// Observed is what tracking showed about the group; nil when nothing.
	Observed *ReadObserved `json:"observed"`
}

// MembersUnread reports whether the group's membership may not have been
// read in full, so that ExternalRecipients is only a lower bound. A group
// whose settings alone (its own or a nested group's) or first owner alone
// were unread was read in full; but a report from before membersIncomplete
// only says incomplete, which with settingsUnknown may be either, and then
// (as with a flag that contradicts incomplete) the membership counts as
// unread rather than risk calling a short list whole.
func (g *ReadGroup) MembersUnread() bool {
	if g.MembersIncomplete != nil && *g.MembersIncomplete {
		return true
	}
	explained := g.MembersIncomplete != nil && (g.SettingsUnknown || len(g.NestedSettingsUnknown) > 0 || g.OwnerUnknown)
	return g.Incomplete && !explained
}

// ReadObserved is the part of a group's tracking evidence a comparison
// needs.
type ReadObserved struct {
	// Points is what the evidence is worth, AddedPoints what it added to
	// Score under the cap of 100; nil in reports written before it existed.
	Points      int  `json:"points"`
	AddedPoints *int `json:"addedPoints"`
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
	// FirstOwner is what ManagedBy[0] is (audit.GroupSettings.FirstOwner);
	// empty in reports written before it existed.
	FirstOwner string `json:"firstOwner"`
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
	// The file is walked token by token and the groups decoded one at a
	// time: decoding the whole object at once would first buffer all of it,
	// which for a 100,000-group report is hundreds of megabytes.
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	rep := &ReadReport{}
	version := -1
	checked := false
	// check runs before anything whose meaning depends on the version is
	// read; schemaVersion and tool come first in every report.
	check := func() error {
		if checked {
			return nil
		}
		checked = true
		switch {
		case version == -1 || rep.Tool == "":
			return fmt.Errorf("%w: schemaVersion or tool is missing", ErrNotReport)
		case version < 1:
			return fmt.Errorf("%w: schemaVersion %d", ErrNotReport, version)
		case version > audit.ReportSchemaVersion:
			return fmt.Errorf("report schema version %d is newer than this dgaudit reads (%d; written by %q): upgrade dgaudit, or give a report this version wrote",
				version, audit.ReportSchemaVersion, rep.Tool)
		}
		rep.SchemaVersion = version
		return nil
	}
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotReport)
	}
	if err != nil {
		return nil, readError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%w: the file is not a JSON object", ErrNotReport)
	}
	sawGroups := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, readError(err)
		}
		key, _ := tok.(string)
		switch key {
		case "schemaVersion":
			err = dec.Decode(&version)
		case "tool":
			err = dec.Decode(&rep.Tool)
		case "source":
			err = dec.Decode(&rep.Source)
		case "auditedAt":
			err = dec.Decode(&rep.AuditedAt)
		case "collectedAt", "collector", "users", "contacts":
			// A report names its tool before these; a snapshot has none.
			if rep.Tool == "" {
				return nil, fmt.Errorf("%w: it is a snapshot (from 'dgaudit collect'); audit it first, or compare snapshots with 'dgaudit diff'", ErrNotReport)
			}
			err = skipValue(dec)
		case "coverage":
			var cov struct {
				Gaps []directory.Gap `json:"gaps"`
			}
			if err = dec.Decode(&cov); err == nil {
				rep.Gaps = cov.Gaps
			}
		case "organization":
			if err := check(); err != nil {
				return nil, err
			}
			var org struct {
				Findings []ReadFinding `json:"findings"`
			}
			if err = dec.Decode(&org); err == nil {
				for i, f := range org.Findings {
					if err := checkFinding(f); err != nil {
						return nil, fmt.Errorf("malformed report: organization findings[%d]: %w", i, err)
					}
				}
			}
			rep.OrgFindings = org.Findings
		case "traffic":
			rep.Tracked = true
			err = skipValue(dec)
		case "groups":
			sawGroups = true
			if err := check(); err != nil {
				return nil, err
			}
			// readGroups names the group in its errors itself.
			if err := readGroups(dec, rep); err != nil {
				return nil, err
			}
		default:
			err = skipValue(dec)
		}
		if err != nil {
			return nil, readError(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, readError(err)
	}
	if err := check(); err != nil {
		return nil, err
	}
	if !sawGroups {
		// Every report lists its groups, [] when there are none; without
		// the key every group would look new against it.
		return nil, errors.New("malformed report: it has no groups array")
	}
	return rep, nil
}

func readGroups(dec *json.Decoder, rep *ReadReport) error {
	tok, err := dec.Token()
	if err != nil {
		return readError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New("malformed report: groups is not an array")
	}
	for i := 0; dec.More(); i++ {
		var g ReadGroup
		if err := dec.Decode(&g); err != nil {
			return fmt.Errorf("groups[%d]: %w", i, readError(err))
		}
		if g.ID == "" {
			return fmt.Errorf("malformed report: groups[%d] (%q) has no id", i, g.Name)
		}
		if err := checkGroup(&g); err != nil {
			return fmt.Errorf("malformed report: groups[%d] (%q): %w", i, g.Name, err)
		}
		rep.Groups = append(rep.Groups, g)
	}
	if _, err = dec.Token(); err != nil {
		return readError(err)
	}
	return nil
}

// checkGroup refuses values outside the sets this tool writes. The report
// is input: a kind, band or rule ID holding a line break would otherwise
// reach the remediation scripts built from it, where a new line is a new
// command.
func checkGroup(g *ReadGroup) error {
	// A kind or band left out (hand-written or early reports) is harmless.
	if g.Kind != "" && !g.Kind.Valid() {
		return fmt.Errorf("kind %q is not a directory group kind", g.Kind)
	}
	if g.Risk != "" {
		if _, err := audit.ParseBand(string(g.Risk)); err != nil {
			return fmt.Errorf("risk: %w", err)
		}
	}
	// Remediation decides on manager mode from it, and names it in notes.
	if fo := g.Settings.FirstOwner; fo != "" && !audit.ValidFirstOwner(fo) {
		return fmt.Errorf("settings.firstOwner %q is not a kind of owner", fo)
	}
	for i, f := range g.Findings {
		if err := checkFinding(f); err != nil {
			return fmt.Errorf("findings[%d]: %w", i, err)
		}
	}
	return nil
}

func checkFinding(f ReadFinding) error {
	if !audit.ValidRuleID(f.Rule) {
		return fmt.Errorf("rule %q is not a rule ID (lower-case letters, digits and hyphens)", f.Rule)
	}
	if f.Severity < audit.Info || f.Severity > audit.Critical {
		return fmt.Errorf("rule %s: severity %d is not a severity", f.Rule, int(f.Severity))
	}
	return nil
}

// skipValue reads past one value without keeping it.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// readError names what went wrong reading a report in terms a user can act
// on.
func readError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// The empty file is caught before the first token; any other end of
		// input is a cut-off file.
		return errors.New("the report is truncated")
	case errors.As(err, &syn):
		return fmt.Errorf("malformed JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		return fmt.Errorf("malformed report: field %s at byte %d: %v", typ.Field, typ.Offset, err)
	}
	return err
}

// Baseline converts the report into what audit.Compare takes.
func (r *ReadReport) Baseline() *audit.Baseline {
	b := &audit.Baseline{SchemaVersion: r.SchemaVersion, Source: r.Source, AuditedAt: r.AuditedAt,
		OrgFindings: findingRefs(r.OrgFindings), Groups: make([]audit.BaselineGroup, len(r.Groups))}
	b.FromReport, b.Tracked = true, r.Tracked
	for i, g := range r.Groups {
		b.Groups[i] = audit.BaselineGroup{ID: g.ID, Name: g.Name, Mail: g.Mail, Score: g.Score, Risk: g.Risk, Findings: findingRefs(g.Findings)}
		o := g.Observed
		switch {
		case o == nil:
		case o.AddedPoints != nil:
			// A report edited by hand may claim more than the score.
			b.Groups[i].ObservedPoints = min(max(*o.AddedPoints, 0), g.Score)
		case g.Score < 100:
			// An older report: below the cap, all the points were added.
			b.Groups[i].ObservedPoints = min(max(o.Points, 0), g.Score)
		case o.Points > 0:
			// An older report of a group at 100: how much of it the
			// evidence gave is not known.
			b.Groups[i].ObservedUnknown = true
		}
	}
	return b
}

// findingRefs reduces a report's findings as audit.Compare reduces the
// current run's.
func findingRefs(fs []ReadFinding) []audit.FindingRef {
	refs := make([]audit.FindingRef, len(fs))
	for i, f := range fs {
		refs[i] = audit.FindingRef{Rule: f.Rule, Severity: f.Severity}
	}
	return audit.ReduceRefs(refs)
}
