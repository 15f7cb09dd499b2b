package reports

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"dgaudit/audit"
)

// The line formats carry the observed evidence: a SIEM alerting on JSON
// Lines, or a script reading the CSV, sees the live loop the workbook and
// the JSON report put first, one row per incident, most serious kind first.
func TestLineFormatsCarryIncidents(t *testing.T) {
	rep := trafficReport()
	want := []struct{ rule, severity, subject string }{
		{"observed-loop", "critical", "allstaff@corp.example.com"},
		{"observed-return-path-rewrite", "medium", "allstaff@corp.example.com"},
		{"observed-spoofed-sender", "high", "ceo@corp.example.com"},
		{"observed-backscatter", "high", "bot.botnet.example"},
		{"observed-oof-storm", "medium", "bob@corp.example.com"},
	}

	var cb bytes.Buffer
	if err := (CSV{}).Write(&cb, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(cb.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[6], "observed-") {
			got = append(got, r)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("CSV incident rows %v, want %d", got, len(want))
	}
	for i, w := range want {
		r := got[i]
		if r[6] != w.rule || r[7] != w.severity || r[2] != w.subject || r[1] != "(observed)" || !strings.HasPrefix(r[8], "Observed: ") {
			t.Errorf("CSV row %d = %q, want %s %s %s", i, r, w.rule, w.severity, w.subject)
		}
	}
	loop := got[0]
	for _, s := range []string{"messages=43", "peakPerInterval=40", "amplification=168.0", "signals=nested-subject,re-expansion", "stale@gone.example (43)"} {
		if !strings.Contains(loop[10], s) {
			t.Errorf("CSV loop evidence %q lacks %q", loop[10], s)
		}
	}

	// A spoofed sender is whatever the attacker wrote: as the first
	// character of its cell it must not start a formula.
	hostile := trafficReport()
	hostile.Traffic.Spoofing[0].Sender = "=HYPERLINK(\"http://x\",\"ceo\")"
	cb.Reset()
	if err := (CSV{}).Write(&cb, hostile); err != nil {
		t.Fatal(err)
	}
	recs, err = csv.NewReader(bytes.NewReader(cb.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		if r[6] == "observed-spoofed-sender" {
			found = true
			if r[2] != "'"+hostile.Traffic.Spoofing[0].Sender {
				t.Errorf("spoofed sender cell %q, want it neutralized", r[2])
			}
		}
	}
	if !found {
		t.Error("no spoofed-sender row")
	}

	var jb bytes.Buffer
	if err := (JSONL{Tool: "dgaudit test"}).Write(&jb, rep); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	sc := bufio.NewScanner(&jb)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m["scope"] == "traffic" {
			lines = append(lines, m)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("JSONL traffic lines %v, want %d", lines, len(want))
	}
	for i, w := range want {
		l := lines[i]
		if l["rule"] != w.rule || l["severity"] != w.severity || l["subject"] != w.subject || l["kind"] != strings.TrimPrefix(w.rule, "observed-") {
			t.Errorf("JSONL line %d = %v, want %s %s %s", i, l, w.rule, w.severity, w.subject)
		}
	}
	if lines[0]["messages"] != float64(43) || lines[0]["firstSeen"] != "2026-03-05T09:00:00Z" {
		t.Errorf("JSONL loop line %v", lines[0])
	}
}

// Backscatter from many sources each under the threshold, taken together,
// is one incident that names its busiest hosts, in the CSV and JSON Lines
// as in the JSON report.
func TestDistributedBackscatterIncident(t *testing.T) {
	rep := trafficReport()
	b := rep.Traffic.Backscatter[0]
	b.Source, b.Distributed, b.Reports, b.PeakPerHour, b.PeakPer24Hours = audit.DistributedSource, true, 400, 400, 400
	b.Sources, b.SourcesTotal = []audit.AddressCount{{Address: "203.0.113.9", N: 2}, {Address: "bot7.example", N: 2}}, 200
	rep.Traffic.Backscatter = append(rep.Traffic.Backscatter, b)

	var cb bytes.Buffer
	if err := (CSV{}).Write(&cb, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(cb.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var row []string
	for _, r := range recs {
		if r[6] == "observed-backscatter" && r[2] == b.Source {
			row = r
		}
	}
	if row == nil {
		t.Fatal("no distributed backscatter row")
	}
	if row[7] != "high" || row[8] != "Observed: non-delivery reports to outside addresses for unknown recipients, from many sources" ||
		!strings.Contains(row[9], "from 200 sources each under the threshold of one source") || !strings.Contains(row[9], "at most 400 in one hour, 400 within 24 hours") ||
		!strings.Contains(row[10], "servers=203.0.113.9 (2), bot7.example (2) and 198 more") {
		t.Errorf("distributed backscatter row %q", row)
	}

	var jb bytes.Buffer
	if err := (JSON{Tool: "dgaudit test"}).Write(&jb, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Traffic struct {
			Backscatter []struct {
				Source         string
				Distributed    bool
				PeakPer24Hours int64
				Sources        []struct {
					Address string
					N       int64
				}
				SourcesTotal int
			}
		}
	}
	if err := json.Unmarshal(jb.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if bs := doc.Traffic.Backscatter; len(bs) != 2 || bs[0].Distributed || !bs[1].Distributed || bs[1].SourcesTotal != 200 ||
		len(bs[1].Sources) != 2 || bs[1].Sources[1].Address != "bot7.example" || bs[1].PeakPer24Hours != 400 {
		t.Errorf("JSON backscatter %+v", bs)
	}
}

// A cut list says how much it left out, counted from the total rather than
// from what is shown, and says "at least" when the total is a lower bound.
func TestMore(t *testing.T) {
	tests := []struct {
		shown, total int
		capped       bool
		more, count  string
	}{
		{3, 3, false, "", "3"},
		{0, 0, false, "", "0"},
		{20, 280, false, "and 260 more", "280"},
		{20, 2000, true, "and at least 1980 more", "at least 2000"},
		// The cap is below the list's length: a key was dropped, so there
		// were more, however many.
		{3, 3, true, "and more", "at least 3"},
	}
	for _, tc := range tests {
		if got := More(tc.shown, tc.total, tc.capped); got != tc.more {
			t.Errorf("More(%d, %d, %v) = %q, want %q", tc.shown, tc.total, tc.capped, got, tc.more)
		}
		if got := AtLeast(tc.total, tc.capped); got != tc.count {
			t.Errorf("AtLeast(%d, %v) = %q, want %q", tc.total, tc.capped, got, tc.count)
		}
	}
}

// A spoofed sender's row says how many of its messages were the
// organization's own coming back, and says nothing of it when none were. A
// sender whose messages all came back, none of them audit.ReturnFlood
// times to one recipient, is info, titled and told as mail working, and
// counted so in the summaries' evidence; a flood says how many times one
// came back to one recipient.
func TestSpoofedSenderRowSaysWhichMessagesCameBack(t *testing.T) {
	const forged, own = "an internal address arrived from outside", "the organization's own messages came back from outside"
	for _, tc := range []struct {
		name                     string
		messages, returned, most int64
		want                     string
		severity                 audit.Severity
		title                    string
	}{
		{"forged", 7, 0, 0, "", audit.High, forged},
		{"some back", 7, 3, 1, "; 3 of them are the organization's own messages coming back (each has the Message-ID of a message the sender submitted within the week before, under its subject): a remote server is re-sending them",
			audit.High, forged},
		{"all back, few times each", 7, 7, 2,
			"; all of them are the organization's own messages coming back from an outside list or forwarder (each has the Message-ID of a message the sender submitted within the week before, under its subject), each at most 2 times to any one recipient: normal for outside lists with internal members",
			audit.Info, own},
		{"all back, once each", 7, 7, 1, "each at most once to any one recipient: normal for outside lists with internal members", audit.Info, own},
		{"seed 000: one back a hundred times", 100, 100, 100,
			"; all of them are the organization's own messages coming back (each has the Message-ID of a message the sender submitted within the week before, under its subject): a remote server is re-sending them, one of them 100 times to one recipient",
			audit.High, forged},
	} {
		tr := &audit.Traffic{Spoofing: []audit.SpoofedSender{{Sender: "ann@contoso.com", Messages: tc.messages, Returned: tc.returned, MostReturnsOfOne: tc.most, Recipients: 7}},
			SpoofingTotal: 1}
		in := incidents(tr)
		if len(in) != 1 {
			t.Fatalf("%d incidents, want 1", len(in))
		}
		d := in[0].detail
		if tc.want == "" && strings.Contains(d, "coming back") || tc.want != "" && !strings.Contains(d, tc.want) {
			t.Errorf("%s: detail %q, want it to say %q", tc.name, d, tc.want)
		}
		if in[0].severity != tc.severity || !strings.Contains(in[0].title(), tc.title) {
			t.Errorf("%s: %v %q, want %v %q", tc.name, in[0].severity, in[0].title(), tc.severity, tc.title)
		}
		if by := evidenceBySeverity(tr); by[tc.severity] != 1 || len(by) != 1 {
			t.Errorf("%s: evidence by severity %v, want one %v", tc.name, by, tc.severity)
		}
	}
}
