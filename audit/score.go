package audit

import "fmt"

// Band is a group's risk band, derived from its score.
type Band string

// Risk bands, lowest first.
const (
	BandNone     Band = "none"
	BandLow      Band = "low"
	BandMedium   Band = "medium"
	BandHigh     Band = "high"
	BandCritical Band = "critical"
)

// Bands lists the bands from highest to lowest, the order reports use.
var Bands = []Band{BandCritical, BandHigh, BandMedium, BandLow, BandNone}

// The scoring model, in one place (docs/scoring.md explains it to users).
//
// A group's score starts from the points of its most severe finding, so that
// the band a group lands in is the severity of its worst problem. Every other
// finding of low severity or above adds otherFindingPoints, up to
// maxOtherFindingPoints, so a group with several problems ranks above one with
// a single problem of the same severity. Rules that modify risk (blast radius,
// say) carry an Adjust that is added last. The result is clamped to 0..100.
var severityPoints = map[Severity]int{
	Info:     5,
	Low:      20,
	Medium:   45,
	High:     70,
	Critical: 90,
}

const (
	otherFindingPoints    = 2
	maxOtherFindingPoints = 10
)

// bandFloors maps the lowest score of each band, highest band first.
var bandFloors = []struct {
	band  Band
	floor int
}{
	{BandCritical, 85},
	{BandHigh, 65},
	{BandMedium, 40},
	{BandLow, 15},
	{BandNone, 0},
}

// Score computes a group's 0-100 score from its findings.
func Score(findings []Finding) int {
	if len(findings) == 0 {
		return 0
	}
	worst := findings[0].Severity
	for _, f := range findings[1:] {
		worst = max(worst, f.Severity)
	}
	score := severityPoints[worst]
	others, skippedWorst := 0, false
	for _, f := range findings {
		score += f.Adjust
		if f.Severity == worst && !skippedWorst {
			skippedWorst = true
			continue
		}
		if f.Severity >= Low {
			others += otherFindingPoints
		}
	}
	score += min(others, maxOtherFindingPoints)
	return max(0, min(100, score))
}

// BandOf maps a score to its band.
func BandOf(score int) Band {
	for _, b := range bandFloors {
		if score >= b.floor {
			return b.band
		}
	}
	return BandNone
}

// ParseBand reads a band name.
func ParseBand(s string) (Band, error) {
	for _, b := range Bands {
		if string(b) == s {
			return b, nil
		}
	}
	return "", fmt.Errorf("unknown risk band %q (want critical, high, medium, low or none)", s)
}

// Rank orders bands: none 0 ... critical 4.
func (b Band) Rank() int {
	for i, x := range Bands {
		if x == b {
			return len(Bands) - 1 - i
		}
	}
	return 0
}

// ScoringTable describes the model for documentation.
func ScoringTable() (points map[Severity]int, floors map[Band]int, other, maxOther int) {
	floors = make(map[Band]int, len(bandFloors))
	for _, b := range bandFloors {
		floors[b.band] = b.floor
	}
	points = make(map[Severity]int, len(severityPoints))
	for k, v := range severityPoints {
		points[k] = v
	}
	return points, floors, otherFindingPoints, maxOtherFindingPoints
}
