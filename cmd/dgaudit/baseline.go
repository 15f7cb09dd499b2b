package main

import (
	"errors"
	"io/fs"
	"os"

	"dgaudit/audit"
	"dgaudit/reports"
)

// loadBaseline reads --baseline. A missing file is not an error: a nightly
// job's first run has no previous report, and then everything is new. A file
// that is there but unreadable or not a report is, because comparing with it
// would silently hide or invent changes.
func (a *app) loadBaseline(path string) (*audit.Baseline, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		a.log.Warn("no baseline yet: every group with findings counts as new", "baseline", path)
		return &audit.Baseline{Source: "none yet: " + path + " does not exist"}, nil
	}
	if err != nil {
		return nil, usagef("--baseline: %v", err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		return nil, usagef("--baseline %s: %v", path, err)
	}
	return rep.Baseline(), nil
}
