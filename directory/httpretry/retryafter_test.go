package httpretry_test

import (
	"math"
	"testing"
	"time"

	"dgaudit/directory/httpretry"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"absent", "", 0, false},
		{"only blanks", "  ", 0, false},
		{"zero seconds", "0", 0, true},
		{"seconds", "120", 2 * time.Minute, true},
		{"seconds with blanks around", " 7 ", 7 * time.Second, true},
		{"HTTP-date ahead", "Tue, 04 Mar 2025 10:00:30 GMT", 30 * time.Second, true},
		{"HTTP-date in the past waits no time", "Tue, 04 Mar 2025 09:59:00 GMT", 0, true},
		{"obsolete RFC 850 date", "Tuesday, 04-Mar-25 10:01:00 GMT", time.Minute, true},
		{"negative", "-5", 0, false},
		{"signed", "+5", 0, false},
		{"fraction", "1.5", 0, false},
		{"exponent", "1e3", 0, false},
		{"infinity", "Inf", 0, false},
		{"words", "soon", 0, false},
		{"longer than a Duration holds", "99999999999999999999999", math.MaxInt64, true},
		{"just past the Duration limit", "9223372037", math.MaxInt64, true},
		{"at the Duration limit", "9223372036", 9223372036 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := httpretry.ParseRetryAfter(tt.value, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
