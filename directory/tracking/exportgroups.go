package tracking

import (
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
// days, then the next server's) are put in the order of their first rows'
// times (exportsInTimeOrder), and those whose times overlap, and an export
// with runs of its own, are an exportGroup: their runs are read side by
// side and merged. Exports of one period after another (a file a day) do
// not overlap and are read in turn. A compressed export is one run,
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

// exportsInTimeOrder returns files and their scans with each stretch of
// consecutive exports with times in the order of their first times, as
// given where they tie.
func exportsInTimeOrder(files []string, scans []*exportScan) ([]string, []*exportScan) {
	type file struct {
		path string
		scan *exportScan
	}
	all := make([]file, len(files))
	for i := range files {
		all[i] = file{files[i], scans[i]}
	}
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && timed(all[j].scan) {
			j++
		}
		slices.SortStableFunc(all[i:j], func(a, b file) int { return a.scan.first.Compare(b.scan.first) })
		i = j + 1
	}
	outFiles, outScans := make([]string, len(all)), make([]*exportScan, len(all))
	for i, f := range all {
		outFiles[i], outScans[i] = f.path, f.scan
	}
	return outFiles, outScans
}

// exportGroups finds the groups among files to read merged, in order,
// from their scans, the exports among them in time order (see
// exportsInTimeOrder). A file given twice is read twice, in turn.
func exportGroups(files []string, scans []*exportScan) []exportGroup {
	var groups []exportGroup
	var cur exportGroup
	var end time.Time // the latest time of the group so far
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
		overlaps := len(cur.scans) > 0 && !s.first.After(end)
		again := overlaps && slices.ContainsFunc(files[cur.first:i], func(f string) bool { return sameFile(f, files[i]) })
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

// sameFile reports whether two paths name one file.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// groupNote says of a file of a group which others it was read with
// (naming a few), and of a group after a full one that it was.
func groupNote(others []string, full bool) string {
	const named = 3
	note := "read merged by time with " + strings.Join(others[:min(named, len(others))], ", ")
	if len(others) > named {
		note += fmt.Sprintf(" and %d more", len(others)-named)
	}
	note += ": exports of one period, from several servers"
	if full {
		note += fmt.Sprintf("; exports of the period before it filled the %d runs read merged at once, and were read before it", maxGroupStreams)
	}
	return note
}
