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
func writeFileAtomicPerm(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
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
	// The umask narrowed the temporary file's mode; a kept mode is the
	// replaced file's as it was.
	if keep {
		if err = os.Chmod(tmp.Name(), perm); err != nil {
			return err
		}
	}
	return os.Rename(tmp.Name(), path)
}

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
