package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"dgaudit/audit"
	"dgaudit/rules"
)

// auditOptions tune judgement: which rules run, at what severity, which
// domains count as internal, and which findings fail the run.
type auditOptions struct {
	failOn          string
	internalDomains []string
	disable         []string
	severities      []string
	// failOnNew, baseline and suppressions are the drift and accepted-risk
	// settings (baseline.go, suppressions.go).
	failOnNew    string
	baseline     string
	suppressions string
	// thresholds come from the config file only.
	thresholds rules.Config
	// name names a setting in errors as the user gave it (settingName);
	// nil means the flag.
	name func(flag string) string
}

// settingName names a layered setting as the user gave it: its DGAUDIT_*
// variable when that filled the flag, otherwise --flag. An error about a
// value set in the environment must not send the user looking for a flag
// they never typed. given is the command line's flags, taken before the
// layers; a value from the config file is checked, with its line, when the
// file is read.
func settingName(given func(string) bool, env func(string) string) func(string) string {
	return func(flag string) string {
		if v := envOf(flag); !given(flag) && v != "" && env(v) != "" {
			return v
		}
		return "--" + flag
	}
}

// envOf is the DGAUDIT_* variable of a layered flag, "" when it has none.
func envOf(flag string) string {
	for _, k := range knobs {
		if k.flag == flag {
			return k.env
		}
	}
	return ""
}

// defaultFailOn is --fail-on's default, for scan, audit and trace.
const defaultFailOn = "high"

// internalDomainWant says what an internal domain must be. A wildcard is
// refused: subdomains are included anyway, and "*" would make every address
// internal, so no external member and no loop could ever be found.
const internalDomainWant = "want a domain name such as partner.example (its subdomains are included; no wildcards)"

func (o *auditOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.failOn, "fail-on", defaultFailOn, "exit 1 when a finding is at or above this severity, one of "+strings.Join(failOnValues(), ", ")+" (never fail)")
	f.StringArrayVar(&o.internalDomains, "internal-domain", nil, "treat this domain and its subdomains as internal besides the accepted domains (repeatable)")
	f.StringArrayVar(&o.disable, "disable-rule", nil, "do not run this rule ID (repeatable; see 'dgaudit rules')")
	f.StringArrayVar(&o.severities, "severity", nil, "override a rule's severity, RULE=SEVERITY (repeatable)")
	f.StringVar(&o.baseline, "baseline", "", "a previous run's JSON report: mark each group new, worsened, improved, unchanged or resolved against it")
	f.StringVar(&o.failOnNew, "fail-on-new", "", "exit 1 only when a finding at or above this severity is new or worse than in --baseline (needed); replaces --fail-on, unless --fail-on comes from a stronger layer (command line > DGAUDIT_* > config file)")
	f.StringVar(&o.suppressions, "suppressions", "", "YAML file of accepted risks: suppressed findings leave the score and the exit code but stay in the report")
}

// resolve validates the options against the catalogue and reports every
// problem at once.
func (o *auditOptions) resolve(catalogue []audit.Rule) (audit.Options, *audit.Severity, error) {
	var problems []string
	name := o.name
	if name == nil {
		name = func(flag string) string { return "--" + flag }
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		problems = append(problems, name("fail-on")+": "+err.Error())
	}
	known := map[string]bool{}
	for _, r := range catalogue {
		known[r.ID] = true
	}
	opts := audit.Options{InternalDomains: o.internalDomains, Severities: map[string]audit.Severity{}}
	for _, id := range o.disable {
		if !known[id] {
			problems = append(problems, name("disable-rule")+" "+id+": no such rule (see 'dgaudit rules')")
			continue
		}
		opts.Disabled = append(opts.Disabled, id)
	}
	for _, kv := range o.severities {
		id, sev, ok := strings.Cut(kv, "=")
		if !ok {
			problems = append(problems, name("severity")+" "+kv+": want RULE=SEVERITY")
			continue
		}
		if !known[id] {
			problems = append(problems, name("severity")+" "+kv+": no such rule (see 'dgaudit rules')")
			continue
		}
		s, err := audit.ParseSeverity(sev)
		if err != nil {
			problems = append(problems, name("severity")+" "+kv+": "+err.Error())
			continue
		}
		opts.Severities[id] = s
	}
	for _, d := range o.internalDomains {
		if strings.TrimSpace(d) == "" || strings.ContainsAny(d, "@ /*") {
			problems = append(problems, name("internal-domain")+" "+d+": "+internalDomainWant)
		}
	}
	if o.failOnNew != "" {
		if _, err := audit.ParseSeverity(o.failOnNew); err != nil {
			problems = append(problems, name("fail-on-new")+": "+err.Error())
		}
		// Checked after the layers, so a baseline from the config file or
		// DGAUDIT_BASELINE counts. Without one every group would be new, and
		// the summary would compare with a baseline it has not got.
		if o.baseline == "" {
			problems = append(problems, name("fail-on-new")+" needs --baseline (a previous run's JSON report; a file that does not exist yet is fine): without one every group counts as new")
		}
	}
	if len(problems) > 0 {
		// Joined as errors, so that each problem keeps a line of its own
		// (errorText keeps only errors.Join's line breaks).
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = errors.New(p)
		}
		return opts, nil, usageError{errors.Join(errs...)}
	}
	return opts, failOn, nil
}

// catalogue is the rule set with the given thresholds; the zero Config means
// the defaults.
func catalogue(cfg rules.Config) []audit.Rule {
	if cfg == (rules.Config{}) {
		cfg = rules.DefaultConfig()
	}
	return rules.All(cfg)
}
