package graph_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory/graph"
	"dgaudit/directory/graph/graphtest"
	"dgaudit/directory/tracking"
)

// A page of the message-trace API saved to a file (Graph Explorer,
// Invoke-MgGraphRequest -OutputFilePath) reads to the events the live API
// gives for the same rows: each row mapped alike, a message's Expanded row
// first though the page lists it after its member's, with nothing of the
// rows lost or added. Only where each event was read differs.
func TestSavedPageReadsAsTheLiveAPI(t *testing.T) {
	srv := graphtest.New(demoSnapshot(t), graphtest.Options{})
	defer srv.Close()
	at := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Millisecond)
	rows := []graphtest.MessageTrace{
		{ID: "t1", SenderAddress: "a@external.example", RecipientAddress: "ann@corp.example", MessageID: "<m1@x>", Received: at,
			Subject: "Undeliverable: hi", Size: 4242, FromIP: "203.0.113.5", Status: "Delivered"},
		{ID: "t1", SenderAddress: "a@external.example", RecipientAddress: "team@corp.example", MessageID: "<m1@x>", Received: at,
			Subject: "Undeliverable: hi", Size: 4242, FromIP: "203.0.113.5", ToIP: "198.51.100.7", Status: "Expanded"},
		{ID: "t2", SenderAddress: "b@corp.example", RecipientAddress: "stale@gone.example", MessageID: "<m2@x>", Received: at.Add(-time.Minute),
			Subject: "R\u00e9sum\u00e9 <draft> & \"notes\"", Size: 7, ToIP: "192.0.2.1", Status: "FilteredAsSpam"},
	}
	srv.SetMessageTraces(rows)
	src, err := graph.New(config(srv))
	if err != nil {
		t.Fatal(err)
	}
	collect := func(into *[]tracking.Event) func(*tracking.Event) error {
		return func(e *tracking.Event) error {
			c := e.Clone()
			c.File, c.Line = "", 0
			*into = append(*into, c)
			return nil
		}
	}
	var live, saved []tracking.Event
	if _, err := src.MessageTraces(context.Background(), at.Add(-time.Hour), time.Time{}, collect(&live)); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "page.json")
	if err := os.WriteFile(page, graphtest.TracePage(srv.GraphURL, rows, ""), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := tracking.Read(context.Background(), []string{page}, tracking.Options{}, collect(&saved))
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 3 || live[0].EventID != "EXPAND" {
		t.Fatalf("live events %+v: want 3, the expansion first", live)
	}
	if diff := cmp.Diff(live, saved); diff != "" {
		t.Errorf("events (-live +saved page):\n%s", diff)
	}
	if len(st.Files) != 1 || st.Files[0].Err != "" || st.Files[0].Format != tracking.FormatTrace || st.Events != 3 || st.Lines != 3 || st.Malformed != 0 || len(st.Files[0].Lacks) != 0 {
		t.Errorf("stats %+v", st)
	}
}
