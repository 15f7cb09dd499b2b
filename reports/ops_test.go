package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
)

// opsReport is testReport with a suppressed finding, suppressions in every
// state and a baseline comparison, the way the engine fills them.
func opsReport() *audit.Report {
	rep := testReport()
	g := &rep.Groups[0]
	sup := audit.Suppression{ObjectID: g.ID, Name: g.Name, Rule: g.Findings[len(g.Findings)-1].Rule,
		Reason: "partner list, reviewed", Owner: "mail-team@corp.example", Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	g.Suppressed = []audit.SuppressedFinding{{Finding: g.Findings[len(g.Findings)-1], By: sup}}
	g.Findings = g.Findings[:len(g.Findings)-1]
	rep.Summary.Suppressed = 1
	rep.Suppressions = []audit.SuppressionResult{
		{Suppression: sup, State: audit.SuppressionActive, Matched: 1},
		{Suppression: audit.Suppression{ObjectID: "gone", Name: "Old list", Rule: "*", Reason: "legacy", Owner: "bob"}, State: audit.SuppressionUnmatched},
		{Suppression: audit.Suppression{ObjectID: g.ID, Rule: "no-owner", Reason: "temp", Owner: "bob", Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, State: audit.SuppressionExpired},
	}
	base := &audit.Baseline{Source: "ldaps://dc1", AuditedAt: time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC),
		Groups:      []audit.BaselineGroup{{ID: rep.Groups[1].ID, Name: "old name", Score: 10, Risk: audit.BandNone, Findings: []audit.FindingRef{{Rule: "no-owner", Severity: audit.Low}}}, {ID: "gone", Name: "Old list", Score: 50, Risk: audit.BandMedium, Findings: []audit.FindingRef{{Rule: "external-members", Severity: audit.Low}}}},
		OrgFindings: []audit.FindingRef{{Rule: "remote-domains-unknown", Severity: audit.Info}},
	}
	rep.Changes = audit.Compare(rep, base)
	return rep
}

func TestOpsGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writer Writer
		rep    *audit.Report
	}{
		{"report-ops.json", JSON{Tool: "dgaudit test"}, opsReport()},
		{"findings.jsonl", JSONL{Tool: "dgaudit test"}, testReport()},
		{"findings-ops.jsonl", JSONL{Tool: "dgaudit test"}, opsReport()},
		{"empty.jsonl", JSONL{}, emptyReport()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := tt.writer.Write(&buf, tt.rep); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, buf.Bytes())
		})
	}
}

func TestJSONLEveryLineStandsAlone(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rep := opsReport()
	if err := (JSONL{}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := 1 + len(rep.OrgFindings) + 1 // the run record, the suppressed one
	for _, g := range rep.Groups {
		want += len(g.Findings)
	}
	if len(lines) != want {
		t.Fatalf("%d lines, want the run record and one per finding (%d)", len(lines), want)
	}
	suppressed := 0
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not a JSON object: %v", i+1, err)
		}
		if m["scope"] == "group" && (m["groupId"] == nil || m["score"] == nil || m["risk"] == nil) {
			t.Errorf("line %d lacks the group's id, score or risk: %s", i+1, l)
		}
		if m["suppressed"] == true {
			suppressed++
		}
	}
	if suppressed != 1 {
		t.Errorf("%d suppressed lines, want 1", suppressed)
	}
}

func TestJSONLWriteErrors(t *testing.T) {
	t.Parallel()
	if err := (JSONL{}).Write(&brokenWriter{limit: 10}, syntheticReport(200, 3, 2)); !errors.Is(err, errBroken) {
		t.Errorf("error = %v, want the writer's", err)
	}
	if err := (JSONL{}).Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("nil report accepted")
	}
}

func TestReadJSONRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rep := testReport()
	if err := (JSON{Tool: "dgaudit test"}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != len(rep.Groups) || got.Tool != "dgaudit test" || !got.AuditedAt.Equal(rep.AuditedAt) {
		t.Fatalf("read %d groups, tool %q, time %v", len(got.Groups), got.Tool, got.AuditedAt)
	}
	g := got.Groups[0]
	want := rep.Groups[0]
	if g.ID != want.ID || g.DN != want.DN || g.Mail != want.Mail || g.Kind != want.Kind || g.Score != want.Score || len(g.Findings) != len(want.Findings) {
		t.Errorf("group 0 read back as %+v", g)
	}
	if g.Settings.RequireSenderAuth != want.Settings.RequireSenderAuth.Setting() || g.Settings.FirstOwner != "mailbox" {
		t.Errorf("settings read back as %+v", g.Settings)
	}
	// A baseline of a report compared with the same report changes nothing.
	ch := audit.Compare(rep, got.Baseline())
	if ch.Counts[audit.ChangeUnchanged] != len(ch.Groups) || ch.Organization != nil {
		t.Errorf("self-comparison: %+v", ch.Counts)
	}
}

