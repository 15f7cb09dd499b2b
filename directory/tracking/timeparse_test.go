package tracking

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	var c dayCache
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-03-05T10:11:12.123Z", time.Date(2026, 3, 5, 10, 11, 12, 123e6, time.UTC), true},
		// Same day: served from the cache.
		{"2026-03-05T23:59:59.9999999Z", time.Date(2026, 3, 5, 23, 59, 59, 999999900, time.UTC), true},
		{"2026-03-05T00:00:00Z", time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), true},
		{"2026-03-05T24:00:00Z", time.Time{}, false},
		{"2026-03-05T10:1x:12Z", time.Time{}, false},
		{"2026-03-06T01:02:03.5Z", time.Date(2026, 3, 6, 1, 2, 3, 5e8, time.UTC), true},
		{"2026-02-30T01:02:03Z", time.Time{}, false},
		// Dates with slashes depend on the file's order: dateorder_test.go.
		{"3/6/2026 1:02:03 PM", time.Time{}, false},
		{"06.03.2026 13:02:03", time.Date(2026, 3, 6, 13, 2, 3, 0, time.UTC), true},
		{"2026-03-06T01:02:03.0000000", time.Date(2026, 3, 6, 1, 2, 3, 0, time.UTC), true},
		{"", time.Time{}, false},
	} {
		got, ok := c.parse(tc.in)
		// ==, not Equal: the cached day's times must be the very values
		// time.Date makes (no location, no monotonic reading).
		if ok != tc.ok || got != tc.want {
			t.Errorf("parse(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// BenchmarkParseTime is the per-row cost of a log's timestamps, the day
// already cached.
func BenchmarkParseTime(b *testing.B) {
	var c dayCache
	ts := []string{"2026-03-01T00:00:00.055Z", "2026-03-01T00:00:00.114Z", "2026-03-01T10:22:33.216Z", "2026-03-01T23:59:59.999Z"}
	var n int64
	for b.Loop() {
		for _, s := range ts {
			t, _ := c.parse(s)
			n += t.UnixNano()
		}
	}
	if n == 0 {
		b.Fatal(n)
	}
}
