package main

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes, in one place. The README and --help list them.
const (
	// exitOK: the run completed and nothing is at or above --fail-on.
	exitOK = 0
	// exitFindings: a group or the organization has a finding at or above
	// --fail-on.
	exitFindings = 1
	// exitUsage: bad flags, arguments or configuration: a config file,
	// suppressions file or secret file that is missing or invalid.
	exitUsage = 2
	// exitRuntime: the run failed (directory unreachable, bad credentials,
	// input data missing, unreadable or malformed, a report could not be
	// written). Input data is what is read to be audited or compared: a
	// snapshot, LDIF, Exchange export, tracking logs, a report.
	exitRuntime = 3
	// exitGaps: the run completed but could not read everything; the reports
	// list the gaps. It takes precedence over exitFindings, because a clean
	// result from an incomplete read must never look like a clean result.
	exitGaps = 4
)

const exitCodesHelp = `Exit codes:
  0  completed; nothing at or above --fail-on
  1  completed; findings at or above --fail-on
  2  usage or configuration error (flags; config, suppressions or secret file)
  3  runtime failure (directory unreachable, bad credentials, input missing or
     unreadable or malformed, write failed)
  4  completed with gaps: something could not be read (takes precedence over 1)`

// usageError marks errors that are the user's invocation.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// resultError carries a completed run's exit code (findings or gaps) out of
// cobra without printing anything more.
type resultError struct{ code int }

func (e resultError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func (a *app) exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var res resultError
	if errors.As(err, &res) {
		return res.code
	}
	var use usageError
	if errors.As(err, &use) || isCobraUsage(err) {
		fmt.Fprintf(a.stderr, "dgaudit: %s\n", errorText(err))
		return exitUsage
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(a.stderr, "dgaudit: interrupted")
		return exitRuntime
	}
	// Error text carries IDs, names and tool strings from input files.
	fmt.Fprintf(a.stderr, "dgaudit: %s\n", errorText(err))
	if hint := hintFor(err); hint != "" {
		fmt.Fprintf(a.stderr, "hint: %s\n", printableLines(hint))
	}
	return exitRuntime
}
