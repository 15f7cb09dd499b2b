package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"dgaudit/directory"
)

// Options tune a run. The zero value is valid.
type Options struct {
	// InternalDomains are extra domains to treat as internal (partner domains
	// routed through this organization, say), besides the accepted domains.
	// A leading "*." or a plain domain both cover subdomains.
	InternalDomains []string
	// Disabled rule IDs do not run.
	Disabled []string
	// Severities override rules' default severities by ID.
	Severities map[string]Severity
	// Now is the clock; nil means time.Now. It also decides which
	// suppressions have expired.
	Now func() time.Time
	// Suppressions take accepted findings out of the score (see Suppression).
	Suppressions []Suppression
	// Baseline, when set, is compared with the result (see Compare).
	Baseline *Baseline
	// Traffic, when set, is the evidence from message tracking. It is
	// attached (see Report.AttachTraffic) before the summary and the
	// baseline comparison, so that both count a live loop.
	Traffic *Traffic
}

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidRuleID reports whether id has the shape of a rule ID: kebab-case,
// lower-case letters and digits.
func ValidRuleID(id string) bool { return ruleIDPattern.MatchString(id) }

// ValidateRules checks a catalogue: unique kebab-case IDs, a title, why and
// fix, and exactly one check per rule.
func ValidateRules(rules []Rule) error {
	var errs []error
	seen := map[string]bool{}
	for i, r := range rules {
		name := r.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		if !ValidRuleID(r.ID) {
			errs = append(errs, fmt.Errorf("rule %s: id must be kebab-case", name))
		}
		if seen[r.ID] {
			errs = append(errs, fmt.Errorf("rule %s: duplicate id", name))
		}
		seen[r.ID] = true
		if r.Title == "" || r.Why == "" || r.Fix == "" {
			errs = append(errs, fmt.Errorf("rule %s: title, why and fix are required", name))
		}
		if (r.Check == nil) == (r.OrgCheck == nil) {
			errs = append(errs, fmt.Errorf("rule %s: exactly one of Check and OrgCheck must be set", name))
		}
	}
	return errors.Join(errs...)
}

func checkOptions(rules []Rule, opt Options) error {
	known := make(map[string]bool, len(rules))
	for _, r := range rules {
		known[r.ID] = true
	}
	var errs []error
	for _, id := range opt.Disabled {
		if !known[id] {
			errs = append(errs, fmt.Errorf("disabled rule %q: no such rule", id))
		}
	}
	for id := range opt.Severities {
		if !known[id] {
			errs = append(errs, fmt.Errorf("severity override for %q: no such rule", id))
		}
	}
	for _, s := range opt.Suppressions {
		if s.ObjectID == "" {
			errs = append(errs, fmt.Errorf("suppression for rule %q: no object ID", s.Rule))
		}
		if s.Rule != AnyRule && !known[s.Rule] {
			errs = append(errs, fmt.Errorf("suppression of %q on %s: no such rule", s.Rule, s.ObjectID))
		}
	}
	return errors.Join(errs...)
}

