package trackingtest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"dgaudit/directory/tracking"
)

// Fields2013 is the #Fields list of Exchange 2013, 2016, 2019 and SE.
var Fields2013 = []string{
	"date-time", "client-ip", "client-hostname", "server-ip", "server-hostname", "source-context", "connector-id",
	"source", "event-id", "internal-message-id", "message-id", "network-message-id", "recipient-address",
	"recipient-status", "total-bytes", "recipient-count", "related-recipient-address", "reference",
	"message-subject", "sender-address", "return-path", "message-info", "directionality", "tenant-id",
	"original-client-ip", "original-server-ip", "custom-data", "transport-traffic-type", "log-id", "schema-version",
}

// Fields2010 is the #Fields list of Exchange 2010 (no network-message-id,
// transport-traffic-type, log-id or schema-version).
var Fields2010 = []string{
	"date-time", "client-ip", "client-hostname", "server-ip", "server-hostname", "source-context", "connector-id",
	"source", "event-id", "internal-message-id", "message-id", "recipient-address", "recipient-status",
	"total-bytes", "recipient-count", "related-recipient-address", "reference", "message-subject",
	"sender-address", "return-path", "message-info", "directionality", "tenant-id", "original-client-ip",
	"original-server-ip", "custom-data",
}

// Fields2007 is the #Fields list of Exchange 2007 (ends at message-info).
var Fields2007 = Fields2010[:21]

// versionOf is what a log file's #Version line says for a #Fields list.
func versionOf(fields []string) string {
	switch len(fields) {
	case len(Fields2007):
		return "8.3.83.6"
	case len(Fields2010):
		return "14.3.123.4"
	}
	return "15.2.1118.7"
}

// LogWriter writes one MSGTRK log file.
type LogWriter struct {
	w      *bufio.Writer
	fields []string
	cols   []func(*tracking.Event) string
	buf    []byte
	// CRLF ends lines with \r\n, as Exchange does.
	CRLF bool
}

// NewLogWriter writes the header (with a UTF-8 byte order mark, as Exchange
// does) for the given #Fields list and returns the writer.
func NewLogWriter(w io.Writer, fields []string, date time.Time) (*LogWriter, error) {
	lw := &LogWriter{w: bufio.NewWriterSize(w, 1<<20), fields: fields, CRLF: true}
	for _, f := range fields {
		lw.cols = append(lw.cols, logValue(f))
	}
	hdr := "\uFEFF#Software: Microsoft Exchange Server\r\n#Version: " + versionOf(fields) + "\r\n#Log-type: Message Tracking Log\r\n#Date: " +
		date.UTC().Format("2006-01-02T15:04:05.000Z") + "\r\n#Fields: " + strings.Join(fields, ",") + "\r\n"
	if _, err := lw.w.WriteString(hdr); err != nil {
		return nil, err
	}
	return lw, nil
}

// Write writes one event as a row.
func (lw *LogWriter) Write(ev *tracking.Event) error {
	b := lw.buf[:0]
	for i, c := range lw.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSV(b, c(ev))
	}
	if lw.CRLF {
		b = append(b, '\r')
	}
	b = append(b, '\n')
	lw.buf = b
	_, err := lw.w.Write(b)
	return err
}

// Flush writes buffered rows.
func (lw *LogWriter) Flush() error { return lw.w.Flush() }

