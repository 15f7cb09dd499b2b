package graph_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/graph"
	"dgaudit/directory/graph/graphtest"
	"dgaudit/directory/tracking"
)

// traceRows spreads n rows over the 25 days before end, with three on the
// boundary between the first two ten-day windows: one a millisecond
// before, one on the second itself (both windows' filters return it), one
// 300 ms after.
func traceRows(start time.Time, n int) []graphtest.MessageTrace {
	statuses := []string{"Delivered", "Expanded", "FilteredAsSpam", "Failed"}
	var rows []graphtest.MessageTrace
	for i := range n {
		at := start.Add(time.Duration(i) * 25 * 24 * time.Hour / time.Duration(n)).Add(17 * time.Second)
		rows = append(rows, graphtest.MessageTrace{
			ID: fmt.Sprintf("trace-%d", i/2), SenderAddress: "a@external.example", RecipientAddress: fmt.Sprintf("r%d@corp.example", i),
			MessageID: fmt.Sprintf("<m%d@x>", i/2), Received: at, Subject: "s", Size: int64(1000 + i),
			FromIP: "203.0.113.5", Status: statuses[i%len(statuses)],
		})
	}
	b := start.Add(graph.TraceWindow)
	for i, at := range []time.Time{b.Add(-time.Millisecond), b, b.Add(300 * time.Millisecond)} {
		rows = append(rows, graphtest.MessageTrace{ID: "edge", SenderAddress: "a@external.example", RecipientAddress: fmt.Sprintf("edge%d@corp.example", i),
			MessageID: "<edge@x>", Received: at, Status: "Delivered"})
	}
	return rows
}

type traceKey struct {
	recipient, messageID, eventID string
	at                            time.Time
}

func readTraces(t *testing.T, cfg graph.Config, from, to time.Time) ([]traceKey, tracking.Stats, error) {
	t.Helper()
	src, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []traceKey
	st, err := src.MessageTraces(context.Background(), from, to, func(e *tracking.Event) error {
		if e.Format != tracking.FormatTrace || len(e.Recipients) != 1 {
			t.Errorf("event %+v: want one recipient, format %s", e, tracking.FormatTrace)
		}
		got = append(got, traceKey{e.Recipients[0], e.MessageID, e.EventID, e.Time})
		return nil
	})
	return got, st, err
}

func skipPage(r graphtest.Request) bool {
	return strings.Contains(r.Path, "/messageTraces") && r.Query.Get("$skiptoken") != ""
}

// 25 days are read as three windows, each paged to its end through a 429
// and a 503 in the middle; every row comes out once, the boundary row too.
func TestMessageTracesWindowsPagesAndThrottling(t *testing.T) {
	srv := graphtest.New(demoSnapshot(t), graphtest.Options{MaxTracePageSize: 5})
	defer srv.Close()
	end := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	start := end.Add(-25 * 24 * time.Hour)
	rows := traceRows(start, 60)
	srv.SetMessageTraces(rows)
	srv.SetFaults(graphtest.Chain(
		graphtest.Times(1, skipPage, graphtest.Fault{Status: 429, RetryAfter: "1"}),
		graphtest.Every(9, skipPage, graphtest.Fault{Status: 503}),
	))
	cfg := config(srv)
	cfg.TracePageSize = 7
	got, st, err := readTraces(t, cfg, start, end)
	if err != nil {
		t.Fatal(err)
	}
	var want []traceKey
	for _, r := range rows {
		want = append(want, traceKey{r.RecipientAddress, r.MessageID, tracking.TraceEventID(r.Status), r.Received})
	}
	cmpKeys := func(a, b traceKey) int { return strings.Compare(a.recipient, b.recipient) }
	slices.SortFunc(got, cmpKeys)
	slices.SortFunc(want, cmpKeys)
	if !slices.Equal(got, want) {
		t.Errorf("got %d events, want %d:\n%v\n%v", len(got), len(want), got, want)
	}
	if len(st.Files) != 3 || st.Failed != 0 || st.Events != int64(len(rows)) || st.Malformed != 0 || st.Lines != int64(len(rows))+1 {
		t.Errorf("stats %+v: want 3 windows, %d events and the boundary row twice in the lines", st, len(rows))
	}
	filters := srv.TraceFilters()
	if len(filters) != 3 || !strings.HasPrefix(filters[0], "receivedDateTime ge "+start.Format(time.RFC3339)) ||
		!strings.HasSuffix(filters[2], "le "+end.Format(time.RFC3339)) {
		t.Errorf("filters %q", filters)
	}
	if s := srv.Stats(); s.Faults < 2 {
		t.Errorf("%d faults served: the throttling was not exercised", s.Faults)
	}
}

