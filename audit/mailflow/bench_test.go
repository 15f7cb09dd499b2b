package mailflow_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

// benchLog is about 40 MB of Exchange 2016 rows: ordinary inbound and
// outbound mail with a loop mixed in.
func benchLog(b *testing.B) []byte { return benchLogOf(b, false) }

// benchLogOf is benchLog, its mail from outside taken by a Front End when
// frontEnd is set: the server's own (its RECEIVE names it as client and
// the Internet client in original-client-ip, with a network-message-id),
// and every other message handed on to a second mailbox server, whose
// RECEIVE names the first and the Internet client too.
func benchLogOf(b *testing.B, frontEnd bool) []byte {
	b.Helper()
	var buf bytes.Buffer
	lw, err := trackingtest.NewLogWriter(&buf, trackingtest.Fields2013, start)
	if err != nil {
		b.Fatal(err)
	}
	loop := seed001(8)
	for i := 0; buf.Len() < 40<<20; i++ {
		at := start.Add(time.Duration(i) * 100 * time.Millisecond)
		id := fmt.Sprintf("<%d.abcdef@contoso.com>", i)
		evs := []tracking.Event{
			{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "203.0.113.7", ClientHostname: "mx.partner.example", ServerHostname: "MBX01",
				Sender: fmt.Sprintf("p%d@partner%d.example", i%977, i%131), ReturnPath: "p@partner.example", Recipients: []string{fmt.Sprintf("user%d@contoso.com", i%5003)},
				Subject: "Quarterly report, final", MessageID: id, Directionality: "Incoming", TotalBytes: 34567},
			{Time: at, EventID: "DELIVER", Source: "STOREDRIVER", ServerHostname: "MBX01", Sender: "p@partner.example", Recipients: []string{fmt.Sprintf("user%d@contoso.com", i%5003)},
				RecipientStatus: []string{"250 2.1.5 OK"}, Subject: "Quarterly report, final", MessageID: id, Directionality: "Incoming", TotalBytes: 34567},
		}
		if frontEnd {
			r := &evs[0]
			r.ClientIP, r.ClientHostname, r.ServerIP, r.OriginalClientIP = "10.0.0.11", "MBX01", "10.0.0.11", "203.0.113.7"
			r.NetworkMessageID = fmt.Sprintf("%08x-0c1d-4e2f-8a3b-4c5d6e7f8091", i)
			if i%2 == 0 {
				hop := *r
				hop.ClientHostname, hop.ServerHostname, hop.ServerIP = "MBX01", "MBX02", "10.0.0.12"
				evs = append(evs, hop)
			}
		}
		if i%50 == 0 {
			evs = append(evs, loop[i/50%len(loop)])
		}
		for j := range evs {
			lw.Write(&evs[j])
		}
		lw.Flush()
	}
	return buf.Bytes()
}

// benchConfig is what dgaudit trace gives the analysis of benchLog: the
// server its rows name (tracking.Servers), against which every row from
// outside is checked.
var benchConfig = mailflow.Config{Servers: []string{"mbx01", "10.0.0.11", "mbx01.contoso.com", "mbx02", "10.0.0.12"}}

func BenchmarkReadAndAnalyse(b *testing.B) {
	data := benchLog(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		a := mailflow.New(benchConfig)
		var st tracking.Stats
		err := tracking.ReadStream(context.Background(), bytes.NewReader(data), "bench", tracking.Options{}, &st, func(e *tracking.Event) error {
			a.Add(e)
			return nil
		})
		if err != nil || st.Malformed != 0 {
			b.Fatal(err, st.Malformed)
		}
		a.Result(st)
	}
}

func BenchmarkReadOnly(b *testing.B) {
	data := benchLog(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var st tracking.Stats
		err := tracking.ReadStream(context.Background(), bytes.NewReader(data), "bench", tracking.Options{}, &st, func(*tracking.Event) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyseOnly(b *testing.B) {
	b.Run("internet", func(b *testing.B) { benchAnalyseOnly(b, benchLog(b)) })
	b.Run("frontEnd", func(b *testing.B) { benchAnalyseOnly(b, benchLogOf(b, true)) })
}

// benchAnalyseOnly times the analysis alone of data's rows, read before.
func benchAnalyseOnly(b *testing.B, data []byte) {
	var evs []tracking.Event
	var st tracking.Stats
	tracking.ReadStream(context.Background(), bytes.NewReader(data), "bench", tracking.Options{}, &st, func(e *tracking.Event) error {
		evs = append(evs, e.Clone())
		return nil
	})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		a := mailflow.New(benchConfig)
		for i := range evs {
			a.Add(&evs[i])
		}
		a.Result(st)
	}
}

// BenchmarkReadFiles is the trace command's read of a folder: four files
// of benchLog's rows parsed by Workers goroutines, with and without the
// analysis, which runs in the calling goroutine either way.
func BenchmarkReadFiles(b *testing.B) {
	data := benchLog(b)
	dir := b.TempDir()
	var files []string
	for i := range 4 {
		path := filepath.Join(dir, fmt.Sprintf("MSGTRK2026030100-%d.LOG", i))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		files = append(files, path)
	}
	for _, workers := range []int{1, 2} {
		for _, analyse := range []bool{false, true} {
			b.Run(fmt.Sprintf("workers=%d/analyse=%v", workers, analyse), func(b *testing.B) {
				b.SetBytes(int64(len(data) * len(files)))
				for b.Loop() {
					a := mailflow.New(benchConfig)
					st, err := tracking.Read(context.Background(), files, tracking.Options{Workers: workers}, func(e *tracking.Event) error {
						if analyse {
							a.Add(e)
						}
						return nil
					})
					if err != nil || st.Malformed != 0 || st.Failed != 0 {
						b.Fatal(err, st.Malformed, st.Failed)
					}
					a.Result(st)
				}
			})
		}
	}
}
