package tracking

import "strings"

// column is the Event field a header column fills.
type column uint8

const (
	colIgnore column = iota
	colTime
	colClientIP
	colClientHost
	colServerIP
	colServerHost
	colSourceContext
	colConnector
	colSource
	colEventID
	colInternalID
	colMessageID
	colNetworkID
	colRecipients
	colRecipientStatus
	colTotalBytes
	colRecipientCount
	colRelated
	colReference
	colSubject
	colSender
	colReturnPath
	colMessageInfo
	colDirectionality
	colOriginalClientIP
	colStatus
	colAction
	colDetail
	numColumns
)

// columnNames maps normalised header names (lower case, no '-', '_' or
// space) of every supported format onto Event fields. The log's names
// (date-time, recipient-address) and Get-MessageTrackingLog's (Timestamp,
// Recipients) differ, as do Exchange Online's (Received, SenderAddress,
// FromIP), so one table serves them all.
var columnNames = map[string]column{
	"datetime": colTime, "timestamp": colTime, "received": colTime, "date": colTime,
	"clientip": colClientIP, "fromip": colClientIP,
	"clienthostname": colClientHost,
	"serverip":       colServerIP, "toip": colServerIP,
	"serverhostname":          colServerHost,
	"sourcecontext":           colSourceContext,
	"connectorid":             colConnector,
	"source":                  colSource,
	"eventid":                 colEventID,
	"event":                   colEventID,
	"internalmessageid":       colInternalID,
	"messageid":               colMessageID,
	"networkmessageid":        colNetworkID,
	"recipientaddress":        colRecipients,
	"recipients":              colRecipients,
	"recipientstatus":         colRecipientStatus,
	"totalbytes":              colTotalBytes,
	"size":                    colTotalBytes,
	"recipientcount":          colRecipientCount,
	"relatedrecipientaddress": colRelated,
	"reference":               colReference,
	"messagesubject":          colSubject,
	"subject":                 colSubject,
	"senderaddress":           colSender,
	"sender":                  colSender,
	"returnpath":              colReturnPath,
	"messageinfo":             colMessageInfo,
	"directionality":          colDirectionality,
	"originalclientip":        colOriginalClientIP,
	"status":                  colStatus,
	"action":                  colAction,
	"detail":                  colDetail,
}

// layout is what a header told the reader.
type layout struct {
	format Format
	// width is how many values the header names, so every row must have.
	width int
	// at is the index of the value each column is read from, -1 for one
	// the header lacks; when a header names a column twice, the last wins.
	at [numColumns]int
	// split is how many values of a row are split out: up to the last used
	// column.
	split int
	// quoted: the header's first value is quoted, as the records' are
	// taken to be (see begins); never for a #Fields log.
	quoted bool
}

// value returns a row's value for column c, "" when the header lacks it.
func (l *layout) value(fields []string, c column) string {
	if i := l.at[c]; i >= 0 {
		return fields[i]
	}
	return ""
}

func normaliseName(s string) string {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `"`))
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_' || c == ' ':
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// newLayout maps header names to columns and decides the format; csvHeader
// is false for a #Fields line. It fails when the header lacks what every
// format needs (a time and an event or status column).
func newLayout(names []string, csvHeader bool) (layout, bool) {
	l := layout{width: len(names)}
	for c := range l.at {
		l.at[c] = -1
	}
	has := map[string]bool{}
	for i, n := range names {
		k := normaliseName(n)
		has[k] = true
		if c := columnNames[k]; c != colIgnore {
			l.at[c] = i
			l.split = i + 1
		}
	}
	switch {
	case !csvHeader:
		l.format = FormatLog
		if !has["datetime"] || !has["eventid"] {
			return l, false
		}
	case has["eventid"] && (has["timestamp"] || has["datetime"]):
		l.format = FormatTrackingCSV
	case has["received"] && has["status"]:
		l.format = FormatTrace
	case has["date"] && has["event"]:
		l.format = FormatTraceDetail
	default:
		return l, false
	}
	return l, true
}
