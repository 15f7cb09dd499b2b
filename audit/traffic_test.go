package audit

import (
	"slices"
	"testing"
)

func TestAttachTrafficPutsLiveLoopsFirst(t *testing.T) {
	rep := &Report{
		Summary: Summary{ByBand: map[Band]int{}},
		Groups: []GroupResult{
			{ID: "a", Mail: "a@corp.example", Score: 90, Risk: BandCritical},
			{ID: "b", Mail: "b@corp.example", Score: 45, Risk: BandMedium},
			{ID: "c", Mail: "C@corp.example", Score: 10, Risk: BandNone},
			{ID: "d", Mail: "d@corp.example", Score: 0, Risk: BandNone},
		},
	}
	rep.AttachTraffic(&Traffic{
		// c's loop is busier than d's, and comes first in the traffic.
		Loops: []Loop{
			{Group: "c@corp.example", Expansions: 500, Signals: []string{"re-expansion"}},
			{Group: "x@corp.example", GroupID: "d", Expansions: 20, Signals: []string{"nested-subject"}},
		},
		ReturnPathRewrites: []ReturnPathRewrite{{Group: "b@corp.example"}, {Group: "c@corp.example"}},
	})
	var order []string
	for _, g := range rep.Groups {
		order = append(order, g.ID)
	}
	if !slices.Equal(order, []string{"c", "d", "a", "b"}) {
		t.Fatalf("order %v", order)
	}
	c, d, b := rep.Groups[0], rep.Groups[1], rep.Groups[3]
	if c.Score != 100 || c.Risk != BandCritical || !c.Observed.Loop || c.Observed.Messages != 500 || c.Observed.Points != loopPoints || c.Observed.Added != 90 ||
		!slices.Equal(c.Observed.Signals, []string{"re-expansion", "return-path-rewrite"}) {
		t.Errorf("c: %+v %+v", c, c.Observed)
	}
	if d.Score != 100 || !d.Observed.Loop {
		t.Errorf("d matched by ID: %+v", d)
	}
	if b.Score != 60 || b.Risk != BandMedium || b.Observed.Loop || b.Observed.Points != rewritePoints || b.Observed.Added != rewritePoints {
		t.Errorf("b: %+v %+v", b, b.Observed)
	}
	if rep.Groups[2].Observed != nil {
		t.Error("a has no evidence")
	}
	if rep.Summary.ByBand[BandCritical] != 3 || rep.Summary.ByBand[BandMedium] != 1 || rep.Summary.ByBand[BandNone] != 0 {
		t.Errorf("bands %v", rep.Summary.ByBand)
	}
	if rep.Traffic == nil {
		t.Error("traffic not attached")
	}
	// A second attach changes nothing.
	rep.AttachTraffic(&Traffic{Loops: []Loop{{Group: "a@corp.example", Expansions: 1}}})
	if rep.Groups[0].Observed.Messages != 500 || rep.Groups[0].Observed.Added != 90 || rep.Groups[2].Observed != nil {
		t.Errorf("attached twice: %+v, %+v", rep.Groups[0].Observed, rep.Groups[2])
	}
}

func TestTrafficWorst(t *testing.T) {
	tests := []struct {
		name  string
		t     Traffic
		want  Severity
		found bool
	}{
		{"nothing", Traffic{}, Info, false},
		{"storm", Traffic{OOFStorms: []OOFStorm{{}}}, SeverityOOFStorm, true},
		{"rewrite and high backscatter", Traffic{ReturnPathRewrites: []ReturnPathRewrite{{}}, Backscatter: []BackscatterSource{{Severity: Medium}, {Severity: High}}}, High, true},
		{"medium backscatter", Traffic{Backscatter: []BackscatterSource{{Severity: Medium}}}, Medium, true},
		// Reports below the threshold are no evidence.
		{"backscatter below the threshold", Traffic{BackscatterBelow: BackscatterBelow{Threshold: 10, Sources: 1, Reports: 1}}, Info, false},
		{"critical loop over spoofing", Traffic{Spoofing: []SpoofedSender{{}}, Loops: []Loop{{Severity: Medium}, {Severity: Critical}}}, Critical, true},
		{"medium loop under spoofing", Traffic{Spoofing: []SpoofedSender{{}}, Loops: []Loop{{Severity: Medium}}}, SeveritySpoofing, true},
		// The organization's own post coming back from an outside list
		// is listed, but is not an incident.
		{"own messages back", Traffic{Spoofing: []SpoofedSender{{Messages: 3, Returned: 3, MostReturnsOfOne: 2}}}, Info, true},
		{"own messages back beside a forgery", Traffic{Spoofing: []SpoofedSender{{Messages: 3, Returned: 3, MostReturnsOfOne: 2}, {Messages: 1}}}, High, true},
		{"a flood of one message", Traffic{Spoofing: []SpoofedSender{{Messages: 100, Returned: 100, MostReturnsOfOne: 100}}}, High, true},
		{"storm over own messages back", Traffic{Spoofing: []SpoofedSender{{Messages: 1, Returned: 1, MostReturnsOfOne: 1}}, OOFStorms: []OOFStorm{{}}}, SeverityOOFStorm, true},
	}
	for _, tt := range tests {
		got, found := tt.t.Worst()
		if found != tt.found || found && got != tt.want {
			t.Errorf("%s: %v, %v; want %v, %v", tt.name, got, found, tt.want, tt.found)
		}
	}
}

// A spoofed sender is high unless every one of its messages was the
// organization's own coming back, none of them ReturnFlood times or more
// (nor ReturnRepeat times among ReturnMany returns), and each was counted.
func TestSpoofedSenderSeverity(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    SpoofedSender
		want Severity
	}{
		{"forged", SpoofedSender{Messages: 4}, High},
		{"nothing counted", SpoofedSender{}, High},
		{"a post back once", SpoofedSender{Messages: 1, Returned: 1, MostReturnsOfOne: 1}, Info},
		{"posts back under the flood", SpoofedSender{Messages: 30, Returned: 30, MostReturnsOfOne: ReturnFlood - 1}, Info},
		{"a post back at the flood", SpoofedSender{Messages: ReturnFlood, Returned: ReturnFlood, MostReturnsOfOne: ReturnFlood}, High},
		{"a post back and a forgery", SpoofedSender{Messages: 2, Returned: 1, MostReturnsOfOne: 1}, High},
		{"returns not all counted", SpoofedSender{Messages: 2, Returned: 2, MostReturnsOfOne: 1, MostReturnsCapped: true}, High},
		{"returns not counted by message", SpoofedSender{Messages: 2, Returned: 2}, High},
		// A repeated return among many is a flood under ReturnFlood: a
		// server re-sending each of many messages a few times, or one
		// message to recipients in turn.
		{"repeated, many returns", SpoofedSender{Messages: ReturnMany, Returned: ReturnMany, MostReturnsOfOne: ReturnRepeat}, High},
		{"repeated, fewer returns", SpoofedSender{Messages: ReturnMany - 1, Returned: ReturnMany - 1, MostReturnsOfOne: ReturnRepeat}, Info},
		{"many returns, none repeated enough", SpoofedSender{Messages: 350, Returned: 350, MostReturnsOfOne: ReturnRepeat - 1}, Info},
	} {
		if got := tt.s.Severity(); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
