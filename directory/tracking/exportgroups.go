package tracking

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Exports of one period from several servers, one file each (a
// Get-MessageTrackingLog -Server X | Export-Csv per server), are read
// merged by time too: read one after another, they part a message's rows
// as an export of several servers in one file does (see exportruns.go).
// Consecutive exports (a folder of them, say, listed by name: a server's
// days, then the next server's) are put in the order of their earliest
// times (exportsInTimeOrder), and those whose times overlap, and an export
// with runs of its own, are an exportGroup: their runs are read side by
// side and merged. Exports of one period after another (a file a day or an
// hour) at most meet at a second, and are read in turn. A compressed export is one run,
// whatever it holds (see scanExport).

// maxGroupStreams caps the runs a group merges; past it, the next export
// begins a group of its own, and says so.
const maxGroupStreams = 256

// exportGroup is a run of consecutive files (indexes first to last), each
// a scanned export, read merged. full is set when the group before it
// overlapped it but held maxGroupStreams runs.
type exportGroup struct {
	first, last int
	scans       []*exportScan
	full        bool
}

// streams is how many runs a scan adds to a group: its runs when it is
// read split, else itself.
func (s *exportScan) streams() int {
	if s.split() {
		return len(s.runs)
	}
	return 1
}

// scanExports scans the exports among files in workers goroutines: the
// scans, nil for a file that is none.
func scanExports(ctx context.Context, files []string, maxRecord, workers int) []*exportScan {
	out := make([]*exportScan, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(files)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				out[i] = scanExportRuns(ctx, files[i], maxRecord)
			}
		})
	}
	wg.Wait()
	return out
}

// timed reports whether a file is an export with times: one that can be
// put in order and grouped.
func timed(s *exportScan) bool { return s != nil && !s.first.IsZero() }

// rowless reports whether a file has no rows to place: an export with a
// header alone or no readable time, or an empty or missing file (a quiet
// server's day, which Export-Csv writes empty). It neither ends a stretch
// of exports nor sits between two of one period.
func rowless(path string, s *exportScan) bool {
	if s != nil {
		return s.first.IsZero()
	}
	if exchangeLogName.MatchString(filepath.Base(path)) {
		return false
	}
	fi, err := os.Stat(path)
	return err != nil || fi.Size() == 0
}

// exportsInTimeOrder returns files and their scans with each stretch of
// consecutive exports in the order of their earliest times, as given where
// they tie, and the stretch's rowless files after them.
func exportsInTimeOrder(files []string, scans []*exportScan) ([]string, []*exportScan) {
	type file struct {
		path    string
		scan    *exportScan
		rowless bool
	}
	all := make([]file, len(files))
	for i := range files {
		all[i] = file{files[i], scans[i], rowless(files[i], scans[i])}
	}
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && (timed(all[j].scan) || all[j].rowless) {
			j++
		}
		slices.SortStableFunc(all[i:j], func(a, b file) int {
			if a.rowless || b.rowless {
				return cmp.Compare(btoi(a.rowless), btoi(b.rowless))
			}
			return a.scan.first.Compare(b.scan.first)
		})
		i = j + 1
	}
	outFiles, outScans := make([]string, len(all)), make([]*exportScan, len(all))
	for i, f := range all {
		outFiles[i], outScans[i] = f.path, f.scan
	}
	return outFiles, outScans
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// exportGroups finds the groups among files to read merged, in order,
// from their scans, the exports among them in time order (see
// exportsInTimeOrder). A file given twice is read twice, in turn.
func exportGroups(files []string, scans []*exportScan) []exportGroup {
	var groups []exportGroup
	var cur exportGroup
	var end time.Time // the latest time of the group so far
	same := sameFiles{files: files, infos: map[int]os.FileInfo{}}
	streams := 0
	flush := func() {
		if len(cur.scans) > 1 || len(cur.scans) == 1 && cur.scans[0].split() {
			groups = append(groups, cur)
		}
		cur, streams = exportGroup{}, 0
	}
	for i, s := range scans {
		if !timed(s) {
			flush()
			continue
		}
		// Only a file that begins before the group ends overlaps it: one
		// server's exports of an hour each meet at a second, and are read
		// in turn.
		overlaps := len(cur.scans) > 0 && s.first.Before(end)
		again := false
		for j := cur.first; overlaps && j < i && !again; j++ {
			again = same.of(j, i)
		}
		if !overlaps || again || streams+s.streams() > maxGroupStreams {
			full := overlaps && !again
			flush()
			cur.first, cur.full, end = i, full, s.last
		}
		cur.last, cur.scans = i, append(cur.scans, s)
		streams += s.streams()
		if s.last.After(end) {
			end = s.last
		}
	}
	flush()
	return groups
}

// sameFiles tells whether two of files are one file, statting each once.
type sameFiles struct {
	files []string
	infos map[int]os.FileInfo
}

func (s *sameFiles) of(a, b int) bool {
	if filepath.Clean(s.files[a]) == filepath.Clean(s.files[b]) {
		return true
	}
	fa, fb := s.info(a), s.info(b)
	return fa != nil && fb != nil && os.SameFile(fa, fb)
}

func (s *sameFiles) info(i int) os.FileInfo {
	if fi, ok := s.infos[i]; ok {
		return fi
	}
	fi, _ := os.Stat(s.files[i])
	s.infos[i] = fi
	return fi
}

// groupNote says of a file of a group which others it was read with
// (naming a few), and of a group after a full one that it was.
func groupNote(others []string, full bool) string {
	const named = 3
	note := "read merged by time with " + strings.Join(others[:min(named, len(others))], ", ")
	if len(others) > named {
		note += fmt.Sprintf(" and %d more", len(others)-named)
	}
	// Several servers' exports of one period, or one server's of
	// overlapping windows: the file cannot say which.
	note += ": their times overlap"
	if full {
		note += fmt.Sprintf("; exports of the period before it filled the %d runs read merged at once, and were read before it", maxGroupStreams)
	}
	return note
}
