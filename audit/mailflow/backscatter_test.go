package mailflow_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

func contoso(d string) bool { return d == "contoso.com" }

// bounces are on-premises rows of n messages for recipients that do not
// exist, each bounced to its outside sender, one every gap.
func bounces(n int, gap time.Duration) []tracking.Event {
	return bouncesFrom(n, gap, func(int) string { return "mx.partner.example" })
}

// bouncesFrom are the rows of bounces, the i-th message from host(i).
func bouncesFrom(n int, gap time.Duration, host func(int) string) []tracking.Event {
	evs := []tracking.Event{{Time: start, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"real@contoso.com"}, MessageID: "<ok@x>"}}
	for i := range n {
		id, sender := fmt.Sprintf("<m%d@partner.example>", i), fmt.Sprintf("p%d@partner.example", i%3)
		at := start.Add(time.Duration(i) * gap)
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.7", ClientHostname: host(i), Sender: sender, ReturnPath: sender,
				Recipients: []string{fmt.Sprintf("jhon.smith%d@contoso.com", i)}, Subject: "Contract", MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "FAIL", Source: "ROUTING", Sender: sender, Recipients: []string{fmt.Sprintf("jhon.smith%d@contoso.com", i)},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, MessageID: id},
			tracking.Event{Time: at.Add(time.Second), EventID: "DSN", Source: "DSN", Sender: "postmaster@contoso.com", ReturnPath: "<>", Recipients: []string{sender},
				Subject: "Undeliverable: Contract", MessageID: fmt.Sprintf("<dsn%d@contoso.com>", i), Reference: id},
		)
	}
	return evs
}

// A source is backscatter from MinBackscatter reports on, and high when
// they came within one clock hour; a bounce or a few are mail working as
// it should, and are only counted below the threshold.
func TestBackscatterThreshold(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		gap      time.Duration
		min      int
		want     []audit.Severity
		peak     int64
		below    audit.BackscatterBelow
		interval time.Duration
	}{
		{"one mistyped address", 1, time.Minute, 0, nil, 0, audit.BackscatterBelow{Threshold: 10, Sources: 1, Reports: 1}, 0},
		{"nine in an hour", 9, time.Minute, 0, nil, 0, audit.BackscatterBelow{Threshold: 10, Sources: 1, Reports: 9}, 0},
		{"ten over ten hours", 10, time.Hour, 0, []audit.Severity{audit.Medium}, 1, audit.BackscatterBelow{Threshold: 10}, 0},
		{"ten in one hour", 10, time.Minute, 0, []audit.Severity{audit.High}, 10, audit.BackscatterBelow{Threshold: 10}, 0},
		// The timeline's width does not move the severity.
		{"ten in one hour, drawn per minute", 10, time.Minute, 0, []audit.Severity{audit.High}, 10, audit.BackscatterBelow{Threshold: 10}, time.Minute},
		{"ten over ten hours, drawn per day", 10, time.Hour, 0, []audit.Severity{audit.Medium}, 1, audit.BackscatterBelow{Threshold: 10}, 24 * time.Hour},
		{"a lower threshold", 3, time.Hour, 3, []audit.Severity{audit.Medium}, 1, audit.BackscatterBelow{Threshold: 3}, 0},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := logFile(t, dir, fmt.Sprintf("MSGTRK%d.LOG", i), trackingtest.Fields2013, bounces(tt.n, tt.gap))
			tr := analyse(t, mailflow.Config{IsInternal: contoso, MinBackscatter: tt.min, Interval: tt.interval}, path)
			var got []audit.Severity
			for _, b := range tr.Backscatter {
				got = append(got, b.Severity)
				if b.Source != "mx.partner.example" || b.Reports != int64(tt.n) || b.PeakPerHour != tt.peak || b.ReasonUnknown {
					t.Errorf("source %+v", b)
				}
			}
			if !slices.Equal(got, tt.want) || tr.BackscatterBelow != tt.below {
				t.Errorf("severities %v below %+v, want %v and %+v", got, tr.BackscatterBelow, tt.want, tt.below)
			}
			if w, found := tr.Worst(); found != (len(tt.want) > 0) || found && w != tt.want[0] {
				t.Errorf("worst %v, %v", w, found)
			}
		})
	}
}

