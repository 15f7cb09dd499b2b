package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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

// checkTargetDir fails when a file cannot be written at path: its directory
// is missing, or path is a directory. Both are known before any work; found
// by the final rename instead, they would cost the whole (possibly long)
// directory read.
func checkTargetDir(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("directory %s does not exist", dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errors.New("is a directory; name a file")
	}
	return nil
}

// writeOutputs writes the report to every output, all or none (see
// writeReports).
func writeOutputs(outs []output, rep *audit.Report, stdout io.Writer) error {
	targets := make([]reportTarget, len(outs))
	for i, o := range outs {
		targets[i] = reportTarget{path: o.path, format: o.format, write: func(w io.Writer) error { return o.writer.Write(w, rep) }}
	}
	return writeReports(targets, stdout)
}

const noneWritten = "no report was written: every existing report file is as it was"

// reportTarget is one report to write: a file, or stdout when path is "-".
type reportTarget struct {
	path, format string
	write        func(io.Writer) error
}

// writeReports writes every report or, as far as the file system allows,
// none. A job that gets exit 3 takes every report to be the previous run's;
// a failed -o that still replaced the others would leave a mix of two runs
// that nothing names. So each file is written in full to a temporary file
// beside it, and only when all were written are they renamed into place;
// on a failure every temporary file is removed and every existing report is
// left as it was. Stdout comes last, once the files are in place: it cannot
// be taken back, and a reader of it must not see a report the files lack.
// Only a rename failing midway (rare: the files were just written beside
// their targets) leaves some reports replaced; the error names which.
func writeReports(targets []reportTarget, stdout io.Writer) error {
	var staged []stagedFile
	var errs []error
	var toStdout *reportTarget
	for i, t := range targets {
		if t.path == "-" {
			toStdout = &targets[i]
			continue
		}
		// Every file is tried even after a failure, so that one run names
		// every -o that needs fixing.
		f, err := stageFile(t.path, reportPerm, t.write)
		if err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", t.path, err))
			continue
		}
		staged = append(staged, f)
	}
	if len(errs) > 0 {
		for _, f := range staged {
			f.discard()
		}
		return errors.Join(append(errs, errors.New(noneWritten))...)
	}
	for i, f := range staged {
		if err := f.commit(); err != nil {
			var replaced, kept []string
			for _, g := range staged[:i] {
				replaced = append(replaced, g.path)
			}
			for _, g := range staged[i:] {
				g.discard()
				kept = append(kept, g.path)
			}
			if toStdout != nil {
				kept = append(kept, "stdout")
			}
			what := errors.New(noneWritten)
			if len(replaced) > 0 {
				what = fmt.Errorf("reports replaced: %s; not written (any existing file is as it was): %s",
					strings.Join(replaced, ", "), strings.Join(kept, ", "))
			}
			return errors.Join(fmt.Errorf("write %s: %w", f.path, err), what)
		}
	}
	if toStdout != nil {
		if err := writeStdout(*toStdout, stdout); err != nil {
			var written []string
			for _, f := range staged {
				written = append(written, f.path)
			}
			if len(written) == 0 {
				return fmt.Errorf("write stdout: %w", err)
			}
			return fmt.Errorf("write stdout: %w (the report files were written: %s)", err, strings.Join(written, ", "))
		}
	}
	return nil
}

// writeStdout writes a report to stdout, which is often a terminal: a group
// name's DEL, C1 controls (U+009B is CSI) or bidi overrides, which
// encoding/json leaves raw, would act on it. JSON keeps its meaning with them
// escaped as \uXXXX (see jsonTerminalWriter). CSV has no escape: a rune
// rewritten would be data changed, one left raw reaches the terminal. So
// stdout takes JSON only (reports.FormatForPath and diff make - JSON), and a
// CSV or workbook goes to a file; the check below keeps it so.
func writeStdout(t reportTarget, stdout io.Writer) error {
	if t.format != "json" && t.format != "jsonl" {
		return fmt.Errorf("a %s report cannot be written to stdout, only JSON: give a file name", t.format)
	}
	w := &jsonTerminalWriter{w: stdout}
	if err := t.write(w); err != nil {
		return err
	}
	return w.Flush()
}

// New files' modes before the umask. A report is made to be handed on, so
// it is created as os.Create would (0666 less the umask: 0644 under the
// usual 022, 0600 under a job's 077). A snapshot is the whole directory as
// the audit account could read it, hidden group memberships included, and
// only the account that audits it needs to read it: it is created 0600 (less
// the umask) whatever the umask. A file being replaced keeps its own mode,
// so an admin's chmod is not undone, except that a snapshot never stays
// readable by everyone: dgaudit itself wrote them 0644 before it knew better,
// and a scheduled collect would have kept that forever.
const (
	reportPerm   os.FileMode = 0o666
	snapshotPerm os.FileMode = 0o600
	// snapshotKeep is what a replaced snapshot may keep of its mode.
	snapshotKeep os.FileMode = 0o770
)

// writeFileAtomic writes a report, script or config file through a
// temporary file (see writeFileAtomicPerm).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	return writeFileAtomicPerm(path, reportPerm, write)
}

// writeFileAtomicPerm writes through a temporary file in the target's
// directory and renames it over the target, so readers never see a
// half-written file and a failed run leaves any previous file in place. A
// new file gets perm less the umask; a file it replaces keeps its mode.
func writeFileAtomicPerm(path string, perm os.FileMode, write func(io.Writer) error) error {
	f, err := stageFile(path, perm, write)
	if err != nil {
		return err
	}
	return f.commit()
}

// stagedFile is a file written in full under a temporary name beside its
// target, waiting to be renamed into place.
type stagedFile struct{ tmp, path string }

// stageFile writes the file that is to replace path, with the mode it is to
// have (see writeFileAtomicPerm). On failure nothing is left behind.
func stageFile(path string, perm os.FileMode, write func(io.Writer) error) (_ stagedFile, err error) {
	dir := filepath.Dir(path)
	keep := false
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		old := st.Mode().Perm()
		if perm == snapshotPerm {
			old &= snapshotKeep
		}
		perm, keep = old, true
	}
	tmp, err := createTemp(dir, filepath.Base(path), perm)
	if err != nil {
		return stagedFile{}, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return stagedFile{}, err
	}
	if err = tmp.Sync(); err != nil {
		return stagedFile{}, err
	}
	if err = tmp.Close(); err != nil {
		return stagedFile{}, err
	}
	// The umask narrowed the temporary file's mode; a kept mode is the
	// replaced file's as it was.
	if keep {
		if err = os.Chmod(tmp.Name(), perm); err != nil {
			return stagedFile{}, err
		}
	}
	return stagedFile{tmp: tmp.Name(), path: path}, nil
}

// commit renames the file into place; if that fails, the temporary file is
// removed and the target is as it was.
func (f stagedFile) commit() error {
	if err := os.Rename(f.tmp, f.path); err != nil {
		os.Remove(f.tmp)
		return err
	}
	return nil
}

// discard removes the temporary file, leaving the target as it was.
func (f stagedFile) discard() { os.Remove(f.tmp) }

// createTemp is os.CreateTemp with a mode: os.CreateTemp always uses 0600,
// and a chmod afterwards would have to read the umask, which can only be
// done by changing it for the whole process. Opening with perm lets the
// kernel apply the umask.
func createTemp(dir, base string, perm os.FileMode) (*os.File, error) {
	for range 1000 {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("create a temporary file in %s: too many name collisions", dir)
}
