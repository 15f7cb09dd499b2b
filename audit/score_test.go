package audit

import "testing"

func TestScoreAndBand(t *testing.T) {
	t.Parallel()
	f := func(s Severity, adjust int) Finding { return Finding{Severity: s, Adjust: adjust} }
	tests := []struct {
		name     string
		findings []Finding
		score    int
		band     Band
	}{
		{"no findings", nil, 0, BandNone},
		{"info only", []Finding{f(Info, 0), f(Info, 0)}, 5, BandNone},
		{"one low", []Finding{f(Low, 0)}, 20, BandLow},
		{"one medium", []Finding{f(Medium, 0)}, 45, BandMedium},
		{"one high", []Finding{f(High, 0)}, 70, BandHigh},
		{"one critical", []Finding{f(Critical, 0)}, 90, BandCritical},
		{"medium plus two lows", []Finding{f(Low, 0), f(Medium, 0), f(Low, 0)}, 49, BandMedium},
		{"others capped at ten", []Finding{f(High, 0), f(Low, 0), f(Low, 0), f(Low, 0), f(Low, 0), f(Low, 0), f(Low, 0), f(Low, 0)}, 80, BandHigh},
		{"two of the worst severity", []Finding{f(High, 0), f(High, 0)}, 72, BandHigh},
		{"adjust raises", []Finding{f(Medium, 0), f(Low, 5)}, 52, BandMedium},
		{"adjust can cross a band", []Finding{f(High, 0), f(Medium, 5), f(Low, 5), f(Low, 0)}, 86, BandCritical},
		{"clamped at 100", []Finding{f(Critical, 0), f(Critical, 0), f(High, 0), f(High, 0), f(Medium, 5), f(Low, 5), f(Low, 0)}, 100, BandCritical},
		{"clamped at 0", []Finding{f(Info, -20)}, 0, BandNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Score(tc.findings)
			if got != tc.score || BandOf(got) != tc.band {
				t.Errorf("Score = %d (%s), want %d (%s)", got, BandOf(got), tc.score, tc.band)
			}
		})
	}
}

func TestBandFloors(t *testing.T) {
	t.Parallel()
	for score, want := range map[int]Band{0: BandNone, 14: BandNone, 15: BandLow, 39: BandLow, 40: BandMedium, 64: BandMedium, 65: BandHigh, 84: BandHigh, 85: BandCritical, 100: BandCritical} {
		if got := BandOf(score); got != want {
			t.Errorf("BandOf(%d) = %s, want %s", score, got, want)
		}
	}
	// Each severity alone lands in the band of the same name.
	for sev, band := range map[Severity]Band{Low: BandLow, Medium: BandMedium, High: BandHigh, Critical: BandCritical} {
		if got := BandOf(Score([]Finding{{Severity: sev}})); got != band {
			t.Errorf("a single %s finding lands in %s, want %s", sev, got, band)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"info", "LOW", " medium ", "High", "critical"} {
		if _, err := ParseSeverity(name); err != nil {
			t.Errorf("ParseSeverity(%q): %v", name, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity(severe) succeeded")
	}
}
