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

// Interleave puts the logs of several servers' folders in time order
// together: hour by hour (day by day before Exchange 2013), each folder's
// logs of the period by roll-over number and service as Expand orders a
// folder's, the folders in the order given. Read one folder after another,
// the rows one message left on two servers (the edge's RECEIVE from the
// Internet, the hub's expansion, failure and report) lie a whole folder
// apart, too far for the analysis, which ties rows together in a window of
// recent messages; Read then merges the logs of each period by time.
//
// Logs named one by one are put in that order too, from one folder as from
// several: a shell lists MSGTRK2026030100-10.LOG before -2.LOG, and a
// day's MSGTRKMD logs after every transport log of every day.
//
// Files are reordered only when every one has an Exchange log name: an
// export or a file of another name has no period to place it by, and then
// the order given stands. unnamed is then the first such file, when the
// files are in several folders, for the caller to say why they are not
// interleaved: one stray export beside the servers' folders would
// otherwise undo it without a word.
func Interleave(files []string) (ordered []string, unnamed string) {
	type keyed struct {
		date, rest string
		folder     int
		path       string
	}
	folders := map[string]int{}
	ks := make([]keyed, 0, len(files))
	for _, f := range files {
		dir, base := filepath.Split(f)
		if _, ok := folders[dir]; !ok {
			folders[dir] = len(folders)
		}
		date, rest, ok := logNameKey(base)
		if !ok && unnamed == "" {
			unnamed = f
		}
		ks = append(ks, keyed{date: date, rest: rest, folder: folders[dir], path: f})
	}
	if unnamed != "" {
		if len(folders) < 2 {
			unnamed = ""
		}
		return files, unnamed
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if c := strings.Compare(a.date, b.date); c != 0 {
			return c
		}
		if c := a.folder - b.folder; c != 0 {
			return c
		}
		return strings.Compare(a.rest, b.rest)
	})
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.path
	}
	return out, ""
}
