package tracking

import (
	"time"
)

// summerTimeEnds reports whether local times without an offset going back
// from latest to t are the hour a clock repeats when summer time ends:
// within one clock hour in the small hours (01:59 back to 01:00 in London
// and New York, 02:59 to 02:00 in Berlin and Sydney) of a night it ends
// (fallBackDay). An export of several servers that each cover less than
// that hour of that night is read in file order.
func summerTimeEnds(latest, t time.Time) bool {
	return latest.Sub(t) <= time.Hour && latest.YearDay() == t.YearDay() && latest.Hour() == t.Hour() && t.Hour() <= 3 && fallBackDay(t)
}

// fallBackDay reports whether summer time ends on t's day somewhere it is
// kept: the last Sunday of October (the European Union, the United
// Kingdom, Israel), the first Sunday of November (the United States,
// Canada) or the first Sunday of April (Australia, New Zealand). Chile's
// clocks go back at midnight on a Saturday, and are not followed.
func fallBackDay(t time.Time) bool {
	if t.Weekday() != time.Sunday {
		return false
	}
	switch d := t.Day(); t.Month() {
	case time.October:
		return d > 31-7
	case time.November, time.April:
		return d <= 7
	}
	return false
}
