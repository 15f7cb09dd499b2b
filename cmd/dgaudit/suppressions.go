package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"dgaudit/audit"
)

// suppressionsFile is the accepted-risk file (--suppressions).
type suppressionsFile struct {
	Suppressions []suppressionEntry `yaml:"suppressions"`
}

type suppressionEntry struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	Rule    string `yaml:"rule"`
	Reason  string `yaml:"reason"`
	Owner   string `yaml:"owner"`
	Expires string `yaml:"expires"`
}

// loadSuppressions reads and checks a suppressions file against the rule
// catalogue, reporting every bad entry as FILE:LINE: KEY: problem. Whether an
// entry is expired or matches anything is the audit's business, not an error.
func loadSuppressions(path string, catalogue []audit.Rule) ([]audit.Suppression, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--suppressions: %v", err)
	}
	var f suppressionsFile
	d := &decoder{file: path, lines: map[string]int{}}
	// Entries are checked even when some keys did not decode, so that one
	// run reports every problem.
	derr := decodeYAML(path, data, d, &f)
	if derr != nil && len(d.errs) == 0 {
		return nil, derr
	}
	known := map[string]bool{audit.AnyRule: true}
	for _, r := range catalogue {
		known[r.ID] = true
	}
	errs := slices.Clone(d.errs)
	bad := func(line int, key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s: %s", path, line, key, fmt.Sprintf(format, args...)))
	}
	type pair struct{ id, rule string }
	first := map[pair]int{}
	var out []audit.Suppression
	for i, e := range f.Suppressions {
		key := fmt.Sprintf("suppressions[%d]", i)
		line := d.lines[key]
		s := audit.Suppression{ObjectID: e.ID, Name: e.Name, Rule: e.Rule, Reason: e.Reason, Owner: e.Owner, Line: line}
		for _, req := range []struct{ name, v string }{{"id", e.ID}, {"rule", e.Rule}, {"reason", e.Reason}, {"owner", e.Owner}, {"expires", e.Expires}} {
			if req.v == "" {
				bad(line, key+"."+req.name, "required (an accepted risk needs the group's object ID, the rule or *, a reason, an owner and an expiry date)")
			}
		}
		if e.Rule != "" && !known[e.Rule] {
			bad(d.lines[key+".rule"], key+".rule", "%q: no such rule (see 'dgaudit rules'), or * for every rule", e.Rule)
		}
		if e.Expires != "" {
			day, err := time.Parse(time.DateOnly, e.Expires)
			if err != nil {
				bad(d.lines[key+".expires"], key+".expires", "%q: want a date such as 2026-12-31", e.Expires)
			}
			// The entry applies through its expiry day.
			s.Expires = day.AddDate(0, 0, 1)
		}
		if e.ID != "" && e.Rule != "" {
			p := pair{e.ID, e.Rule}
			if l, dup := first[p]; dup {
				bad(line, key, "the same group and rule as line %d", l)
			}
			first[p] = line
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, usageError{errors.Join(errs...)}
	}
	return out, nil
}
