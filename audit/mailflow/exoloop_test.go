package mailflow_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking/trackingtest"
)

// tenantReporter is the address Exchange Online sends its delivery reports
// from.
const tenantReporter = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com"

// exoListLoop is a loop through a list as Get-MessageTraceV2 shows it: a
// post from outside (FromIP its remote server) to partners@contoso.com,
// expanded to two mailboxes and two outside members; the copy to the
// stale one fails at its server (ToIP), the tenant's report goes back to
// the list, which expands it again, rounds times. Its detail rows are the
// failures as Get-MessageTraceDetailV2 lists them (the export the help
// recommends for the reasons), one per Failed summary row.
func exoListLoop(rounds int) (summary []trackingtest.TraceRow, detail [][]string) {
	const list = "partners@contoso.com"
	detail = [][]string{{"PSComputerName", "RunspaceId", "PSShowComputerName", "Organization", "MessageId", "MessageTraceId",
		"Date", "Event", "Action", "Detail", "Data", "SenderAddress", "RecipientAddress", "StartDate", "EndDate"}}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }
	subj, from, fromIP := "Quarterly update", "sender@externalcompany.example", "198.51.100.7"
	for i := range rounds + 1 {
		at := start.Add(time.Duration(i) * 20 * time.Second)
		id, trace := "<orig@externalcompany.example>", "t-orig"
		if i > 0 {
			subj, from, fromIP = "Undeliverable: "+subj, tenantReporter, ""
			id, trace = fmt.Sprintf("<NDR%d@DM6PR01MB0001.namprd01.prod.outlook.com>", i-1), fmt.Sprintf("t-ndr%d", i-1)
		}
		row := func(to, status, toIP string) trackingtest.TraceRow {
			return trackingtest.TraceRow{Received: at, Sender: from, Recipient: to, Subject: subj, Status: status,
				ToIP: toIP, FromIP: fromIP, Size: 12000, MessageID: id, MessageTraceID: trace}
		}
		summary = append(summary, row(list, "Expanded", ""))
		at = at.Add(time.Second)
		summary = append(summary, row("alice@contoso.com", "Delivered", ""), row("bob@contoso.com", "Delivered", ""),
			row("paul@practical365.example", "Delivered", "203.0.113.25"), row("old@defunct.example", "Failed", "192.0.2.99"))
		detail = append(detail, []string{"outlook.office365.com", "r", "False", "contoso.onmicrosoft.com", id, trace, ts(at), "Fail", "", notFound,
			`<root><MEP Name="ReturnPath" String="` + from + `"/></root>`, from, "old@defunct.example", ts(start.Add(-time.Hour)), ts(start.Add(time.Hour))})
	}
	return summary, detail
}

// exoLoopFiles writes exoListLoop's rows as files: "summary" (in time
// order), "newest" (the summary newest first, as Get-MessageTraceV2 lists
// it) and "detail".
func exoLoopFiles(t *testing.T, rounds int, files ...string) []string {
	t.Helper()
	summary, detail := exoListLoop(rounds)
	dir := t.TempDir()
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f+".csv")
		switch f {
		case "summary", "newest":
			rows := slices.Clone(summary)
			if f == "newest" {
				slices.Reverse(rows)
			}
			if err := trackingtest.WriteTraceFile(p, rows); err != nil {
				t.Fatal(err)
			}
		case "detail":
			writeCSV(t, p, detail)
		default:
			t.Fatalf("file %q", f)
		}
		paths = append(paths, p)
	}
	return paths
}

// A Get-MessageTraceDetailV2 export gives the reasons of failures its
// summary export already lists: its rows are the same deliveries, and the
// loop's recipients are those of the summary rows, whichever file is read
// first. Before, each detail Fail row counted its recipient again (40
// recipients became 49, the stale member's 10 became 19).
func TestTraceDetailRowsDoNotCountRecipientsAgain(t *testing.T) {
	tests := []struct {
		name  string
		files []string
	}{
		{"summary", []string{"summary"}},
		{"summary newest first", []string{"newest"}},
		{"summary, then detail", []string{"summary", "detail"}},
		{"newest first, then detail", []string{"newest", "detail"}},
		{"detail, then summary", []string{"detail", "summary"}},
		{"detail, then newest first", []string{"detail", "newest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := analyse(t, mailflow.Config{IsInternal: contoso}, exoLoopFiles(t, 9, tt.files...)...)
			if len(tr.Loops) != 1 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			l := tr.Loops[0]
			want := []audit.AddressCount{{Address: "old@defunct.example", N: 10}, {Address: "paul@practical365.example", N: 10}}
			if l.Expansions != 10 || l.Delivered != 40 || !slices.Equal(l.External, want) {
				t.Errorf("expansions %d, recipients %d, external %v; want 10, 40, %v", l.Expansions, l.Delivered, l.External, want)
			}
		})
	}
}

