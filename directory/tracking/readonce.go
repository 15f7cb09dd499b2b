package tracking

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Skipped is a file ReadOnce leaves out, and why.
type Skipped struct {
	Path   string
	Reason string
}

// ReadOnce leaves out of the files Expand found those that would be read
// twice or cannot be read as files, keeping the order of the rest:
//
//   - the same file named twice, directly or through a folder, a wildcard
//     or a link (os.SameFile): every count of its rows would double, and a
//     handful of harmless NDRs read twice can cross a threshold;
//   - X.gz when X is read too: the compressed copy an admin keeps beside the
//     log it was made from holds the same rows (the plain file is read, being
//     the one Exchange may still be writing);
//   - a copy of a file read, under its name in another folder (an admin
//     gathered a server's logs twice): the same name and size, then the
//     same bytes. A copy under another name, or a log and an export of
//     the same period, are not matched;
//   - anything that is not a regular file, such as a named pipe that happens
//     to be called MSGTRK*.LOG: opening one blocks until something writes to
//     it, past any Ctrl-C, and the reader needs to read a file more than once.
//
// A file that cannot be looked at is kept: the read says what is wrong
// with it, as a gap.
func ReadOnce(files []string) (kept []string, skipped []Skipped) {
	infos := make([]os.FileInfo, len(files))
	plain := make(map[string]string, len(files)) // case folded: the file's name
	for i, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			continue
		}
		infos[i] = info
		// Case folded: Windows, where the logs come from, names a file
		// in either case.
		if info.Mode().IsRegular() && !strings.EqualFold(filepath.Ext(f), ".gz") {
			if k := strings.ToLower(filepath.Clean(f)); plain[k] == "" {
				plain[k] = f
			}
		}
	}
	// Files read so far by size: the same file has the same size, so
	// os.SameFile is asked of few.
	bySize := make(map[int64][]int, len(files))
	for i, f := range files {
		info := infos[i]
		if info == nil {
			kept = append(kept, f)
			continue
		}
		if !info.Mode().IsRegular() {
			skipped = append(skipped, Skipped{f, "not a regular file but " + fileKind(info.Mode())})
			continue
		}
		if strings.EqualFold(filepath.Ext(f), ".gz") {
			if twin, ok := plain[strings.ToLower(strings.TrimSuffix(filepath.Clean(f), filepath.Ext(f)))]; ok {
				skipped = append(skipped, Skipped{f, "a compressed copy of " + twin + ", which is read"})
				continue
			}
		}
		read := bySize[info.Size()]
		if j := slices.IndexFunc(read, func(j int) bool { return os.SameFile(infos[j], info) }); j >= 0 {
			skipped = append(skipped, Skipped{f, "the same file as " + files[read[j]] + ", which is read once"})
			continue
		}
		if j := slices.IndexFunc(read, func(j int) bool { return sameCopy(files[j], f) }); j >= 0 {
			skipped = append(skipped, Skipped{f, "a copy of " + files[read[j]] + " (the same name and content), which is read once"})
			continue
		}
		bySize[info.Size()] = append(read, i)
		kept = append(kept, f)
	}
	return kept, skipped
}

// sameCopy reports whether b is a copy of a under its name: the same name
// (in either case, as Windows names it) and the same bytes; files of one
// size only are asked. A file that cannot be read is no copy: the read
// says what is wrong with it.
func sameCopy(a, b string) bool {
	if !strings.EqualFold(filepath.Base(a), filepath.Base(b)) {
		return false
	}
	fa, err := os.Open(a)
	if err != nil {
		return false
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false
	}
	defer fb.Close()
	ba, bb := make([]byte, 1<<16), make([]byte, 1<<16)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			// Both at their end together, or one failing: a copy only
			// when both ended.
			return (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF)
		}
	}
}

// fileKind names a file mode that is not a regular file's, for a message.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
