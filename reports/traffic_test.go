package reports

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/audit"
)

// trafficReport is testReport with evidence from tracking logs attached: a
// loop through All Staff, a rewritten return path, a spoofed sender, a
// backscatter source and an out-of-office storm, one of each, with a hostile
// value to neutralize.
func trafficReport() *audit.Report {
	rep := testReport()
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	tl := []audit.Count{{At: at, N: 3}, {At: at.Add(2 * time.Hour), N: 40}}
	rep.AttachTraffic(&audit.Traffic{
		Input: audit.TrafficInput{
			Files: []audit.TrafficFile{{Path: "MSGTRK20260305-1.LOG", Format: "msgtrk-log", Lines: 900, Events: 890, Malformed: 1, MalformedLines: 1}},
			Bytes: 123456, Lines: 900, Events: 890, Malformed: 1, MalformedLines: 1,
			MalformedSamples: []audit.MalformedLine{{File: "MSGTRK20260305-1.LOG", Line: 17, Lines: 1, Reason: "29 values, the header has 30"}},
		},
		Start: at, End: at.Add(3 * time.Hour), Interval: time.Hour,
		Loops: []audit.Loop{{
			Group: "allstaff@corp.example.com", Severity: audit.Critical, Signals: []string{"nested-subject", "re-expansion"},
			FirstSeen: at, LastSeen: at.Add(2 * time.Hour), Expansions: 43, Delivered: 172, Bounces: 42, LoopingMessages: 1, MaxRounds: 42, MaxDepth: 6,
			Amplification: 168, PerHour: 21, PeakPerInterval: 40, PeakAt: at.Add(2 * time.Hour), Timeline: tl,
			External: []audit.AddressCount{{Address: "stale@gone.example", N: 43}, {Address: "=cmd|' /C calc'!A0", N: 1}}, ExternalTotal: 3,
			InboundServers: []audit.AddressCount{{Address: "mx.gone.example", N: 21}}, InboundServersTotal: 1,
			// The server aggregate hit its cap: its count is a lower bound.
			OutboundServers: []audit.AddressCount{{Address: "mx.gone.example", N: 43}}, OutboundServersTotal: 2000, OutboundServersCapped: true,
		}},
		ReturnPathRewrites: []audit.ReturnPathRewrite{{Group: "allstaff@corp.example.com", Events: 86, FirstSeen: at, LastSeen: at.Add(2 * time.Hour),
			Senders: []audit.AddressCount{{Address: "sender@external.example", N: 86}}, SendersTotal: 4}},
		// The busiest of three spoofed senders, listed alone.
		Spoofing: []audit.SpoofedSender{{Sender: "ceo@corp.example.com", Messages: 120, Recipients: 240, FirstSeen: at, LastSeen: at.Add(time.Hour),
			Clients: []audit.AddressCount{{Address: "mail.partner-org.example", N: 120}}, ClientsTotal: 1, Subjects: []string{"Invoice"}, SubjectsTotal: 1}},
		SpoofingTotal: 3, SpoofedMessages: 125,
		// 90 reports went to 40 domains; the list shows the busiest.
		Backscatter: []audit.BackscatterSource{{Source: "bot.botnet.example", Severity: audit.High, Reports: 90, PeakPerHour: 60, PeakPer24Hours: 90, FirstSeen: at, LastSeen: at.Add(time.Hour),
			Domains: []audit.AddressCount{{Address: "victim.example", N: 51}}, DomainsTotal: 40, Timeline: tl}},
		BackscatterBelow: audit.BackscatterBelow{Threshold: 10, Sources: 2, Reports: 3},
		OOFStorms:        []audit.OOFStorm{{Internal: "bob@corp.example.com", External: "helpdesk@vendor.example", Out: 10, In: 10, FirstSeen: at, LastSeen: at.Add(time.Hour)}},
	})
	return rep
}

func TestTrafficGolden(t *testing.T) {
	rep := trafficReport()
	var buf bytes.Buffer
	if err := (JSON{Tool: "dgaudit test"}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if path := findNull(decode(t, buf.Bytes()), "$"); path != "" {
		t.Errorf("%s is null", path)
	}
	checkGolden(t, "traffic.json", buf.Bytes())
	var doc struct {
		Traffic struct {
			Loops []struct {
				Group    string
				Timeline []struct{ N int64 }
			}
		}
		Groups []struct {
			Mail     string
			Risk     string
			Observed *struct{ Loop bool }
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Traffic.Loops) != 1 || len(doc.Traffic.Loops[0].Timeline) != 2 {
		t.Errorf("traffic section %+v", doc.Traffic)
	}
	if g := doc.Groups[0]; g.Mail != "allstaff@corp.example.com" || g.Observed == nil || !g.Observed.Loop || g.Risk != "critical" {
		t.Errorf("first group %+v", g)
	}

	f, raw := writeXLSX(t, rep)
	sheets := f.GetSheetList()
	for _, want := range []string{"Incidents", "Timeline"} {
		if !slices.Contains(sheets, want) {
			t.Fatalf("sheet %s missing from %v", want, sheets)
		}
	}
	for _, sheet := range []string{"Incidents", "Timeline", "Groups"} {
		checkGolden(t, "xlsx-traffic-"+fileName(sheet)+".tsv", []byte(tsv(rows(t, f, sheet))))
	}
	// The Timeline fills the empty interval between 09:00 and 11:00.
	tl := rows(t, f, "Timeline")
	if len(tl) != 4 || tl[2][1] != "0" {
		t.Errorf("timeline rows %v", tl)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	charts, perHour := 0, false
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			charts++
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			xml, _ := io.ReadAll(rc)
			rc.Close()
			perHour = perHour || bytes.Contains(xml, []byte("Messages per hour, top loops"))
		}
	}
	if !perHour {
		t.Error(`no chart titled "Messages per hour, top loops"`)
	}
	if charts != 2 {
		t.Errorf("%d charts, want the Summary's and the Timeline's", charts)
	}
	// The Summary counts what the logs showed beside the groups' findings,
	// as the Incidents sheet lists it and the JSON summary's evidence.
	sum := tsv(rows(t, f, "Summary"))
	for _, want := range []string{"Observed incidents\t5\n", "Observed incidents by severity (the Incidents sheet)\nSeverity\tIncidents\ncritical\t1\nhigh\t2\nmedium\t2\nlow\t0\ninfo\t0\n"} {
		if !strings.Contains(sum, want) {
			t.Errorf("Summary sheet lacks %q:\n%s", want, sum)
		}
	}
	if n := strings.Count(tsv(rows(t, f, "Incidents")), "\n") - 1; n != 5 {
		t.Errorf("Incidents sheet has %d rows, the Summary counts 5", n)
	}
	inc := tsv(rows(t, f, "Incidents"))
	if strings.Contains(inc, "\t=cmd") {
		t.Error("hostile address not neutralized")
	}
}
