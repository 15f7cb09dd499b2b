package tracking

import (
	"fmt"
	"path/filepath"
	"regexp"
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
	m := exchangeLogName.FindStringSubmatch(base)
	if m == nil {
		return path
	}
	seq, err := strconv.ParseUint(m[3], 10, 32)
	if err != nil {
		return path
	}
	date := m[2]
	if len(date) == 8 {
		date += "00"
	}
	return dir + fmt.Sprintf("MSGTRK%s-%010d-%d-", date, seq, serviceRank(m[1])) + base
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
