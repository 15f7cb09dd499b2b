package audit

import (
	"cmp"
	"slices"
	"time"
)

// Suppression accepts the risk of one rule (or every rule, "*") on one group.
// A suppressed finding leaves the score, the band and the exit code but stays
// in the report, so accepted risk remains visible.
type Suppression struct {
	// ObjectID is the group's stable object ID.
	ObjectID string
	// Name is the group's name as the author wrote it, for humans: matching
	// is by ObjectID only, so a rename does not lift the suppression.
	Name string
	// Rule is a rule ID, or "*" for every rule.
	Rule   string
	Reason string
	Owner  string
	// Expires is the first day on which the suppression no longer applies
	// (UTC midnight). The zero time never expires.
	Expires time.Time
	// Line is where the entry sits in its file, for messages; 0 when unknown.
	Line int
}

// LastDay is the last day the suppression applies, as its author wrote it
// (Expires is the day after); the zero time for one that never expires.
func (s Suppression) LastDay() time.Time {
	if s.Expires.IsZero() {
		return time.Time{}
	}
	return s.Expires.AddDate(0, 0, -1)
}

// AnyRule in Suppression.Rule matches every rule.
const AnyRule = "*"

// SuppressionState says what became of a suppression in a run.
type SuppressionState string

// Suppression states.
const (
	// SuppressionActive matched at least one finding.
	SuppressionActive SuppressionState = "active"
	// SuppressionExpired is past its expiry date and suppressed nothing.
	SuppressionExpired SuppressionState = "expired"
	// SuppressionUnmatched is in force but matched no finding: the group is
	// gone or fixed, or the rule no longer fires, so the entry can go.
	SuppressionUnmatched SuppressionState = "unmatched"
)

// SuppressionResult is one suppression and what it did.
type SuppressionResult struct {
	Suppression
	State SuppressionState
	// Matched counts the findings it suppressed.
	Matched int
}

// SuppressedFinding is a finding taken out of the score by a suppression.
type SuppressedFinding struct {
	Finding
	// By is the suppression that matched.
	By Suppression
}

// expired reports whether s no longer applies at now.
func (s Suppression) expired(now time.Time) bool {
	return !s.Expires.IsZero() && !now.Before(s.Expires)
}

// suppressor matches findings against the suppressions in force.
type suppressor struct {
	byObject map[string][]int
	results  []SuppressionResult
}

func newSuppressor(list []Suppression, now time.Time) *suppressor {
	if len(list) == 0 {
		return nil
	}
	s := &suppressor{byObject: map[string][]int{}, results: make([]SuppressionResult, len(list))}
	for i, sup := range list {
		s.results[i] = SuppressionResult{Suppression: sup, State: SuppressionUnmatched}
		if sup.expired(now) {
			s.results[i].State = SuppressionExpired
			continue
		}
		s.byObject[sup.ObjectID] = append(s.byObject[sup.ObjectID], i)
	}
	return s
}

// split removes the suppressed findings from fs and returns them. The first
// matching entry wins, so an entry for the rule is credited before a "*".
func (s *suppressor) split(objectID string, fs []Finding) (kept []Finding, suppressed []SuppressedFinding) {
	if s == nil {
		return fs, nil
	}
	idx := s.byObject[objectID]
	if len(idx) == 0 {
		return fs, nil
	}
	// Entries naming the rule come before wildcards, whatever the file order.
	idx = slices.Clone(idx)
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(boolRank(s.results[a].Rule == AnyRule), boolRank(s.results[b].Rule == AnyRule))
	})
	kept = fs[:0:0]
	for _, f := range fs {
		hit := -1
		for _, i := range idx {
			if r := s.results[i].Rule; r == f.Rule || r == AnyRule {
				hit = i
				break
			}
		}
		if hit < 0 {
			kept = append(kept, f)
			continue
		}
		s.results[hit].Matched++
		s.results[hit].State = SuppressionActive
		suppressed = append(suppressed, SuppressedFinding{Finding: f, By: s.results[hit].Suppression})
	}
	return kept, suppressed
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