// Exchange Online names the remote servers of a loop through a group as
// logs do: a message from outside into the group by its FromIP (the
// tenant's own reports, sent from an internal address, by none), and the
// servers the group's copies to outside members went to by their rows'
// ToIP, whichever order the export lists the rows in. Before, the loop
// named no remote server at all.
func TestTraceRemoteServers(t *testing.T) {
	tests := []struct {
		name  string
		cfg   mailflow.Config
		files []string
	}{
		{"time order", mailflow.Config{IsInternal: contoso}, []string{"summary"}},
		{"newest first", mailflow.Config{IsInternal: contoso}, []string{"newest"}},
		{"inferred domains", mailflow.Config{}, []string{"summary"}},
		{"inferred domains, newest first", mailflow.Config{}, []string{"newest"}},
		{"with the detail export", mailflow.Config{IsInternal: contoso}, []string{"newest", "detail"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := analyse(t, tt.cfg, exoLoopFiles(t, 9, tt.files...)...)
			if len(tr.Loops) != 1 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			l := tr.Loops[0]
			in := []audit.AddressCount{{Address: "198.51.100.7", N: 1}}
			out := []audit.AddressCount{{Address: "192.0.2.99", N: 10}, {Address: "203.0.113.25", N: 10}}
			if !slices.Equal(l.InboundServers, in) || l.InboundServersTotal != 1 || !slices.Equal(l.OutboundServers, out) || l.OutboundServersTotal != 2 {
				t.Errorf("inbound %v (%d), outbound %v (%d); want %v, %v", l.InboundServers, l.InboundServersTotal, l.OutboundServers, l.OutboundServersTotal, in, out)
			}
		})
	}
}

// The tenant's reports a loop sends round a group are the loop's traffic,
// not backscatter: a report sent to the group and expanded to its outside
// members is no report to an outside sender, as on premises, where a
// report is counted at its DSN row (whose recipient is the group) and
// never at the SEND rows of the group's copies. Reports to forged outside
// senders in the same exports still are backscatter, whichever order the
// rows come in. Before, the loop's 9 reports to 2 outside members were
// also "backscatter MEDIUM 18".
func TestLoopReportsThroughAGroupAreNoBackscatter(t *testing.T) {
	type want struct {
		source   string
		severity audit.Severity
		reports  int64
	}
	tenant, unknown := "exchange online (generated in the tenant)", "exchange online (generated in the tenant; why the originals failed is not in the export)"
	tests := []struct {
		name  string
		cfg   mailflow.Config
		files []string
		// attack adds exoAttack's 30 reports: "summary" (with the
		// reason), "bare" (without), newest first.
		attack string
		want   []want
	}{
		{"time order", mailflow.Config{IsInternal: contoso}, []string{"summary"}, "", nil},
		{"newest first", mailflow.Config{IsInternal: contoso}, []string{"newest"}, "", nil},
		{"inferred domains, newest first", mailflow.Config{}, []string{"newest"}, "", nil},
		{"summary, then detail", mailflow.Config{IsInternal: contoso}, []string{"summary", "detail"}, "", nil},
		{"detail, then newest first", mailflow.Config{IsInternal: contoso}, []string{"detail", "newest"}, "", nil},
		{"beside an attack", mailflow.Config{IsInternal: contoso}, []string{"newest"}, "summary", []want{{tenant, audit.High, 30}}},
		{"beside an attack, time order", mailflow.Config{IsInternal: contoso}, []string{"summary"}, "summary", []want{{tenant, audit.High, 30}}},
		{"beside an attack without reasons", mailflow.Config{IsInternal: contoso}, []string{"newest"}, "bare", []want{{unknown, audit.Medium, 30}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := exoLoopFiles(t, 9, tt.files...)
			if tt.attack != "" {
				summary, _ := exoAttack(30, notFound, tt.attack == "summary")
				files = append(files, writeCSV(t, filepath.Join(t.TempDir(), "attack.csv"), newestFirst(summary)))
			}
			tr := analyse(t, tt.cfg, files...)
			if len(tr.Loops) != 1 || tr.Loops[0].Delivered != 40 {
				t.Fatalf("loops %+v", tr.Loops)
			}
			var got []want
			for _, b := range tr.Backscatter {
				got = append(got, want{b.Source, b.Severity, b.Reports})
			}
			if !slices.Equal(got, tt.want) || tr.BackscatterBelow.Reports != 0 || tr.BackscatterBelow.Sources != 0 {
				t.Errorf("backscatter %+v, below %+v; want %+v", got, tr.BackscatterBelow, tt.want)
			}
		})
	}
}

