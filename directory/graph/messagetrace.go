package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"dgaudit/directory/tracking"
)

// Limits of GET /admin/exchange/tracing/messageTraces, from its reference
// page (learn.microsoft.com/graph/api/messagetracingroot-list-messagetraces).
const (
	// TraceWindow is the longest receivedDateTime interval one query may
	// ask for; longer reads are split into windows this long.
	TraceWindow = 10 * 24 * time.Hour
	// TraceRetention is how far back the service keeps message trace.
	TraceRetention = 90 * 24 * time.Hour
	// maxTracePageSize is the largest $top the endpoint accepts (its
	// default is 1000).
	maxTracePageSize = 5000
	// traceApp is Microsoft's "Transport Data Platform" application, whose
	// service principal must exist in the tenant before the endpoint
	// accepts any token (the API's onboarding guide).
	traceApp = "8bd644d1-64a1-4d4b-ae52-2e0cbf64e373"
)

// ErrTraceRange: the time range cannot be read through the message-trace
// API (too old, empty, or a cloud where the API does not exist).
var ErrTraceRange = errors.New("message trace not available for that range")

// tracePage is one page of the API's answer.
type tracePage struct {
	Value    []tracking.GraphTrace `json:"value"`
	NextLink string                `json:"@odata.nextLink"`
}

// traceStop carries the callback's error out untouched.
type traceStop struct{ err error }

func (e traceStop) Error() string { return e.err.Error() }

// MessageTraces reads Exchange Online message trace for messages received
// from from to to through Graph and calls fn once per row, as an Event with
// the meaning the Get-MessageTraceV2 CSV reader gives the same row (Format
// FormatTrace). The Event and its Recipients are reused: fn must copy what
// it keeps.
//
// The range is read in windows of at most TraceWindow, oldest first, each
// paged to its end; a row on the boundary of two windows, which both
// return, is passed once. A message's rows, which the service lists
// together, are passed on together, its Expanded rows first (see
// tracking.GraphMessages). The per-recipient details
// (getDetailsByRecipient) are not read: they cost one request per message
// and recipient against a limit of 100 requests in 5 minutes, and the
// analysis reads the summary rows as it reads a CSV export.
//
// Each window is one entry in Stats.Files. Sign-in and permission failures,
// and any failure before a single row was read, are errors. A failure after
// rows were read (still throttled after the retries, a dropped connection)
// ends the read: the window and the ones after it are recorded as not read
// to their end (FileStats.Err, Stats.Failed), as an unreadable log file is,
// and the rows so far stand.
func (s *Source) MessageTraces(ctx context.Context, from, to time.Time, fn func(*tracking.Event) error) (tracking.Stats, error) {
	var st tracking.Stats
	switch s.cfg.Cloud {
	case USGovHigh, DoD, China:
		if s.cfg.GraphURL == "" {
			return st, fmt.Errorf("graph: message trace: %w: the Graph message-trace API exists only in the global service, not in %s; export Get-MessageTraceV2 to CSV and give the file instead", ErrTraceRange, s.cfg.Cloud)
		}
	}
	now := time.Now()
	if to.IsZero() || to.After(now) {
		// The service refuses an end in the future.
		to = now
	}
	from = from.UTC().Truncate(time.Second)
	to = to.UTC().Truncate(time.Second)
	if !from.Before(to) {
		return st, fmt.Errorf("graph: message trace from %s to %s: %w: the start is not before the end", from.Format(time.RFC3339), to.Format(time.RFC3339), ErrTraceRange)
	}
	if limit := now.Add(-TraceRetention); from.Before(limit) && limit.Sub(from) < time.Hour {
		// "--since 90d" computed a moment ago: start at the limit
		// rather than refuse.
		from = limit.Add(time.Minute).UTC().Truncate(time.Second)
		s.log.Info("message trace starts at the 90-day limit", "from", from.Format(time.RFC3339))
	}
	if from.Before(now.Add(-TraceRetention)) {
		return st, fmt.Errorf("graph: message trace from %s: %w: Exchange Online keeps message trace for 90 days; start at %s or later", from.Format(time.RFC3339), ErrTraceRange, now.Add(-TraceRetention).Add(time.Minute).UTC().Format(time.RFC3339))
	}
	var windows [][2]time.Time
	for start := from; start.Before(to); start = start.Add(TraceWindow) {
		end := start.Add(TraceWindow)
		if end.After(to) {
			end = to
		}
		windows = append(windows, [2]time.Time{start, end})
	}
	r := &traceRead{s: s, st: &st, fn: fn}
	for i, w := range windows {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		err := r.window(ctx, w[0], w[1])
		if err == nil {
			continue
		}
		var stop traceStop
		switch {
		case errors.As(err, &stop):
			return st, stop.err
		case ctx.Err() != nil:
			return st, ctx.Err()
		case errors.Is(err, ErrAuth), errors.Is(err, ErrPermission), st.Lines == 0:
			return st, err
		}
		s.log.Warn("message trace not read to its end", "window", st.Files[len(st.Files)-1].Path, "error", err)
		st.Files[len(st.Files)-1].Err = err.Error()
		st.Failed++
		for _, rest := range windows[i+1:] {
			st.Files = append(st.Files, tracking.FileStats{Path: r.name(rest[0], rest[1]), Format: tracking.FormatTrace,
				Err: "not read: an earlier request failed"})
			st.Failed++
		}
		return st, nil
	}
	return st, nil
}

// traceRead is the state of one MessageTraces call.
type traceRead struct {
	s  *Source
	st *tracking.Stats
	fn func(*tracking.Event) error
	// msgs gathers the rows of one message, to pass them on together.
	msgs tracking.GraphMessages
	// edge holds the rows of the previous window received in its last
	// second: the next window's filter (ge) returns them again.
	edge     map[string]bool
	edgeTime time.Time
}