func appendCSV(b []byte, v string) []byte {
	if !strings.ContainsAny(v, ",\"\r\n") {
		return append(b, v...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(v, `"`, `""`)...)
	return append(b, '"')
}

func logValue(field string) func(*tracking.Event) string {
	switch field {
	case "date-time":
		return func(e *tracking.Event) string { return e.Time.UTC().Format("2006-01-02T15:04:05.000Z") }
	case "client-ip":
		return func(e *tracking.Event) string { return e.ClientIP }
	case "client-hostname":
		return func(e *tracking.Event) string { return e.ClientHostname }
	case "server-ip":
		return func(e *tracking.Event) string { return e.ServerIP }
	case "server-hostname":
		return func(e *tracking.Event) string { return e.ServerHostname }
	case "source-context":
		return func(e *tracking.Event) string { return e.SourceContext }
	case "connector-id":
		return func(e *tracking.Event) string { return e.ConnectorID }
	case "source":
		return func(e *tracking.Event) string { return e.Source }
	case "event-id":
		return func(e *tracking.Event) string { return e.EventID }
	case "internal-message-id":
		return func(e *tracking.Event) string { return e.InternalMessageID }
	case "message-id":
		return func(e *tracking.Event) string { return e.MessageID }
	case "network-message-id":
		return func(e *tracking.Event) string { return e.NetworkMessageID }
	case "recipient-address":
		return func(e *tracking.Event) string { return strings.Join(e.Recipients, ";") }
	case "recipient-status":
		return func(e *tracking.Event) string { return strings.Join(e.RecipientStatus, ";") }
	case "total-bytes":
		return func(e *tracking.Event) string { return strconv.FormatInt(e.TotalBytes, 10) }
	case "recipient-count":
		return func(e *tracking.Event) string { return strconv.Itoa(len(e.Recipients)) }
	case "related-recipient-address":
		return func(e *tracking.Event) string { return e.RelatedRecipient }
	case "reference":
		return func(e *tracking.Event) string { return e.Reference }
	case "message-subject":
		return func(e *tracking.Event) string { return e.Subject }
	case "sender-address":
		return func(e *tracking.Event) string { return e.Sender }
	case "return-path":
		return func(e *tracking.Event) string { return e.ReturnPath }
	case "message-info":
		return func(e *tracking.Event) string { return e.MessageInfo }
	case "directionality":
		return func(e *tracking.Event) string { return e.Directionality }
	case "original-client-ip":
		return func(e *tracking.Event) string { return e.OriginalClientIP }
	case "schema-version":
		return func(*tracking.Event) string { return "15.02.1118.007" }
	case "transport-traffic-type":
		return func(*tracking.Event) string { return "Email" }
	}
	return func(*tracking.Event) string { return "" }
}

// TrackingCSVColumns are Get-MessageTrackingLog's property names in its
// output order.
var TrackingCSVColumns = []string{
	"Timestamp", "ClientIp", "ClientHostname", "ServerIp", "ServerHostname", "SourceContext", "ConnectorId", "Source",
	"EventId", "InternalMessageId", "MessageId", "NetworkMessageId", "Recipients", "RecipientStatus", "TotalBytes",
	"RecipientCount", "RelatedRecipientAddress", "Reference", "MessageSubject", "Sender", "ReturnPath", "Directionality",
	"TenantId", "OriginalClientIp", "OriginalServerIp", "EventData",
}

var csvToLog = map[string]string{
	"Timestamp": "date-time", "ClientIp": "client-ip", "ClientHostname": "client-hostname", "ServerIp": "server-ip",
	"ServerHostname": "server-hostname", "SourceContext": "source-context", "ConnectorId": "connector-id", "Source": "source",
	"EventId": "event-id", "InternalMessageId": "internal-message-id", "MessageId": "message-id",
	"NetworkMessageId": "network-message-id", "Recipients": "recipient-address", "RecipientStatus": "recipient-status",
	"TotalBytes": "total-bytes", "RecipientCount": "recipient-count", "RelatedRecipientAddress": "related-recipient-address",
	"Reference": "reference", "MessageSubject": "message-subject", "Sender": "sender-address", "ReturnPath": "return-path",
	"Directionality": "directionality",
}

// WriteTrackingCSV writes events as Get-MessageTrackingLog | Export-Csv
// does in Windows PowerShell: a #TYPE line, every value quoted, timestamps
// in en-US form, and Recipients joined with ';' (the usual
// @{n='Recipients';e={$_.Recipients -join ';'}}).
func WriteTrackingCSV(w io.Writer, events []tracking.Event) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, "#TYPE Selected.Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\r\n")
	quoted := make([]string, len(TrackingCSVColumns))
	for i, c := range TrackingCSVColumns {
		quoted[i] = `"` + c + `"`
	}
	fmt.Fprint(bw, strings.Join(quoted, ",")+"\r\n")
	for i := range events {
		e := &events[i]
		for j, c := range TrackingCSVColumns {
			var v string
			if c == "Timestamp" {
				v = e.Time.UTC().Format("1/2/2006 3:04:05 PM")
			} else if f, ok := csvToLog[c]; ok {
				v = logValue(f)(e)
			}
			quoted[j] = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		fmt.Fprint(bw, strings.Join(quoted, ",")+"\r\n")
	}
	return bw.Flush()
}

// TraceColumns are Get-MessageTraceV2's output columns.
var TraceColumns = []string{"Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "ToIP", "FromIP", "Size", "MessageId", "MessageTraceId"}

// TraceRow is one Get-MessageTraceV2 row.
type TraceRow struct {
	Received                time.Time
	Sender, Recipient       string
	Subject, Status         string
	ToIP, FromIP, MessageID string
	Size                    int64
	MessageTraceID          string
}

// WriteTraceCSV writes rows as Get-MessageTraceV2 | Export-Csv
// -NoTypeInformation -Encoding UTF8 does in PowerShell 7 (UTF-8 with BOM,
// quoted values, ISO timestamps).
func WriteTraceCSV(w io.Writer, rows []TraceRow) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF")
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	hdr := make([]string, len(TraceColumns))
	for i, c := range TraceColumns {
		hdr[i] = q(c)
	}
	bw.WriteString(strings.Join(hdr, ",") + "\r\n")
	for _, r := range rows {
		vals := []string{r.Received.UTC().Format("2006-01-02T15:04:05.0000000Z"), r.Sender, r.Recipient, r.Subject, r.Status, r.ToIP, r.FromIP, strconv.FormatInt(r.Size, 10), r.MessageID, r.MessageTraceID}
		for i, v := range vals {
			vals[i] = q(v)
		}
		bw.WriteString(strings.Join(vals, ",") + "\r\n")
	}
	return bw.Flush()
}

// WriteLogFile writes events to path as one MSGTRK log with the given
// #Fields list, dated by the first event.
func WriteLogFile(path string, fields []string, events []tracking.Event) error {
	date := time.Time{}
	if len(events) > 0 {
		date = events[0].Time
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	lw, err := NewLogWriter(f, fields, date)
	if err != nil {
		f.Close()
		return err
	}
	for i := range events {
		if err := lw.Write(&events[i]); err != nil {
			f.Close()
			return err
		}
	}
	if err := lw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteTraceFile writes rows to path as WriteTraceCSV does.
func WriteTraceFile(path string, rows []TraceRow) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteTraceCSV(f, rows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
