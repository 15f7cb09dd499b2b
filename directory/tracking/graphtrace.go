package tracking

import (
	"fmt"
	"strings"
	"time"
)

// GraphTrace is one exchangeMessageTrace of the Graph message-trace API
// (/admin/exchange/tracing/messageTraces): one message and one recipient,
// as a Get-MessageTraceV2 row, with the resource's JSON property names.
// Package graph decodes the live API's pages into it and this package a
// saved page (graphpage.go), so that both mean the same by a row.
// ReceivedDateTime stays text so that one bad value is a malformed row
// rather than a malformed page.
type GraphTrace struct {
	ID               string `json:"id"`
	SenderAddress    string `json:"senderAddress"`
	RecipientAddress string `json:"recipientAddress"`
	MessageID        string `json:"messageId"`
	ReceivedDateTime string `json:"receivedDateTime"`
	Subject          string `json:"subject"`
	Size             int64  `json:"size"`
	FromIP           string `json:"fromIP"`
	ToIP             string `json:"toIP"`
	Status           string `json:"status"`
}

// Received reads ReceivedDateTime (ISO 8601 in UTC, as Graph writes it);
// the error is the reason the row is malformed.
func (w *GraphTrace) Received() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(w.ReceivedDateTime))
	if err != nil {
		return time.Time{}, fmt.Errorf("unreadable receivedDateTime %q", clip(w.ReceivedDateTime))
	}
	return t.UTC(), nil
}

// GraphMessages passes message-trace rows on as Events, a message's rows
// together and its Expanded rows first. The service lists a message's
// rows together but in no promised order (and newest messages first); the
// analysis learns a group's expansion from the Expanded row and then
// attributes the members' rows to it, as it does reading a CSV export
// written in time order.
//
// The Event passed on and its Recipients are reused: the callback must
// copy what it keeps. The zero value is ready to use.
type GraphMessages struct {
	ev Event
	// group holds the rows of the message being gathered.
	group []graphRow
}

type graphRow struct {
	w    GraphTrace
	t    time.Time
	file string
	row  int64
}

// graphGroupKey identifies a message: its rows (one per recipient) share
// it.
func graphGroupKey(w *GraphTrace) string {
	if w.ID != "" {
		return w.ID
	}
	return w.MessageID
}

// Add gathers the row received at t, read as row of file; a row of
// another message first passes the rows gathered so far on to emit (see
// Flush).
func (m *GraphMessages) Add(w *GraphTrace, t time.Time, file string, row int64, emit func(*Event) error) error {
	if len(m.group) > 0 && graphGroupKey(&m.group[0].w) != graphGroupKey(w) {
		if err := m.Flush(emit); err != nil {
			return err
		}
	}
	m.group = append(m.group, graphRow{w: *w, t: t, file: file, row: row})
	return nil
}

// Flush passes the gathered rows of one message on to emit, its Expanded
// rows first, and forgets them, also when emit fails: its error is
// returned as it is.
func (m *GraphMessages) Flush(emit func(*Event) error) error {
	defer func() { m.group = m.group[:0] }()
	for _, expanded := range []bool{true, false} {
		for i := range m.group {
			p := &m.group[i]
			if strings.EqualFold(strings.TrimSpace(p.w.Status), "expanded") != expanded {
				continue
			}
			graphTraceEvent(&m.ev, &p.w, p.t, p.file, p.row)
			if err := emit(&m.ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// graphTraceEvent fills ev from a row as the Get-MessageTraceV2 CSV reader
// fills it from the same row: Received, SenderAddress, RecipientAddress,
// Subject, Status, FromIP, ToIP, Size and MessageId, with the event named
// after the status.
func graphTraceEvent(ev *Event, w *GraphTrace, t time.Time, file string, row int64) {
	recips := ev.Recipients[:0]
	if r := strings.TrimSpace(w.RecipientAddress); r != "" {
		recips = append(recips, r)
	}
	*ev = Event{
		Time:            t,
		EventID:         traceStatusEvent(w.Status),
		Status:          w.Status,
		Sender:          w.SenderAddress,
		Recipients:      recips,
		RecipientStatus: ev.RecipientStatus[:0],
		Subject:         w.Subject,
		MessageID:       w.MessageID,
		ClientIP:        w.FromIP,
		ServerIP:        w.ToIP,
		TotalBytes:      w.Size,
		File:            file,
		Line:            row,
		Format:          FormatTrace,
	}
}
