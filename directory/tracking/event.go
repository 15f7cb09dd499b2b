package tracking

import (
	"slices"
	"strings"
	"time"
)

// Event is one tracking-log row: one event of one message on one server.
//
// The reader reuses one Event for every row, and its strings point into the
// reader's buffer: they are valid only until the callback returns. A
// callback that keeps an event, or any string of it, must copy it (Clone,
// strings.Clone).
type Event struct {
	Time time.Time
	// EventID is upper-case: RECEIVE, EXPAND, TRANSFER, SEND, DELIVER, DSN,
	// FAIL... Exchange Online rows are mapped onto the same names (a
	// message-trace row with Status Expanded is EXPAND, Delivered is DELIVER,
	// Failed is FAIL; other statuses are kept upper-cased).
	EventID string
	// Source is the transport component (SMTP, STOREDRIVER, DSN, AGENT...).
	Source        string
	SourceContext string
	ConnectorID   string

	// Client is the host that sent to this server (for RECEIVE), Server the
	// host this server sent to (for SEND); Exchange Online's FromIP and ToIP
	// land in ClientIP and ServerIP.
	ClientIP       string
	ClientHostname string
	ServerIP       string
	ServerHostname string

	Sender string
	// ReturnPath is the envelope MAIL FROM; "<>" is the null return path of
	// delivery reports and automatic replies.
	ReturnPath string
	// Recipients and RecipientStatus are the parallel lists of the
	// recipient-address and recipient-status columns.
	Recipients      []string
	RecipientStatus []string
	// RelatedRecipient is the group address on EXPAND rows.
	RelatedRecipient string
	// Reference holds the original Message-Id on DSN rows.
	Reference         string
	Subject           string
	MessageID         string
	NetworkMessageID  string
	InternalMessageID string
	MessageInfo       string
	// Directionality is Incoming, Originating or Undefined (Exchange 2013
	// and later; empty before).
	Directionality string
	// OriginalClientIP is the client a Front End Transport service took
	// the message from before handing it to a Transport service, on the
	// same server or another, whose RECEIVE then names the Front End's
	// server as its client (Exchange 2013 and later). It travels with the
	// message, so later hops between the organization's servers may name
	// it too.
	OriginalClientIP string
	// Status, Action and Detail are Exchange Online message-trace columns.
	Status string
	Detail string

	TotalBytes     int64
	RecipientCount int

	// File and Line locate the row.
	File string
	Line int64
	// Format is the kind of file the row came from.
	Format Format
}

// Format is a kind of tracking file.
type Format string

// Recognised formats.
const (
	// FormatLog is an on-premises MSGTRK*.LOG file with #Fields header.
	FormatLog Format = "msgtrk-log"
	// FormatTrackingCSV is Get-MessageTrackingLog | Export-Csv.
	FormatTrackingCSV Format = "tracking-csv"
	// FormatTrace is Get-MessageTraceV2 (or Get-MessageTrace) | Export-Csv.
	FormatTrace Format = "message-trace-csv"
	// FormatTraceDetail is Get-MessageTraceDetailV2 | Export-Csv.
	FormatTraceDetail Format = "message-trace-detail-csv"
)

// IsNullReturnPath reports whether the return path is the null reverse path
// that delivery reports and automatic replies use.
func (e *Event) IsNullReturnPath() bool {
	return e.ReturnPath == "<>"
}

// Clone returns a deep copy that stays valid after the callback returns.
func (e *Event) Clone() Event {
	c := *e
	c.Recipients = slices.Clone(e.Recipients)
	c.RecipientStatus = slices.Clone(e.RecipientStatus)
	eachString(&c, func(s *string) { *s = strings.Clone(*s) })
	return c
}

// eachString calls fn with each of the event's strings, those of its lists
// included, in place.
func eachString(e *Event, fn func(*string)) {
	for _, p := range []*string{&e.EventID, &e.Source, &e.SourceContext, &e.ConnectorID, &e.ClientIP, &e.ClientHostname,
		&e.ServerIP, &e.ServerHostname, &e.Sender, &e.ReturnPath, &e.RelatedRecipient, &e.Reference, &e.Subject,
		&e.MessageID, &e.NetworkMessageID, &e.InternalMessageID, &e.MessageInfo, &e.Directionality, &e.OriginalClientIP, &e.Status, &e.Detail, &e.File} {
		fn(p)
	}
	for i := range e.Recipients {
		fn(&e.Recipients[i])
	}
	for i := range e.RecipientStatus {
		fn(&e.RecipientStatus[i])
	}
}