// MessageTracePath is the message-trace endpoint under the Graph base. Each
// window read is named by it in the stats, so that callers can tell the
// API's input from files.
const MessageTracePath = "/admin/exchange/tracing/messageTraces"

func (r *traceRead) name(from, to time.Time) string {
	return fmt.Sprintf("%s%s %s..%s", r.s.c.base, MessageTracePath, from.Format(time.RFC3339), to.Format(time.RFC3339))
}

func rowKey(w *tracking.GraphTrace) string {
	return w.ID + "\x00" + strings.ToLower(w.RecipientAddress) + "\x00" + strings.ToLower(w.Status) + "\x00" + w.MessageID
}

// window reads one interval of at most TraceWindow to its end. The rows
// of the message still being gathered are passed on even when a later
// page fails: they were read.
func (r *traceRead) window(ctx context.Context, from, to time.Time) error {
	err := r.pages(ctx, from, to)
	var stop traceStop
	if errors.As(err, &stop) || ctx.Err() != nil {
		return err
	}
	if ferr := r.flush(); ferr != nil {
		return ferr
	}
	return err
}

// flush passes on the rows of the message being gathered (see
// tracking.GraphMessages).
func (r *traceRead) flush() error { return r.msgs.Flush(r.emit) }

// emit counts an event in the window being read and passes it on; the
// callback's error comes back as a traceStop.
func (r *traceRead) emit(ev *tracking.Event) error {
	fs := &r.st.Files[len(r.st.Files)-1]
	fs.Events++
	r.st.Events++
	if err := r.fn(ev); err != nil {
		return traceStop{err}
	}
	return nil
}

// pages reads one window's pages, gathering rows by message.
func (r *traceRead) pages(ctx context.Context, from, to time.Time) error {
	const what = "read message trace"
	name := r.name(from, to)
	r.st.Files = append(r.st.Files, tracking.FileStats{Path: name, Format: tracking.FormatTrace})
	fs := &r.st.Files[len(r.st.Files)-1]
	filter := fmt.Sprintf("receivedDateTime ge %s and receivedDateTime le %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	top := r.s.cfg.TracePageSize
	if top <= 0 || top > maxTracePageSize {
		top = maxTracePageSize
	}
	next := fmt.Sprintf("%s%s?$filter=%s&$top=%d", r.s.c.base, MessageTracePath,
		strings.ReplaceAll(url.QueryEscape(filter), "+", "%20"), top)
	prevEdge, prevEdgeTime := r.edge, r.edgeTime
	r.edge, r.edgeTime = map[string]bool{}, to
	seen := map[string]bool{}
	var row int64
	for pages := 1; next != ""; pages++ {
		if seen[next] {
			return fmt.Errorf("graph: %s: %w: the service returned the same nextLink twice (%s)", what, ErrMalformed, next)
		}
		seen[next] = true
		resp, err := r.s.c.send(ctx, abs.GET, next, nil)
		if err != nil {
			return wrapSend(what, endpointOf(next), err)
		}
		if resp.status != http.StatusOK {
			return traceStatusError(what, endpointOf(next), resp, r.s.cfg.MaxRetryWait)
		}
		r.st.Bytes += int64(len(resp.body))
		var p tracePage
		if err := decode(what, endpointOf(next), resp.body, &p); err != nil {
			return err
		}
		for i := range p.Value {
			w := &p.Value[i]
			row++
			fs.Lines++
			r.st.Lines++
			t, err := w.Received()
			if err != nil {
				r.bad(fs, name, row, err.Error())
				continue
			}
			if sec := t.Truncate(time.Second); prevEdge != nil && sec.Equal(prevEdgeTime) && prevEdge[rowKey(w)] {
				continue
			} else if sec.Equal(to) {
				r.edge[rowKey(w)] = true
			}
			if err := r.msgs.Add(w, t, name, row, r.emit); err != nil {
				return err
			}
		}
		r.s.log.Debug("page", "what", "message trace", "window", from.Format(time.RFC3339), "page", pages, "rows", len(p.Value))
		next = p.NextLink
	}
	r.s.log.Info("read message trace", "from", from.Format(time.RFC3339), "to", to.Format(time.RFC3339), "rows", fs.Lines)
	return nil
}

func (r *traceRead) bad(fs *tracking.FileStats, name string, row int64, reason string) {
	fs.Malformed++
	r.st.Malformed++
	if len(r.st.Samples) < 100 {
		r.st.Samples = append(r.st.Samples, tracking.Malformed{File: name, Line: row, Reason: reason})
	}
}

// traceStatusError explains a failed message-trace request; 401 and 403
// name what this endpoint needs beyond what the directory reads need.
func traceStatusError(what, endpoint string, resp *response, maxWait time.Duration) error {
	detail := errorDetail(resp.body)
	switch resp.status {
	case http.StatusForbidden:
		return fmt.Errorf("graph: %s at %s: %w: HTTP 403%s; grant the application the Microsoft Graph application permission ExchangeMessageTrace.Read.All with admin consent", what, endpoint, ErrPermission, detail)
	case http.StatusUnauthorized:
		return fmt.Errorf("graph: %s at %s: %w: HTTP 401%s; the message-trace API also needs the service principal of Microsoft's application %s in the tenant (POST /servicePrincipals with that appId, then allow some hours)", what, endpoint, ErrAuth, detail, traceApp)
	}
	return statusError(what, endpoint, resp.status, resp.header, resp.body, maxWait)
}
