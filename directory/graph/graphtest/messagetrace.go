package graphtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MessageTrace is one exchangeMessageTrace the emulator serves: one message
// and one recipient, as a Get-MessageTraceV2 row.
type MessageTrace struct {
	ID               string // the message trace ID, shared by a message's rows
	SenderAddress    string
	RecipientAddress string
	MessageID        string
	Received         time.Time
	Subject          string
	Size             int64
	FromIP           string
	ToIP             string
	// Status as Get-MessageTraceV2 spells it (Delivered, Expanded,
	// FilteredAsSpam, ...); served in Graph's camelCase.
	Status string
}

// Message-trace limits the emulator enforces, as Graph does.
const (
	traceMaxWindow   = 10 * 24 * time.Hour
	traceMaxTop      = 5000
	traceDefaultTop  = 1000
	traceDefaultSpan = 48 * time.Hour
)

// SetMessageTraces sets the rows GET /admin/exchange/tracing/messageTraces
// serves, in the order given.
func (s *Server) SetMessageTraces(rows []MessageTrace) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.traces = append([]MessageTrace(nil), rows...)
}

// TraceFilters returns the $filter of every first page of message trace
// served so far (next pages carry the same filter and are not listed).
func (s *Server) TraceFilters() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.traceFilters...)
}

// messageTraces answers a list of message traces: $filter on
// receivedDateTime with both bounds (at most ten days apart, the end not in
// the future) or none (the last 48 hours), $top from 1 to 5000 (capped
// further by Options.MaxTracePageSize), and an absolute nextLink.
func (s *Server) messageTraces(path string, q url.Values) reply {
	now := time.Now()
	from, to := now.Add(-traceDefaultSpan), now
	if f := q.Get("$filter"); f != "" {
		var ok bool
		if from, to, ok = parseTraceFilter(f); !ok {
			return errReply(http.StatusBadRequest, "BadRequest", "Unsupported filter: "+f)
		}
		if to.Sub(from) > traceMaxWindow {
			return errReply(http.StatusBadRequest, "BadRequest", "The time range can't exceed 10 days.")
		}
		if to.After(now.Add(time.Minute)) || to.Before(from) {
			return errReply(http.StatusBadRequest, "BadRequest", "The end date must not be later than the current date and not before the start date.")
		}
	}
	top := traceDefaultTop
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > traceMaxTop {
			return errReply(http.StatusBadRequest, "BadRequest", "$top must be between 1 and 5000: "+v)
		}
		top = n
	}
	if s.opts.MaxTracePageSize > 0 {
		top = min(top, s.opts.MaxTracePageSize)
	}
	off := 0
	if v := q.Get("$skiptoken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errReply(http.StatusBadRequest, "BadRequest", "Invalid $skiptoken")
		}
		off = n
	}
	s.mu.Lock()
	if off == 0 {
		s.traceFilters = append(s.traceFilters, q.Get("$filter"))
	}
	var match []MessageTrace
	for _, r := range s.traces {
		if !r.Received.Before(from) && !r.Received.After(to) {
			match = append(match, r)
		}
	}
	s.mu.Unlock()
	off = min(off, len(match))
	end := min(off+top, len(match))
	body := tracePage(s.GraphURL, match[off:end])
	if end < len(match) {
		nq := url.Values{}
		for k, v := range q {
			if k != "$skiptoken" {
				nq[k] = v
			}
		}
		nq.Set("$skiptoken", strconv.Itoa(end))
		body["@odata.nextLink"] = s.GraphURL + path + "?" + nq.Encode()
	}
	return reply{status: http.StatusOK, body: body}
}

// tracePage is a page's body: the rows as Graph writes them.
func tracePage(graphURL string, rows []MessageTrace) map[string]any {
	vals := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		vals = append(vals, map[string]any{
			"@odata.type":      "#microsoft.graph.exchangeMessageTrace",
			"id":               r.ID,
			"senderAddress":    r.SenderAddress,
			"recipientAddress": r.RecipientAddress,
			"messageId":        r.MessageID,
			"receivedDateTime": r.Received.UTC().Format("2006-01-02T15:04:05.9999999Z"),
			"subject":          r.Subject,
			"size":             r.Size,
			"fromIP":           r.FromIP,
			"toIP":             r.ToIP,
			"status":           lowerFirst(r.Status),
		})
	}
	return map[string]any{"@odata.context": graphURL + "/$metadata#admin/exchange/tracing/messageTraces", "value": vals}
}

// TracePage is the JSON of a message-trace page of rows, as the emulator
// serves it and an admin saves it (Graph Explorer, Invoke-MgGraphRequest
// -OutputFilePath): with nextLink unless it is empty.
func TracePage(graphURL string, rows []MessageTrace, nextLink string) []byte {
	body := tracePage(graphURL, rows)
	if nextLink != "" {
		body["@odata.nextLink"] = nextLink
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // strings, numbers and maps of them
	}
	return b
}

// parseTraceFilter reads "receivedDateTime ge X and receivedDateTime le Y".
func parseTraceFilter(f string) (from, to time.Time, ok bool) {
	w := strings.Fields(f)
	if len(w) != 7 || !strings.EqualFold(w[0], "receivedDateTime") || w[1] != "ge" || !strings.EqualFold(w[3], "and") ||
		!strings.EqualFold(w[4], "receivedDateTime") || w[5] != "le" {
		return from, to, false
	}
	from, err1 := time.Parse(time.RFC3339, w[2])
	to, err2 := time.Parse(time.RFC3339, w[6])
	return from, to, err1 == nil && err2 == nil
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
