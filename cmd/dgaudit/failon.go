package main

import (
	"fmt"
	"strings"

	"dgaudit/audit"
)

// failOnNone is the --fail-on value that never fails a run.
const failOnNone = "none"

// failOnValues are the values --fail-on (and the config file's fail-on)
// accepts, as its messages list them: the severities and none. Both the
// parser and the messages take them from here, so that a value cannot be
// accepted and left out of the list, as none once was.
func failOnValues() []string { return append(audit.SeverityNames(), failOnNone) }

// parseFailOn reads a --fail-on value, case-insensitively as a severity
// is read: nil for none, which never fails a run.
func parseFailOn(v string) (*audit.Severity, error) {
	if strings.EqualFold(strings.TrimSpace(v), failOnNone) {
		return nil, nil
	}
	s, err := audit.ParseSeverity(v)
	if err != nil {
		return nil, fmt.Errorf("unknown severity %q (want %s)", v, strings.Join(failOnValues(), ", "))
	}
	return &s, nil
}
