package httpretry

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// maxSeconds is the longest delay-seconds a time.Duration can hold.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// ParseRetryAfter reads a Retry-After value (RFC 9110 section 10.2.3):
// delay-seconds, a whole non-negative number, or an HTTP-date, which is
// measured from now and is 0 when already past. ok is false when v is empty
// or neither form, so that the caller falls back to its own back-off.
//
// A delay too long for a time.Duration is the longest Duration rather than
// an overflow: a server asking for an absurd wait must still be seen asking
// for a long one, which callers cap or refuse, not for a negative one that
// would retry at once.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, ok := delaySeconds(v); ok {
		if secs > maxSeconds {
			return math.MaxInt64, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// delaySeconds parses 1*DIGIT. strconv would also take a sign, and a float
// parser exponents, "Inf" and fractions, none of which the grammar allows;
// past maxSeconds the value only has to stay above it.
func delaySeconds(v string) (int64, bool) {
	var n int64
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= maxSeconds {
			n = n*10 + int64(c-'0')
		}
	}
	return n, true
}
