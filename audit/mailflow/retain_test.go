package mailflow_test

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// The reader hands out events whose strings point into its buffer, which it
// overwrites with the next block. The analyzer must copy whatever it keeps:
// here every event's strings live in a scratch buffer that is scribbled over
// after Add, and the result must equal that of a normal run.
func TestAnalyzerKeepsNoEventStrings(t *testing.T) {
	evs := seed001(4)
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
			&e.Sender, &e.ReturnPath, &e.RelatedRecipient, &e.Reference, &e.Subject, &e.MessageID, &e.Directionality} {
			*p = view(*p)
		}
		rs := make([]string, len(e.Recipients))
		for j, r := range e.Recipients {
			rs[j] = view(r)
		}
		e.Recipients = rs
		got.Add(&e)
		for j := range scratch {
			scratch[j] = 'X'
		}
	}
	w, g := want.Result(tracking.Stats{}), got.Result(tracking.Stats{})
	if !reflect.DeepEqual(w, g) {
		t.Errorf("results differ when event strings are overwritten after Add:\nwant %+v\ngot  %+v", w.Loops, g.Loops)
	}
	if len(g.Loops) != 1 || len(g.Loops[0].External) == 0 {
		t.Fatalf("fixture lost its loop: %+v", g.Loops)
	}
}
