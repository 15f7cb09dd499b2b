package mailflow

import (
	"testing"
	"time"
)

// A span takes the earliest and latest of the times it sees in any order;
// a zero time (a row without one) moves neither end.
func TestSpan(t *testing.T) {
	t1 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	t2, t3 := t1.Add(time.Hour), t1.Add(2*time.Hour)
	for _, order := range [][]time.Time{
		{t2, t1, t3},
		{{}, t2, t3, {}, t1},
		{t3, t1, t2, {}},
	} {
		var s span
		for _, x := range order {
			s.see(x)
		}
		if !s.first.Equal(t1) || !s.last.Equal(t3) {
			t.Errorf("%v: span %v to %v, want %v to %v", order, s.first, s.last, t1, t3)
		}
	}
	var s span
	s.see(time.Time{})
	if !s.first.IsZero() || !s.last.IsZero() {
		t.Errorf("a zero time made a span: %v", s)
	}
}