// Run audits a snapshot. Groups without a mail address are not mail groups
// and are not audited (they still count as nested members where Exchange
// would expand them: it does not). Run stops early when ctx is cancelled and
// never panics: a panicking check becomes an error naming rule and group.
func Run(ctx context.Context, snap *directory.Snapshot, rules []Rule, opt Options) (*Report, error) {
	if err := ValidateRules(rules); err != nil {
		return nil, err
	}
	if err := checkOptions(rules, opt); err != nil {
		return nil, err
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	active := make([]Rule, 0, len(rules))
	for _, r := range rules {
		if slices.Contains(opt.Disabled, r.ID) {
			continue
		}
		if s, ok := opt.Severities[r.ID]; ok {
			r.Severity = s
		}
		active = append(active, r)
	}
	slices.SortFunc(active, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })

	env := newEnv(snap, opt.InternalDomains)
	gr := newGraph(snap, env)
	sup := newSuppressor(opt.Suppressions, now().UTC())

	rep := &Report{
		SchemaVersion: ReportSchemaVersion,
		Source:        snap.Source,
		CollectedAt:   snap.CollectedAt,
		AuditedAt:     now().UTC(),
		Coverage:      snap.Coverage,
		Complete:      snap.Coverage.Complete(),
	}
	for _, r := range active {
		rep.Rules = append(rep.Rules, r.Info())
		if r.OrgCheck == nil {
			continue
		}
		issues, err := runOrgCheck(r, env)
		if err != nil {
			return nil, err
		}
		rep.OrgFindings = append(rep.OrgFindings, findingsOf(r, issues)...)
	}
	sortFindings(rep.OrgFindings)

	mailGroups := 0
	for i := range snap.Groups {
		if snap.Groups[i].Mail != "" {
			mailGroups++
		}
	}
	rep.Groups = make([]GroupResult, 0, mailGroups)
	for i := range snap.Groups {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		g := &snap.Groups[i]
		if g.Mail == "" {
			continue
		}
		res, err := auditGroup(int32(i), g, env, gr, active, sup)
		if err != nil {
			return nil, err
		}
		if res.Incomplete {
			rep.Complete = false
		}
		rep.Groups = append(rep.Groups, res)
	}
	slices.SortFunc(rep.Groups, func(a, b GroupResult) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	rep.AttachTraffic(opt.Traffic)
	rep.Summary = summarize(rep, gr)
	if sup != nil {
		rep.Suppressions = sup.results
	}
	if opt.Baseline != nil {
		rep.Changes = Compare(rep, opt.Baseline)
	}
	return rep, nil
}

func auditGroup(i int32, g *directory.Group, env *Env, gr *graph, rules []Rule, sup *suppressor) (GroupResult, error) {
	ex := gr.expand(i)
	res := GroupResult{
		ID: g.ID, DN: g.DN, Name: g.Name, Mail: g.Mail, Kind: g.Kind,
		DirectMembers:      len(g.Members),
		ExpandedRecipients: ex.recipients,
		ExternalMembers:    len(ex.external),
		ExternalDirect:     ex.externalDir,
		ExternalReachable:  ex.reachable,
		NestedGroups:       ex.nestedGroups,
		External:           ex.external,
		MembersIncomplete:  len(ex.incomplete) > 0,
		SettingsUnknown:    g.SettingsUnknown,
		DirSynced:          g.DirSynced,
	}
	// A group whose own settings were not read gets no nested ones: the
	// rules that would rest on the reachable count (the loop combinations)
	// do not run on it, and SettingsUnknown already marks it.
	if !g.SettingsUnknown {
		for _, x := range ex.unreadGates {
			res.NestedSettingsUnknown = append(res.NestedSettingsUnknown, gr.groups[x].Name)
		}
	}
	slices.Sort(res.NestedSettingsUnknown)
	res.Settings = SettingsOf(g)
	// SettingsOf sees the group alone; what its first owner is takes the
	// directory.
	res.Settings.FirstOwner = env.firstOwner(g)
	res.OwnerUnknown = env.ownerUnknown(g, res.Settings.FirstOwner)
	res.Incomplete = res.MembersIncomplete || res.SettingsUnknown || len(res.NestedSettingsUnknown) > 0 || res.OwnerUnknown
	view := &GroupView{Group: g, Env: env, Result: &res, Unresolved: ex.unresolved}
	for _, x := range ex.incomplete {
		view.IncompleteGroups = append(view.IncompleteGroups, gr.groups[x].Name)
	}
	if gr.cyclic[i] {
		for _, m := range gr.sccMembers[gr.scc[i]] {
			view.Cycle = append(view.Cycle, gr.groups[m].Name)
		}
		slices.Sort(view.Cycle)
	}
	for _, r := range rules {
		if r.Check == nil || (r.NeedsSettings && g.SettingsUnknown) {
			// Settings nobody read are not judged: Exchange's defaults
			// would stand in for values the group may well have.
			continue
		}
		issues, err := runGroupCheck(r, view)
		if err != nil {
			return res, err
		}
		res.Findings = append(res.Findings, findingsOf(r, issues)...)
	}
	sortFindings(res.Findings)
	res.Findings, res.Suppressed = sup.split(g.ID, res.Findings)
	res.Score = Score(res.Findings)
	res.Risk = BandOf(res.Score)
	return res, nil
}

func runGroupCheck(r Rule, v *GroupView) (issues []Issue, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rule %s panicked on group %s (%s): %v", r.ID, v.Group.Name, v.Group.ID, p)
		}
	}()
	return r.Check(v), nil
}

func runOrgCheck(r Rule, e *Env) (issues []Issue, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rule %s panicked on the organization settings: %v", r.ID, p)
		}
	}()
	return r.OrgCheck(e), nil
}

func findingsOf(r Rule, issues []Issue) []Finding {
	out := make([]Finding, 0, len(issues))
	for _, is := range issues {
		sev := r.Severity
		if is.Lower && sev > Info {
			sev--
		}
		out = append(out, Finding{Rule: r.ID, Severity: sev, Title: r.Title, Message: is.Message, Evidence: is.Evidence, Adjust: r.Adjust})
	}
	return out
}

// sortFindings orders findings by severity (highest first), then rule ID,
// then message.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Rule, b.Rule); c != 0 {
			return c
		}
		return cmp.Compare(a.Message, b.Message)
	})
}

func summarize(rep *Report, gr *graph) Summary {
	s := Summary{
		Groups:     len(rep.Groups),
		ByBand:     map[Band]int{},
		ByRule:     map[string]int{},
		BySeverity: map[Severity]int{},
		Gaps:       len(rep.Coverage.Gaps),
	}
	for _, b := range Bands {
		s.ByBand[b] = 0
	}
	for _, r := range rep.Rules {
		s.ByRule[r.ID] = 0
	}
	for sev := Info; sev <= Critical; sev++ {
		s.BySeverity[sev] = 0
	}
	count := func(fs []Finding) {
		for _, f := range fs {
			s.Findings++
			s.ByRule[f.Rule]++
			s.BySeverity[f.Severity]++
		}
	}
	count(rep.OrgFindings)
	for _, g := range rep.Groups {
		s.ByBand[g.Risk]++
		count(g.Findings)
		s.Suppressed += len(g.Suppressed)
	}
	for _, e := range gr.everExternal {
		if e {
			s.ExternalRecipients++
		}
	}
	return s
}
