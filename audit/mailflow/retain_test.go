package mailflow_test

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"
	"unsafe"

	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// The reader hands out events whose strings point into its buffer, which it
// overwrites with the next block. The analyzer must copy whatever it keeps:
// here every event's strings live in a scratch buffer that is scribbled over
// after Add, and the result must equal that of a normal run. The message
// trace, newest first, has member rows wait for their expansion (holdEarly);
// the hub's rows read before the edge's have reports wait for their
// originals (holdDSN).
func TestAnalyzerKeepsNoEventStrings(t *testing.T) {
	newestFirst := traceLoop(4)
	slices.Reverse(newestFirst)
	edge, hub := ndrAttack(12)
	for name, evs := range map[string][]tracking.Event{
		"tracking log":                seed001(4),
		"message trace, newest first": traceEvents(t, newestFirst),
		"hub before edge":             slices.Concat(seed001(4), hub, edge),
	} {
		t.Run(name, func(t *testing.T) {
			cfg := mailflow.Config{Interval: 10 * time.Minute}
			want := mailflow.New(cfg)
			for i := range evs {
				want.Add(&evs[i])
			}
			got := mailflow.New(cfg)
			scratch := make([]byte, 0, 1<<16)
			view := func(s string) string {
				if s == "" {
					return ""
				}
				start := len(scratch)
				scratch = append(scratch, s...)
				b := scratch[start:]
				return unsafe.String(unsafe.SliceData(b), len(b))
			}
			for i := range evs {
				scratch = scratch[:0]
				e := evs[i]
				for _, p := range []*string{&e.EventID, &e.Source, &e.ClientIP, &e.ClientHostname, &e.ServerIP, &e.ServerHostname,
					&e.Sender, &e.ReturnPath, &e.RelatedRecipient, &e.Reference, &e.Subject, &e.MessageID, &e.Directionality,
					&e.Status, &e.Detail} {
					*p = view(*p)
				}
				for _, list := range []*[]string{&e.Recipients, &e.RecipientStatus} {
					vs := make([]string, len(*list))
					for j, r := range *list {
						vs[j] = view(r)
					}
					*list = vs
				}
				got.Add(&e)
				for j := range scratch {
					scratch[j] = 'X'
				}
			}
			w, g := want.Result(tracking.Stats{}), got.Result(tracking.Stats{})
			if !reflect.DeepEqual(w, g) {
				t.Errorf("results differ when event strings are overwritten after Add:\nwant %+v\ngot  %+v", w.Loops, g.Loops)
			}
			if name == "hub before edge" && (len(g.Backscatter) != 1 || g.Backscatter[0].Source != bot) {
				t.Errorf("fixture lost its backscatter: %+v", g.Backscatter)
			}
			if len(g.Loops) != 1 || len(g.Loops[0].External) == 0 {
				t.Fatalf("fixture lost its loop: %+v", g.Loops)
			}
		})
	}
}

// traceEvents reads message-trace rows as a Get-MessageTraceV2 export.
func traceEvents(t *testing.T, rows []trackingtest.TraceRow) []tracking.Event {
	t.Helper()
	var b bytes.Buffer
	if err := trackingtest.WriteTraceCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	var evs []tracking.Event
	var st tracking.Stats
	err := tracking.ReadStream(context.Background(), &b, "trace.csv", tracking.Options{}, &st, func(e *tracking.Event) error {
		evs = append(evs, e.Clone())
		return nil
	})
	if err != nil || st.Malformed != 0 || len(evs) != len(rows) {
		t.Fatalf("trace rows: %d events of %d, %d malformed, %v", len(evs), len(rows), st.Malformed, err)
	}
	return evs
}

// A SEND whose return path is its sender, a known group's address, makes
// the group's aggregate as any look-up of a known group does, though it is
// no rewrite: with room for one group, the next group's expansion is then
// the one capped.
func TestReturnPathOfSenderMakesKnownGroup(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	a := mailflow.New(mailflow.Config{MaxKeys: 1, Groups: []mailflow.Group{{Address: "one@contoso.com"}, {Address: "two@contoso.com"}}})
	a.Add(&tracking.Event{Time: at, EventID: "SEND", Source: "SMTP", Sender: "One@contoso.com", ReturnPath: "<One@contoso.com>",
		Recipients: []string{"x@partner.example"}, MessageID: "<1@contoso.com>", Format: tracking.FormatLog})
	a.Add(&tracking.Event{Time: at, EventID: "EXPAND", Source: "ROUTING", RelatedRecipient: "two@contoso.com",
		Recipients: []string{"m@contoso.com"}, MessageID: "<2@contoso.com>", Format: tracking.FormatLog})
	r := a.Result(tracking.Stats{})
	if !slices.Contains(r.Truncated, "groups") {
		t.Errorf("Truncated = %v; want groups (the SEND made one@'s aggregate)", r.Truncated)
	}
}
