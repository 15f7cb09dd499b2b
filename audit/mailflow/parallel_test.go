package mailflow_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// The parallel reader must not change a single byte of the evidence: the
// seed incidents spread over several files (a loop whose rounds cross file
// boundaries, spoofing, backscatter, a storm), files larger than one batch,
// a gzip file, malformed lines and a missing file give the same JSON, stats
// and malformed-line samples with one worker as with several.
func TestParallelReadGivesTheSequentialResult(t *testing.T) {
	dir := t.TempDir()
	var files []string
	loop := seed001(6)
	per := (len(loop) + 3) / 4
	for i := range 4 {
		evs := loop[i*per : min((i+1)*per, len(loop))]
		// Ordinary mail around the loop, more than one batch of it.
		for j := range 3000 {
			at := start.Add(time.Duration(i*3000+j) * time.Second)
			id := fmt.Sprintf("<%d.%d@partner.example>", i, j)
			evs = append(evs,
				tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "203.0.113.7", ClientHostname: fmt.Sprintf("mx%d.partner.example", j%7),
					Sender: fmt.Sprintf("p%d@partner%d.example", j%97, j%13), Recipients: []string{fmt.Sprintf("user%d@internal.com", j%501)},
					Subject: "Automatic reply: Quarterly report, \"final\"", MessageID: id, Directionality: "Incoming"},
				tracking.Event{Time: at, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{fmt.Sprintf("user%d@internal.com", j%501)},
					RecipientStatus: []string{"250 2.1.5 OK"}, Subject: "Quarterly report", MessageID: id, Directionality: "Incoming"},
				tracking.Event{Time: at, EventID: "SEND", Source: "SMTP", ServerHostname: "mx.partner.example", Sender: fmt.Sprintf("user%d@internal.com", j%501),
					Recipients: []string{fmt.Sprintf("p%d@partner%d.example", j%97, j%13)}, Subject: "Automatic reply: Quarterly report", MessageID: "<o" + id[1:], Directionality: "Originating"},
			)
			if j%500 == 0 {
				victim := fmt.Sprintf("v%d@victim.example", j)
				evs = append(evs,
					tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "192.0.2.55", ClientHostname: "bot.botnet.example", Sender: "alice@internal.com",
						ReturnPath: victim, Recipients: []string{"nobody@internal.com"}, Subject: "cheap", MessageID: "<s" + id[1:], Directionality: "Incoming"},
					tracking.Event{Time: at, EventID: "FAIL", Source: "ROUTING", Recipients: []string{"nobody@internal.com"},
						RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, MessageID: "<s" + id[1:]},
					tracking.Event{Time: at, EventID: "DSN", Source: "DSN", ReturnPath: "<>", Recipients: []string{victim}, Subject: "Undeliverable: cheap",
						MessageID: "<d" + id[1:], Reference: "<s" + id[1:]})
			}
		}
		var b bytes.Buffer
		lw, err := trackingtest.NewLogWriter(&b, trackingtest.Fields2013, start)
		if err != nil {
			t.Fatal(err)
		}
		for k := range evs {
			lw.Write(&evs[k])
			if k%1777 == 5 {
				lw.Flush()
				fmt.Fprintf(&b, "not,a,record\n2026-13-01T00:00:00Z,x\n")
			}
		}
		lw.Flush()
		path := filepath.Join(dir, fmt.Sprintf("MSGTRK%d.LOG", i))
		data := b.Bytes()
		if i == 2 {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(data)
			zw.Close()
			path, data = path+".gz", z.Bytes()
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
		if i == 1 {
			files = append(files, filepath.Join(dir, "missing.LOG"))
		}
	}

	run := func(workers int) ([]byte, tracking.Stats) {
		a := mailflow.New(mailflow.Config{Interval: 10 * time.Minute})
		st, err := tracking.Read(context.Background(), files, tracking.Options{Workers: workers, MaxSamples: 7}, func(e *tracking.Event) error {
			a.Add(e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := json.MarshalIndent(a.Result(st), "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return out, st
	}
	want, wst := run(1)
	if wst.Malformed == 0 || wst.Failed != 1 || len(wst.Samples) != 7 || wst.Events < 4*9000 {
		t.Fatalf("fixture does not exercise the reader: %+v", wst)
	}
	// Runs that all found nothing would agree too.
	var found audit.Traffic
	if err := json.Unmarshal(want, &found); err != nil {
		t.Fatal(err)
	}
	if len(found.Loops) == 0 || len(found.Spoofing) == 0 || len(found.Backscatter) == 0 || len(found.OOFStorms) == 0 {
		t.Fatalf("fixture does not exercise the analysis: %d loops, %d spoofed, %d backscatter, %d storms",
			len(found.Loops), len(found.Spoofing), len(found.Backscatter), len(found.OOFStorms))
	}
	for _, workers := range []int{2, 3, 8} {
		got, gst := run(workers)
		if !bytes.Equal(got, want) {
			t.Errorf("%d workers: JSON differs from the sequential read", workers)
		}
		gj, _ := json.Marshal(gst)
		wj, _ := json.Marshal(wst)
		if !bytes.Equal(gj, wj) {
			t.Errorf("%d workers: stats\n%s\nwant\n%s", workers, gj, wj)
		}
	}
}
