package audit

import "dgaudit/directory"

// Scope says what a rule looks at.
type Scope string

// Rule scopes.
const (
	ScopeGroup        Scope = "group"
	ScopeOrganization Scope = "organization"
)

// GroupCheck inspects one group. It returns only what is wrong; the engine
// adds the rule ID, severity and group.
type GroupCheck func(v *GroupView) []Issue

// OrgCheck inspects organization-wide settings.
type OrgCheck func(e *Env) []Issue

// Rule is one check in the catalogue. Exactly one of Check and OrgCheck is set.
type Rule struct {
	// ID is stable kebab-case and never renamed or reused.
	ID string
	// Title is one line, shown in reports.
	Title string
	// Severity is the default; configuration may override it.
	Severity Severity
	// Adjust is added to the score of a group with this finding (see Score):
	// positive for modifiers that raise risk, negative for mitigations.
	Adjust int
	// Why explains the mechanism, Fix the remedy (the cmdlet and parameters and
	// the AD attribute). Both become docs/rules.md and the XLSX Rules sheet.
	Why string
	Fix string
	// Tags group rules in the catalogue ("precondition", "combination",
	// "modifier", "hygiene", "organization").
	Tags []string
	// NeedsSettings marks group rules that read the group's delivery
	// settings (sender authentication, report and out-of-office targets,
	// moderation, accept lists, ManagedBy). They do not run on a group whose
	// settings the source could not read (directory.Group.SettingsUnknown):
	// judging Exchange's defaults there would report settings nobody read.
	NeedsSettings bool
	// Reads names the coverage areas (directory.Cover*) an organization
	// rule's verdict rests on. In a run that did not read one of them (a
	// coverage gap for it, or no record of it read at all) the rule's
	// silence is no evidence, so a comparison with a baseline calls its
	// finding's disappearance not-read, not improved.
	Reads []string

	Check    GroupCheck
	OrgCheck OrgCheck
}

// Scope reports which kind of check the rule has.
func (r Rule) Scope() Scope {
	if r.OrgCheck != nil {
		return ScopeOrganization
	}
	return ScopeGroup
}

// Issue is what a check reports: a concrete lower-case sentence and the
// evidence behind it.
type Issue struct {
	Message  string
	Evidence Evidence
	// Lower reports the finding one severity step below the rule's
	// (configured) severity, never below info: for the less exposed case
	// of a rule whose Why says which case that is.
	Lower bool
}

// Evidence backs a finding with facts a reader can verify in the directory.
type Evidence struct {
	// Settings are the configuration values the finding rests on.
	Settings []Setting `json:"settings,omitempty"`
	// Count is the number of objects concerned (external members, say), when
	// Members lists only a sample.
	Count int `json:"count,omitempty"`
	// Members are (a sample of) the objects concerned.
	Members []MemberRef `json:"members,omitempty"`
	// Groups are the groups concerned (a cycle, say), by name.
	Groups []string `json:"groups,omitempty"`
}

// Setting is one configuration value, with the cmdlet parameter and AD
// attribute that hold it and whether the directory stored it or Exchange's
// default applied.
type Setting struct {
	Name      string `json:"name"`
	Attribute string `json:"attribute,omitempty"`
	Value     string `json:"value"`
	// Source is "set" when the directory stored the value, "default" when it
	// did not and Exchange's documented default applies, "unknown" when the
	// source could not read it (Value is then "unknown" too).
	Source string `json:"source"`
}

// Setting sources.
const (
	SourceSet     = "set"
	SourceDefault = "default"
	SourceUnknown = "unknown"
)

// TriSetting describes a tri-state value and the effective value Exchange uses.
func TriSetting(name, attribute string, t directory.Tri, effective bool) Setting {
	s := Setting{Name: name, Attribute: attribute, Value: "false", Source: SourceDefault}
	if effective {
		s.Value = "true"
	}
	if t.IsSet() {
		s.Source = SourceSet
	}
	return s
}

// MemberRef names one object in evidence.
type MemberRef struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	Kind    string `json:"kind,omitempty"`
	// Via is the chain of nested groups (names) from the audited group down to
	// the one holding the member; empty for a direct member.
	Via []string `json:"via,omitempty"`
}
