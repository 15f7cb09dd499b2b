package tracking

import (
	"strings"
	"time"
)

// csvTimeLayouts are the other timestamp shapes exports carry: PowerShell
// formats DateTime with the current culture, so an en-US export reads
// "6/10/2025 12:34:56 PM". Month-first is tried before day-first, which is
// the en-US culture Exchange's shells usually run under; an ISO timestamp
// is never ambiguous.
var csvTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.9999999",
	"2006-01-02 15:04:05.9999999Z07:00",
	"2006-01-02 15:04:05.9999999",
	"2.1.2006 15:04:05",
	"2.1.2006 15:04",
	// Year first (ja-JP, zh-CN) is never ambiguous.
	"2006/1/2 15:04:05",
	"2006/1/2 15:04",
}

// dayCache remembers the last day parsed: a log's rows come in time order,
// so almost every row shares its date with the previous one, and
// time.Date's calendar arithmetic is then done once per day, not per row.
type dayCache struct {
	date     [10]byte
	midnight time.Time
	ok       bool
}

// parse reads a timestamp. The log's own form (2024-03-05T10:11:12.123Z)
// takes a hand-written path because it is parsed for every row of gigabytes
// of logs; exports fall back to csvTimeLayouts.
func (c *dayCache) parse(s string) (time.Time, bool) {
	if len(s) >= 20 && c.ok && s[:10] == string(c.date[:]) {
		if t, ok := parseISOWithin(s, c.midnight); ok {
			return t, true
		}
	}
	if t, ok := parseISO(s); ok {
		copy(c.date[:], s[:10])
		c.midnight = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		c.ok = true
		return t, true
	}
	s = strings.TrimSpace(s)
	for _, l := range csvTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseISOWithin parses the time of day of an ISO timestamp whose date is
// midnight's.
func parseISOWithin(s string, midnight time.Time) (time.Time, bool) {
	if s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	d := func(i int) (int, bool) {
		a, b := s[i], s[i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return 0, false
		}
		return int(a-'0')*10 + int(b-'0'), true
	}
	h, ok1 := d(11)
	mi, ok2 := d(14)
	sec, ok3 := d(17)
	if !(ok1 && ok2 && ok3) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		for i := 1; i < len(rest); i++ {
			c := rest[i]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			ns = ns*10 + int(c-'0')
		}
		for i := len(rest) - 1; i < 9; i++ {
			ns *= 10
		}
	}
	return midnight.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second + time.Duration(ns)), true
}

func parseISO(s string) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	h, ok4 := num(11, 13)
	mi, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	ns := 0
	rest := s[19 : len(s)-1]
	if rest != "" {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		f, ok := num(20, 19+len(rest))
		if !ok {
			return time.Time{}, false
		}
		for i := len(rest) - 1; i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31 February and the like
	}
	return t, true
}
