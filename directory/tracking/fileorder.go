package tracking

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// exchangeLogName matches the names Exchange gives its message-tracking
// logs: a prefix for the service that wrote it (MSGTRK for transport,
// MSGTRKMS for mailbox submission, MSGTRKMD for mailbox delivery, MSGTRKMA
// for the mailbox assistants), the date (yyyymmdd before Exchange 2013,
// yyyymmddhh since), and a sequence number counting the files rolled over at
// the size limit within it.
var exchangeLogName = regexp.MustCompile(`(?i)^(MSGTRK[A-Z]*?)(\d{8}|\d{10})-(\d+)\.LOG(\.GZ)?$`)

// fileOrderKey is what a file found in a folder sorts by. Plain name order
// reads a busy server's logs out of time order (MSGTRK2026030100-10.LOG
// before -2.LOG) and a day's mailbox delivery and submission logs only
// after every transport log of the whole period; the analysis ties a
// message's rows together as they come and, without a directory, learns
// internal domains from deliveries, so both lose evidence. The key puts
// Exchange's logs of one folder in the order of their date, sequence
// number and service; other files keep their name's place.
func fileOrderKey(path string) string {
	dir, base := filepath.Split(path)
	date, rest, ok := logNameKey(base)
	if !ok {
		return path
	}
	return dir + "MSGTRK" + date + "-" + rest
}

// logNameKey splits an Exchange log name into its period (yyyymmddhh, a
// day's files at hour 00) and what orders the files of one period: roll-over
// number, then service, then the name. ok is false for any other name.
func logNameKey(base string) (date, rest string, ok bool) {
	m := exchangeLogName.FindStringSubmatch(base)
	if m == nil {
		return "", "", false
	}
	seq, err := strconv.ParseUint(m[3], 10, 32)
	if err != nil {
		return "", "", false
	}
	date = m[2]
	if len(date) == 8 {
		date += "00"
	}
	return date, fmt.Sprintf("%010d-%d-%s", seq, serviceRank(m[1]), base), true
}

// serviceRank orders the services' logs of the same period as a message
// passes through them: submitted from a mailbox, routed by transport,
// delivered to a mailbox, then handled by the assistants.
func serviceRank(prefix string) int {
	switch strings.ToUpper(prefix) {
	case "MSGTRKMS":
		return 0
	case "MSGTRK":
		return 1
	case "MSGTRKMD":
		return 2
	}
	return 3
}

// Interleave puts Exchange's logs in time order: hour by hour (day by day
// before Exchange 2013), each folder's logs of the period by roll-over
// number and service as Expand orders a folder's, the folders in the order
// given. Read then merges the logs of different folders and services by
// their rows' times, but reads each log's files in the order given, and
// only while no other file comes between them.
//
// Logs named one by one are put in that order too, from one folder as from
// several: a shell lists MSGTRK2026030100-10.LOG before -2.LOG, and a
// day's MSGTRKMD logs after every transport log of every day.
//
// Other files (exports, whose names give no time to place them by) keep
// the order given, before the logs when given before the first of them,
// after them otherwise. moved is the first of those given among the logs,
// and so read after logs given after it, for the caller to say so.
func Interleave(files []string) (ordered []string, moved string) {
	type keyed struct {
		date, rest string
		folder     int
		path       string
	}
	folders := map[string]int{}
	var before, logs, after []keyed
	for _, f := range files {
		dir, base := folderOf(f), filepath.Base(f)
		if _, ok := folders[dir]; !ok {
			folders[dir] = len(folders)
		}
		date, rest, ok := logNameKey(base)
		k := keyed{date: date, rest: rest, folder: folders[dir], path: f}
		switch {
		case ok:
			logs = append(logs, k)
		case len(logs) == 0:
			before = append(before, k)
		default:
			after = append(after, k)
		}
	}
	slices.SortStableFunc(logs, func(a, b keyed) int {
		if c := strings.Compare(a.date, b.date); c != 0 {
			return c
		}
		if c := a.folder - b.folder; c != 0 {
			return c
		}
		return strings.Compare(a.rest, b.rest)
	})
	out := make([]string, 0, len(files))
	for _, part := range [][]keyed{before, logs, after} {
		for _, k := range part {
			out = append(out, k.path)
		}
	}
	// An export given after every log keeps its place: only one given
	// between logs moves.
	named := make([]bool, len(files))
	last := -1
	for i, f := range files {
		if _, _, named[i] = logNameKey(filepath.Base(f)); named[i] {
			last = i
		}
	}
	for i := len(before); i < last; i++ {
		if !named[i] {
			return out, files[i]
		}
	}
	return out, ""
}
