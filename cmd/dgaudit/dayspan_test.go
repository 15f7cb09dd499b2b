package main

import (
	"testing"
	"time"
)

func TestDaySpan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
		shown   string
	}{
		{"48h", 48 * time.Hour, false, "2d"},
		{"30d", 30 * day, false, "30d"},
		{"1d12h", 36 * time.Hour, false, "36h0m0s"},
		{"90m", 90 * time.Minute, false, "1h30m0s"},
		{"0d", 0, false, "0s"},
		{"-5d", 0, true, ""},
		{"d", 0, true, ""},
		{"5d-1h", 0, true, ""},
		{"5dx", 0, true, ""},
		{"ten", 0, true, ""},
	}
	for _, tt := range tests {
		var d time.Duration
		v := daySpan{&d}
		err := v.Set(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Set(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if d != tt.want || v.String() != tt.shown {
			t.Errorf("Set(%q) = %v shown %q, want %v shown %q", tt.in, d, v.String(), tt.want, tt.shown)
		}
	}
}
