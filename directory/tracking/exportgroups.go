package tracking

import (
	"context"
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
// Consecutive exports whose times overlap, and an export with runs of its
// own, are an exportGroup: their runs are read side by side and merged.
// Exports of one period after another (a file a day) do not overlap and
// are read in turn, as given.

// A compressed export cannot be read in runs (see scanExport): it is read
// whole, as given, in no group.

// maxGroupStreams caps the runs a group merges; past it, the next export
// begins a group of its own.
const maxGroupStreams = 256

// exportGroup is a run of consecutive files (indexes first to last), each
// a scanned export, read merged.
type exportGroup struct {
	first, last int
	scans       []*exportScan
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

// exportGroups finds the groups among files to read merged, in order,
// from their scans.
func exportGroups(scans []*exportScan) []exportGroup {
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
		if s == nil || s.first.IsZero() || s.gzip {
			flush()
			continue
		}
		if len(cur.scans) == 0 || !s.first.Before(end.Add(-runBackstep)) || streams+s.streams() > maxGroupStreams {
			flush()
			cur.first, end = i, s.last
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

// groupNote says of a file of a group which others it was read with.
func groupNote(files []string, path string) string {
	var others []string
	for _, f := range files {
		if f != path && !slices.Contains(others, f) {
			others = append(others, f)
		}
	}
	return "read merged by time with " + strings.Join(others, ", ") + ": exports of one period, from several servers"
}