// The sources under the threshold are judged together too: a botnet's
// hosts each send a report or two, and the organization's server, not
// any host, is what the block lists see. Together they are one
// distributed source, on the same scale as one source's but from five
// times its threshold (50): within one clock hour high, within 24
// consecutive clock hours medium. An organization's own bounces, a few
// a day from correspondents all over, stay under it however many days
// the logs span.
func TestDistributedBackscatter(t *testing.T) {
	type source struct {
		source   string
		severity audit.Severity
		reports  int64
		peak     int64
	}
	const dist = "distributed: "
	bot := func(per int) func(int) string {
		return func(i int) string { return fmt.Sprintf("bot%d.botnet.example", i/per) }
	}
	tests := []struct {
		name  string
		n     int
		gap   time.Duration
		host  func(int) string
		min   int
		want  []source
		below audit.BackscatterBelow
	}{
		// An NDR attack through a botnet: 400 reports in 47 minutes, from
		// 200 hosts sending two each.
		{"a botnet, 200 hosts sending two each", 400, 7 * time.Second, bot(2), 0,
			[]source{{dist + "200 sources", audit.High, 400, 400}}, audit.BackscatterBelow{Threshold: 10, Sources: 200, Reports: 400}},
		{"200 hosts in one hour", 200, 15 * time.Second, bot(1), 0,
			[]source{{dist + "200 sources", audit.High, 200, 200}}, audit.BackscatterBelow{Threshold: 10, Sources: 200, Reports: 200}},
		// A morning wave of newsletters bouncing on leavers' addresses
		// at a large organization: medium (its bounces could be
		// rejections), not an attack that fails every run.
		{"199 hosts in one hour", 199, 15 * time.Second, bot(1), 0,
			[]source{{dist + "199 sources", audit.Medium, 199, 199}}, audit.BackscatterBelow{Threshold: 10, Sources: 199, Reports: 199}},
		{"50 hosts in one hour", 50, time.Minute, bot(1), 0,
			[]source{{dist + "50 sources", audit.Medium, 50, 50}}, audit.BackscatterBelow{Threshold: 10, Sources: 50, Reports: 50}},
		{"49 hosts in one hour", 49, time.Minute, bot(1), 0, nil, audit.BackscatterBelow{Threshold: 10, Sources: 49, Reports: 49}},
		{"50 hosts over a day", 50, 25 * time.Minute, bot(1), 0,
			[]source{{dist + "50 sources", audit.Medium, 50, 3}}, audit.BackscatterBelow{Threshold: 10, Sources: 50, Reports: 50}},
		// A large organization's bad week: 45 bounces a day, every one from
		// a different correspondent, 315 in all; no 24 hours hold 50.
		{"a week of scattered bounces", 7 * 45, 32 * time.Minute, bot(1), 0, nil, audit.BackscatterBelow{Threshold: 10, Sources: 315, Reports: 315}},
		// The same from fewer hosts, each still under the threshold.
		{"a week of scattered bounces from 40 hosts", 7 * 45, 32 * time.Minute, func(i int) string { return fmt.Sprintf("mx%d.example", i%40) }, 0,
			nil, audit.BackscatterBelow{Threshold: 10, Sources: 40, Reports: 315}},
		// A host over the threshold is its own source, and the rest are
		// judged without its reports.
		{"one host over the threshold and a botnet", 72, 30 * time.Second, func(i int) string {
			if i < 12 {
				return "mx.big.example"
			}
			return fmt.Sprintf("bot%d.botnet.example", i)
		}, 0, []source{{"mx.big.example", audit.High, 12, 12}, {dist + "60 sources", audit.Medium, 60, 60}}, audit.BackscatterBelow{Threshold: 10, Sources: 60, Reports: 60}},
		{"one host over the threshold, a few under it", 20, 30 * time.Second, func(i int) string {
			if i < 12 {
				return "mx.big.example"
			}
			return fmt.Sprintf("bot%d.botnet.example", i)
		}, 0, []source{{"mx.big.example", audit.High, 12, 12}}, audit.BackscatterBelow{Threshold: 10, Sources: 8, Reports: 8}},
		// The bar moves with MinBackscatter: five times 3 is 15, 60 an hour.
		{"a lower threshold", 15, time.Minute, bot(1), 3,
			[]source{{dist + "15 sources", audit.Medium, 15, 15}}, audit.BackscatterBelow{Threshold: 3, Sources: 15, Reports: 15}},
		{"a lower threshold, in one hour", 60, time.Minute / 2, bot(1), 3,
			[]source{{dist + "60 sources", audit.High, 60, 60}}, audit.BackscatterBelow{Threshold: 3, Sources: 60, Reports: 60}},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := logFile(t, dir, fmt.Sprintf("MSGTRK%d.LOG", i), trackingtest.Fields2013, bouncesFrom(tt.n, tt.gap, tt.host))
			tr := analyse(t, mailflow.Config{IsInternal: contoso, MinBackscatter: tt.min}, path)
			var got []source
			for _, b := range tr.Backscatter {
				name := b.Source
				if b.Distributed && b.Source == audit.DistributedSource {
					name = fmt.Sprintf("%s%d sources", dist, b.SourcesTotal) // the table's shorthand
				}
				got = append(got, source{name, b.Severity, b.Reports, b.PeakPerHour})
				if !b.Distributed {
					if len(b.Sources) != 0 || b.SourcesTotal != 0 {
						t.Errorf("single source %+v", b)
					}
					continue
				}
				// The busiest hosts, as many as Top, with their reports;
				// the timeline and the domains count every report.
				var timeline, domains int64
				for _, c := range b.Timeline {
					timeline += c.N
				}
				for _, c := range b.Domains {
					domains += c.N
				}
				if b.Source != audit.DistributedSource || len(b.Sources) != min(b.SourcesTotal, 20) ||
					b.Sources[0].N > int64(tr.BackscatterBelow.Threshold-1) || b.SourcesCapped || timeline != b.Reports || domains != b.Reports ||
					b.PeakPer24Hours < b.PeakPerHour || b.PeakPer24Hours > b.Reports || b.FirstSeen.IsZero() || !b.LastSeen.After(b.FirstSeen) {
					t.Errorf("distributed source %+v", b)
				}
			}
			if !slices.Equal(got, tt.want) || tr.BackscatterBelow != tt.below {
				t.Errorf("backscatter %+v below %+v, want %+v and %+v", got, tr.BackscatterBelow, tt.want, tt.below)
			}
			if w, found := tr.Worst(); found != (len(tt.want) > 0) || found && w != tt.want[0].severity {
				t.Errorf("worst %v, %v", w, found)
			}
		})
	}
}

