package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// daySpan is a duration flag that also takes whole days in front ("30d",
// "1d12h"): message trace reaches 90 days back, and a range that long is
// not counted in hours. Without a "d" it is a Go duration ("48h", "90m").
type daySpan struct{ d *time.Duration }

const day = 24 * time.Hour

func (v daySpan) String() string {
	if v.d == nil {
		return ""
	}
	if d := *v.d; d > 0 && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return v.d.String()
}

func (v daySpan) Set(s string) error {
	days, rest, hasDays := strings.Cut(s, "d")
	if !hasDays {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("want a duration such as 30d, 72h or 1d12h")
		}
		*v.d = d
		return nil
	}
	n, err := strconv.ParseUint(days, 10, 16)
	if err != nil {
		return fmt.Errorf("want a whole number of days before the d, as in 30d or 1d12h")
	}
	d := time.Duration(n) * day
	if rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil || r < 0 {
			return fmt.Errorf("want a duration such as 30d, 72h or 1d12h")
		}
		d += r
	}
	*v.d = d
	return nil
}

func (daySpan) Type() string { return "duration" }