func TestMessageTracesMapping(t *testing.T) {
	srv := graphtest.New(demoSnapshot(t), graphtest.Options{})
	defer srv.Close()
	at := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Millisecond)
	srv.SetMessageTraces([]graphtest.MessageTrace{{ID: "t1", SenderAddress: "a@external.example", RecipientAddress: "team@corp.example",
		MessageID: "<m1@x>", Received: at, Subject: "Undeliverable: hi", Size: 4242, FromIP: "203.0.113.5", ToIP: "198.51.100.7", Status: "Expanded"}})
	src, err := graph.New(config(srv))
	if err != nil {
		t.Fatal(err)
	}
	var got []tracking.Event
	if _, err := src.MessageTraces(context.Background(), at.Add(-time.Hour), time.Time{}, func(e *tracking.Event) error {
		got = append(got, e.Clone())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	e := got[0]
	if e.EventID != "EXPAND" || e.Status != "expanded" || !e.Time.Equal(at) || e.Sender != "a@external.example" ||
		!slices.Equal(e.Recipients, []string{"team@corp.example"}) || e.Subject != "Undeliverable: hi" || e.MessageID != "<m1@x>" ||
		e.ClientIP != "203.0.113.5" || e.ServerIP != "198.51.100.7" || e.TotalBytes != 4242 || e.Line != 1 ||
		!strings.Contains(e.File, "/admin/exchange/tracing/messageTraces") {
		t.Errorf("event %+v", e)
	}
}

func TestMessageTracesErrors(t *testing.T) {
	srv := graphtest.New(demoSnapshot(t), graphtest.Options{MaxTracePageSize: 5})
	defer srv.Close()
	end := time.Now().UTC().Add(-time.Hour)
	start := end.Add(-25 * 24 * time.Hour)
	srv.SetMessageTraces(traceRows(start, 60))
	cfg := config(srv)
	cfg.Retries = 1

	srv.SetFaults(graphtest.Times(100, graphtest.Graph("/messageTraces"), graphtest.Fault{Status: 403}))
	_, _, err := readTraces(t, cfg, start, end)
	if !errors.Is(err, graph.ErrPermission) || !strings.Contains(err.Error(), "ExchangeMessageTrace.Read.All") {
		t.Errorf("403: %v", err)
	}

	// Refused before any row: an error, nothing to report.
	srv.SetFaults(graphtest.Times(100, graphtest.Graph("/messageTraces"), graphtest.Fault{Status: 503, RetryAfter: "0"}))
	if _, _, err = readTraces(t, cfg, start, end); !errors.Is(err, graph.ErrUnavailable) {
		t.Errorf("503 from the start: %v", err)
	}

	// Refused after rows were read: the rows stand, the rest is a gap.
	srv.SetFaults(graphtest.Times(100, skipPage, graphtest.Fault{Status: 503, RetryAfter: "0"}))
	got, st, err := readTraces(t, cfg, start, end)
	if err != nil || len(got) != 5 || st.Failed != 3 || st.Files[0].Err == "" || !strings.Contains(st.Files[2].Err, "not read") {
		t.Errorf("503 in the middle: err %v, %d events, stats %+v", err, len(got), st)
	}

	srv.SetFaults(nil)
	if _, _, err = readTraces(t, cfg, end.Add(-91*24*time.Hour), end); !errors.Is(err, graph.ErrTraceRange) || !strings.Contains(err.Error(), "90 days") {
		t.Errorf("too old: %v", err)
	}
	if _, _, err = readTraces(t, cfg, end, end.Add(-time.Hour)); !errors.Is(err, graph.ErrTraceRange) {
		t.Errorf("reversed: %v", err)
	}
	china := cfg
	china.Cloud, china.GraphURL = graph.China, ""
	china.AuthorityHost = ""
	src, err := graph.New(china)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.MessageTraces(context.Background(), start, end, func(*tracking.Event) error { return nil }); !errors.Is(err, graph.ErrTraceRange) || !strings.Contains(err.Error(), "Get-MessageTraceV2") {
		t.Errorf("china: %v", err)
	}
}

// A callback error stops the read and comes back as it is.
func TestMessageTracesCallbackError(t *testing.T) {
	srv := graphtest.New(demoSnapshot(t), graphtest.Options{MaxTracePageSize: 5})
	defer srv.Close()
	end := time.Now().UTC().Add(-time.Hour)
	start := end.Add(-3 * 24 * time.Hour)
	srv.SetMessageTraces(traceRows(start, 30))
	src, err := graph.New(config(srv))
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("enough")
	n := 0
	_, err = src.MessageTraces(context.Background(), start, end, func(*tracking.Event) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("err %v after %d events", err, n)
	}
}