// exoAttack is Exchange Online message trace of n messages from outside to
// made-up recipients, one a minute, each failing with reason (as
// Get-MessageTraceDetailV2's Detail says it) and bounced by the tenant to
// its forged sender: the summary rows (with a Detail column when
// detailColumn), and the detail rows of the failures.
func exoAttack(n int, reason string, detailColumn bool) (summary, detail [][]string) {
	hdr := slices.Clone(trackingtest.TraceColumns)
	if detailColumn {
		hdr = append(hdr, "Detail")
	}
	summary = [][]string{hdr}
	detail = [][]string{{"Date", "Event", "Action", "Detail", "Data", "MessageId", "MessageTraceId", "SenderAddress", "RecipientAddress"}}
	victims := []string{"a@victim1.example", "b@victim2.example", "c@victim1.example"}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }
	for i := range n {
		at := start.Add(time.Duration(i) * time.Minute)
		victim, nobody := victims[i%3], fmt.Sprintf("random%d@contoso.com", i)
		id := fmt.Sprintf("<spam%d@botnet.example>", i)
		orig := []string{ts(at), victim, nobody, "cheap", "Failed", "", "203.0.113.66", "2048", id, fmt.Sprintf("t%d", i)}
		ndr := []string{ts(at.Add(2 * time.Second)), "postmaster@contoso.com", victim, "Undeliverable: cheap", "Delivered", "198.51.100.1", "", "9000",
			fmt.Sprintf("<ndr%d@contoso.com>", i), fmt.Sprintf("n%d", i)}
		if detailColumn {
			orig, ndr = append(orig, reason), append(ndr, "")
		}
		summary = append(summary, orig, ndr)
		detail = append(detail, []string{ts(at.Add(time.Second)), "Fail", "", reason, "<root></root>", id, fmt.Sprintf("t%d", i), victim, nobody})
	}
	return summary, detail
}

// newestFirst reverses the rows under the header, as Get-MessageTraceV2
// lists them: each report before its original.
func newestFirst(rows [][]string) [][]string {
	out := [][]string{rows[0]}
	for i := len(rows) - 1; i > 0; i-- {
		out = append(out, rows[i])
	}
	return out
}

