package main

import "strings"

// errorText renders an error for the terminal. The line breaks errors.Join
// puts between problems (a config file's, one a line) stay; every other
// control character is escaped, line breaks included: those come from data
// an error quotes (a member DN read from an LDIF file, a group name), and
// printed raw they could forge a line such as "exit 0" under a failed run.
func errorText(err error) string {
	return strings.Join(errorLines(err), "\n")
}

// errorLines follows the error tree down to where it was joined: a joined
// error is its parts' lines, and a wrapper whose text ends with a joined
// one ("ldap: no server could be used (2 tried): " and the servers' errors,
// or fmt.Errorf("%w: %w", ErrResponse, joined)) puts its own text before the
// first of them. Anything else is one line.
func errorLines(err error) []string {
	msg := err.Error()
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		var lines, parts []string
		var last error
		for _, e := range u.Unwrap() {
			if e != nil {
				parts = append(parts, e.Error())
				lines = append(lines, errorLines(e)...)
				last = e
			}
		}
		// errors.Join's own text, not another kind of multi-error.
		if len(lines) > 0 && msg == strings.Join(parts, "\n") {
			return lines
		}
		if lines, ok := endsWith(msg, last); ok {
			return lines
		}
	case interface{ Unwrap() error }:
		if lines, ok := endsWith(msg, u.Unwrap()); ok {
			return lines
		}
	}
	return []string{printable(msg)}
}

// endsWith renders msg as its own text before the lines of inner, when
// inner is several lines and ends msg.
func endsWith(msg string, inner error) ([]string, bool) {
	if inner == nil {
		return nil, false
	}
	in := inner.Error()
	if !strings.Contains(in, "\n") || !strings.HasSuffix(msg, in) {
		return nil, false
	}
	lines := errorLines(inner)
	lines[0] = printable(msg[:len(msg)-len(in)]) + lines[0]
	return lines, true
}