// A post of an internal sender that an outside member's list sends back
// into the group, under its own Message-ID, came in from that list's
// server: Exchange Online names it by the returns' FromIP, as a log names
// the returns' RECEIVE. Before, an internal sender named no inbound server
// at all.
func TestTraceReturningPostNamesItsServer(t *testing.T) {
	const list = "partners@contoso.com"
	var rows []trackingtest.TraceRow
	for i := range 10 {
		at := start.Add(time.Duration(i) * 20 * time.Second)
		fromIP := ""
		if i > 0 {
			fromIP = "203.0.113.25" // back from the outside member's server
		}
		row := func(to, status, toIP string) trackingtest.TraceRow {
			return trackingtest.TraceRow{Received: at, Sender: "alice@contoso.com", Recipient: to, Subject: "Quarterly update", Status: status,
				ToIP: toIP, FromIP: fromIP, Size: 12000, MessageID: "<orig@contoso.com>", MessageTraceID: fmt.Sprintf("t%d", i)}
		}
		rows = append(rows, row(list, "Expanded", ""))
		at = at.Add(time.Second)
		rows = append(rows, row("bob@contoso.com", "Delivered", ""), row("paul@practical365.example", "Delivered", "203.0.113.25"))
	}
	p := filepath.Join(t.TempDir(), "trace.csv")
	if err := trackingtest.WriteTraceFile(p, rows); err != nil {
		t.Fatal(err)
	}
	tr := analyse(t, mailflow.Config{IsInternal: contoso}, p)
	if len(tr.Loops) != 1 {
		t.Fatalf("loops %+v", tr.Loops)
	}
	if in := tr.Loops[0].InboundServers; !slices.Equal(in, []audit.AddressCount{{Address: "203.0.113.25", N: 9}}) {
		t.Errorf("inbound servers %v, want 203.0.113.25 for its 9 returns", in)
	}
}

// A loop's reports held in a newest-first export are left out when their
// Expanded row comes, however many ordinary posts are read after them:
// the expansions of reports are kept apart from every message's, which
// the posts pushed out first (12 of a loop's reports were backscatter
// after 70,000 older posts; here 3,000 with a window of 1,024).
func TestLoopReportsStayTheLoopsPastTheWindow(t *testing.T) {
	summary, _ := exoListLoop(9)
	slices.Reverse(summary)
	for i := range 3000 {
		summary = append(summary, trackingtest.TraceRow{Received: start.Add(-time.Hour - time.Duration(i)*time.Second), Sender: "ann@contoso.com",
			Recipient: "all@contoso.com", Subject: "Lunch", Status: "Expanded", Size: 1000,
			MessageID: fmt.Sprintf("<p%d@contoso.com>", i), MessageTraceID: fmt.Sprintf("p%d", i)})
	}
	p := filepath.Join(t.TempDir(), "newest.csv")
	if err := trackingtest.WriteTraceFile(p, summary); err != nil {
		t.Fatal(err)
	}
	tr := analyse(t, mailflow.Config{IsInternal: contoso, Window: 1024}, p)
	if len(tr.Backscatter) != 0 || tr.BackscatterBelow.Reports != 0 {
		t.Errorf("backscatter %+v, below %+v; want the loop's reports left out", tr.Backscatter, tr.BackscatterBelow)
	}
}