// TestReadJSONDirSynced: whether a group is synchronized from on premises
// reaches remediate through the report, and a cloud group's report stays as
// it was (the field is omitted).
func TestReadJSONDirSynced(t *testing.T) {
	t.Parallel()
	for _, synced := range []bool{true, false} {
		t.Run(fmt.Sprint(synced), func(t *testing.T) {
			t.Parallel()
			rep := testReport()
			rep.Groups[0].DirSynced = synced
			var buf bytes.Buffer
			if err := (JSON{Tool: "dgaudit test"}).Write(&buf, rep); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(buf.String(), `"dirSynced": true`); got != map[bool]int{true: 1, false: 0}[synced] {
				t.Errorf("%d groups written with dirSynced true, synced %v", got, synced)
			}
			if strings.Contains(buf.String(), `"dirSynced": false`) {
				t.Error("dirSynced false written; it is omitted when false")
			}
			got, err := ReadJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			for i, g := range got.Groups {
				if want := synced && i == 0; g.DirSynced != want {
					t.Errorf("group %d read back with DirSynced %v, want %v", i, g.DirSynced, want)
				}
			}
		})
	}
}

// TestReadJSONTrafficBaseline: a report with tracking evidence reads back
// as a tracked baseline with each group's evidence points, so that a run
// without logs compares with it on configuration alone.
func TestReadJSONTrafficBaseline(t *testing.T) {
	t.Parallel()
	rep := testReport()
	rep.AttachTraffic(&audit.Traffic{ReturnPathRewrites: []audit.ReturnPathRewrite{{Group: "finance@corp.example.com"}}})
	var buf bytes.Buffer
	if err := (JSON{Tool: "dgaudit test"}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	base := got.Baseline()
	if !base.Tracked {
		t.Error("a report with a traffic section read back as untracked")
	}
	points := map[string]int{}
	for _, g := range base.Groups {
		points[g.Name] = g.ObservedPoints
	}
	if points["Finance Team"] != 15 || points["All Staff"] != 0 {
		t.Errorf("observed points read back as %v, want Finance Team 15", points)
	}
	ch := audit.Compare(testReport(), base)
	if !ch.ConfigurationOnly || ch.Counts[audit.ChangeUnchanged] != len(ch.Groups) {
		t.Errorf("a run without logs against it: configuration only %v, counts %v", ch.ConfigurationOnly, ch.Counts)
	}
}

// TestReadJSONOlderObservedPoints: reports written before addedPoints gave
// only the points evidence is worth. Below the cap they were all added; at
// 100 how much was added is not known, and the baseline says so.
func TestReadJSONOlderObservedPoints(t *testing.T) {
	t.Parallel()
	doc := `{"schemaVersion": 1, "tool": "dgaudit 0.9", "traffic": {"loops": []}, "groups": [
	  {"id": "a", "name": "A", "score": 100, "risk": "critical", "observed": {"loop": true, "points": 100}},
	  {"id": "b", "name": "B", "score": 60, "risk": "medium", "observed": {"points": 15}},
	  {"id": "c", "name": "C", "score": 100, "risk": "critical", "observed": {"points": 100, "addedPoints": 49}}]}`
	got, err := ReadJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	base := got.Baseline()
	if !base.FromReport || !base.Tracked {
		t.Fatalf("from report %v, tracked %v", base.FromReport, base.Tracked)
	}
	type want struct {
		points  int
		unknown bool
	}
	for i, w := range []want{{0, true}, {15, false}, {49, false}} {
		if g := base.Groups[i]; g.ObservedPoints != w.points || g.ObservedUnknown != w.unknown {
			t.Errorf("%s: points %d, unknown %v; want %d, %v", g.Name, g.ObservedPoints, g.ObservedUnknown, w.points, w.unknown)
		}
	}
}

func TestReadJSONRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "", "the file is empty"},
		{"truncated", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [`, "truncated"},
		{"no groups", `{"schemaVersion": 1, "tool": "dgaudit", "source": "x"}`, "it has no groups array"},
		{"syntax", `{"schemaVersion": 1,, }`, "malformed JSON at byte"},
		{"wrong type", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "score": "high"}]}`, "groups[0]: malformed report: field score"},
		{"snapshot", `{"schemaVersion": 1, "source": "demo", "collector": "dgaudit", "groups": []}`, "it is a snapshot"},
		{"no version", `{"tool": "dgaudit", "groups": []}`, "schemaVersion or tool is missing"},
		{"version zero", `{"schemaVersion": 0, "tool": "dgaudit", "groups": []}`, "schemaVersion 0"},
		{"newer version", `{"schemaVersion": 2, "tool": "dgaudit 9.0", "groups": []}`, "report schema version 2 is newer than this dgaudit reads (1; written by \"dgaudit 9.0\")"},
		{"hostile kind", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "kind": "distribution\nRemove-Mailbox ceo -Confirm:$false\n#"}]}`,
			`groups[0] ("x"): kind "distribution\nRemove-Mailbox ceo -Confirm:$false\n#" is not a directory group kind`},
		{"unknown kind", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "kind": "user"}]}`, `groups[0] ("x"): kind "user"`},
		{"hostile band", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "kind": "dynamic", "risk": "high\r\nx"}]}`,
			`groups[0] ("x"): risk: unknown risk band "high\r\nx"`},
		{"hostile rule", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "findings": [{"rule": "ok"}, {"rule": "x\n$(y)", "severity": "low"}]}]}`,
			`groups[0] ("x"): findings[1]: rule "x\n$(y)" is not a rule ID`},
		{"upper-case rule", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "findings": [{"rule": "NDR-Loop", "severity": "low"}]}]}`,
			`findings[0]: rule "NDR-Loop" is not a rule ID`},
		{"empty rule", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "findings": [{"severity": "low"}]}]}`,
			`findings[0]: rule "" is not a rule ID`},
		{"bad severity", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "findings": [{"rule": "r", "severity": "high\n#"}]}]}`,
			`unknown severity "high\n#"`},
		{"numeric severity", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "findings": [{"rule": "r", "severity": 99}]}]}`,
			`groups[0]`},
		{"hostile org rule", `{"schemaVersion": 1, "tool": "dgaudit", "organization": {"findings": [{"rule": "a b", "severity": "info"}]}, "groups": []}`,
			`organization findings[0]: rule "a b" is not a rule ID`},
		{"hostile first owner", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "settings": {"firstOwner": "mailbox\nRemove-Mailbox ceo"}}]}`,
			`groups[0] ("x"): settings.firstOwner "mailbox\nRemove-Mailbox ceo" is not a kind of owner`},
		{"unknown first owner", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"id": "a", "name": "x", "settings": {"firstOwner": "person"}}]}`,
			`settings.firstOwner "person"`},
		{"group without id", `{"schemaVersion": 1, "tool": "dgaudit", "groups": [{"name": "x"}]}`, `groups[0] ("x") has no id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadJSON(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestReadJSONOlderReport reads a report of schema version 1 as the first
// release wrote it, before suppressions and changes existed.
func TestReadJSONOlderReport(t *testing.T) {
	t.Parallel()
	doc := `{"schemaVersion": 1, "tool": "dgaudit 0.1.0", "source": "demo", "auditedAt": "2026-01-01T00:00:00Z",
	  "organization": {"findings": [{"rule": "remote-domains-unknown", "severity": "info"}]},
	  "groups": [{"id": "g1", "name": "A", "mail": "a@x", "kind": "distribution", "score": 90, "risk": "critical",
	    "findings": [{"rule": "ndr-loop-risk", "severity": "critical"}, {"rule": "ndr-loop-risk", "severity": "high"}]}],
	  "rules": []}`
	got, err := ReadJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	b := got.Baseline()
	want := []audit.FindingRef{{Rule: "ndr-loop-risk", Severity: audit.Critical}}
	if diff := cmp.Diff(want, b.Groups[0].Findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(b.OrgFindings) != 1 {
		t.Errorf("org findings %v", b.OrgFindings)
	}
}