func writeCSV(t *testing.T, path string, rows [][]string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	notFound   = "Reason: [{LED=550 5.1.1 RESOLVER.ADR.RecipNotFound; not found};{MSG=};{FQDN=};{IP=};{LRT=}];. OutboundProxyTargetIP: 10.5.1.1."
	fullBox    = "Reason: [{LED=554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded};{MSG=};{FQDN=};{IP=};{LRT=}];"
	sizeLimit  = "Reason: [{LED=550 5.3.4 ROUTING.SizeLimit; message size exceeds fixed maximum size for route};{MSG=};{FQDN=};{IP=};{LRT=}];"
	ruleReject = "Reason: [{LED=550 5.7.1 TRANSPORT.RULES.RejectMessage; the message was rejected by organization policy};{MSG=};{FQDN=};{IP=};{LRT=}];"
)

// In Exchange Online a report from the tenant is backscatter only when its
// original failed because the recipient does not exist, whichever order
// the report, its original and the failure's detail come in; when the
// export does not say why, the reports are a source of their own, medium
// at most.
func TestExchangeOnlineBackscatter(t *testing.T) {
	type want struct {
		source   string
		severity audit.Severity
		unknown  bool
		reports  int64
	}
	tenant, unknown := "exchange online (generated in the tenant)", "exchange online (generated in the tenant; why the originals failed is not in the export)"
	tests := []struct {
		name   string
		n      int
		reason string
		// files: "summary" (with a Detail column), "bare" (without), "detail"
		files []string
		order func([][]string) [][]string
		want  []want
		below int64
	}{
		{"one mistyped address", 1, notFound, []string{"summary"}, newestFirst, nil, 1},
		{"mailbox full", 30, fullBox, []string{"summary"}, newestFirst, nil, 0},
		{"size limit", 30, sizeLimit, []string{"bare", "detail"}, newestFirst, nil, 0},
		{"transport rule", 30, ruleReject, []string{"detail", "bare"}, newestFirst, nil, 0},
		{"attack, reports first", 30, notFound, []string{"summary"}, newestFirst, []want{{tenant, audit.High, false, 30}}, 0},
		{"attack, originals first", 30, notFound, []string{"summary"}, nil, []want{{tenant, audit.High, false, 30}}, 0},
		{"attack, detail read after", 30, notFound, []string{"bare", "detail"}, newestFirst, []want{{tenant, audit.High, false, 30}}, 0},
		{"attack, detail read first", 30, notFound, []string{"detail", "bare"}, nil, []want{{tenant, audit.High, false, 30}}, 0},
		{"attack, no reason in the export", 30, notFound, []string{"bare"}, newestFirst, []want{{unknown, audit.Medium, true, 30}}, 0},
		{"one bounce, no reason in the export", 1, notFound, []string{"bare"}, nil, nil, 1},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []string
			for _, f := range tt.files {
				summary, detail := exoAttack(tt.n, tt.reason, f == "summary")
				rows := summary
				if f == "detail" {
					rows = detail
				}
				if tt.order != nil {
					rows = tt.order(rows)
				}
				files = append(files, writeCSV(t, filepath.Join(dir, fmt.Sprintf("%d-%s.csv", i, f)), rows))
			}
			tr := analyse(t, mailflow.Config{IsInternal: contoso}, files...)
			var got []want
			for _, b := range tr.Backscatter {
				got = append(got, want{b.Source, b.Severity, b.ReasonUnknown, b.Reports})
				if b.Severity == audit.High && (b.PeakPerHour != 30 || b.DomainsTotal != 2 || b.Domains[0] != (audit.AddressCount{Address: "victim1.example", N: 20})) {
					t.Errorf("source %+v", b)
				}
			}
			if !slices.Equal(got, tt.want) || tr.BackscatterBelow.Reports != tt.below {
				t.Errorf("backscatter %+v, below %+v; want %+v, %d below", got, tr.BackscatterBelow, tt.want, tt.below)
			}
		})
	}
}

// Reports still waiting for their originals are counted when the result
// is taken, without being settled: more rows may come, and a second
// result must not count them twice.
func TestHeldReportsCountOnceInEachResult(t *testing.T) {
	summary, _ := exoAttack(12, "", false)
	path := writeCSV(t, filepath.Join(t.TempDir(), "trace.csv"), newestFirst(summary))
	a := mailflow.New(mailflow.Config{IsInternal: contoso})
	st, err := tracking.Read(t.Context(), []string{path}, tracking.Options{}, func(e *tracking.Event) error {
		a.Add(e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		tr := a.Result(st)
		if len(tr.Backscatter) != 1 || tr.Backscatter[0].Reports != 12 || !tr.Backscatter[0].ReasonUnknown || len(tr.Backscatter[0].Timeline) != 1 {
			t.Fatalf("backscatter %+v", tr.Backscatter)
		}
	}
}
