package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dgaudit/audit"
	"dgaudit/reports"
)

// output is one requested report file.
type output struct {
	path   string // "-" is stdout
	format string
	writer reports.Writer
}

// planOutputs checks every -o before any work is done, so a typo in the last
// one does not cost a whole collection.
func planOutputs(paths []string) ([]output, error) {
	var outs []output
	var problems []error
	seen := map[string]bool{}
	stdout := 0
	for _, p := range paths {
		format, err := reports.FormatForPath(p)
		if err != nil {
			problems = append(problems, fmt.Errorf("-o %s: %w", p, err))
			continue
		}
		if p == "-" {
			stdout++
		} else {
			abs, _ := filepath.Abs(p)
			if seen[abs] {
				problems = append(problems, fmt.Errorf("-o %s: given twice", p))
				continue
			}
			seen[abs] = true
			if err := checkTargetDir(p); err != nil {
				problems = append(problems, fmt.Errorf("-o %s: %w", p, err))
				continue
			}
		}
		w, err := reports.New(format)
		if err != nil {
			problems = append(problems, fmt.Errorf("-o %s: %w", p, err))
			continue
		}
		switch v := w.(type) {
		case reports.JSON:
			v.Tool = "dgaudit " + versionString()
			w = v
		case reports.XLSX:
			v.Tool = "dgaudit " + versionString()
			w = v
		case reports.JSONL:
			v.Tool = "dgaudit " + versionString()
			w = v
		}
		outs = append(outs, output{path: p, format: format, writer: w})
	}
	if stdout > 1 {
		problems = append(problems, errors.New("-o - given more than once"))
	}
	if len(problems) > 0 {
		return nil, usageError{errors.Join(problems...)}
	}
	return outs, nil
}

// checkTargetDir fails when the directory a file would be written to is
// missing.
func checkTargetDir(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("directory %s does not exist", dir)
	}
	return nil
}

// writeOutputs writes every report, each to a temporary file renamed into
// place on success, and returns every failure together.
func writeOutputs(outs []output, rep *audit.Report, stdout io.Writer) error {
	var errs []error
	for _, o := range outs {
		var err error
		if o.path == "-" {
			err = o.writer.Write(stdout, rep)
		} else {
			err = writeFileAtomic(o.path, func(w io.Writer) error { return o.writer.Write(w, rep) })
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", o.path, err))
		}
	}
	return errors.Join(errs...)
}

// writeFileAtomic writes through a temporary file in the target's directory
// and renames it over the target, so readers never see a half-written file
// and a failed run leaves any previous report in place.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
