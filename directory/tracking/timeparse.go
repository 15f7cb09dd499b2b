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
	// date is the day's text (2024-03-05) as two little-endian words, its
	// first eight bytes and its last two, compared with a row's in two
	// loads.
	date    uint64
	dateEnd uint16
	// midnight is the day's start in Unix seconds: a row's time is built
	// from it with time.Unix, cheaper than time.Time.Add.
	midnight int64
	ok       bool
}

// parse reads a timestamp. The log's own form (2024-03-05T10:11:12.123Z)
// takes a hand-written path because it is parsed for every row of gigabytes
// of logs; exports fall back to csvTimeLayouts.
func (c *dayCache) parse(s string) (time.Time, bool) {
	if len(s) >= 20 && c.ok && le64(s) == c.date && uint16(s[8])|uint16(s[9])<<8 == c.dateEnd {
		if t, ok := parseISOWithin(s, c.midnight); ok {
			return t, true
		}
	}
	if t, ok := parseISO(s); ok {
		c.date, c.dateEnd = le64(s), uint16(s[8])|uint16(s[9])<<8
		c.midnight = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix()
		c.ok = true
		return t, true
	}
	s = strings.TrimSpace(s)
	if _, _, ok := slashParts(s); ok {
		// No layout here reads a date with slashes (slashTime does), and
		// each failed try costs an error's allocation: with every row of
		// an en-US export, a third of the read.
		return time.Time{}, false
	}
	for _, l := range csvTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// le64 returns s's first eight bytes as a little-endian word; s must hold
// them. The compiler makes the shifts one load.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// parseISOWithin parses the time of day of an ISO timestamp whose date
// starts at midnight (Unix seconds).
func parseISOWithin(s string, midnight int64) (time.Time, bool) {
	if len(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	// Digits minus '0' are below 10; any other byte wraps above.
	h1, h2, m1, m2, s1, s2 := s[11]-'0', s[12]-'0', s[14]-'0', s[15]-'0', s[17]-'0', s[18]-'0'
	if h1 > 9 || h2 > 9 || m1 > 9 || m2 > 9 || s1 > 9 || s2 > 9 {
		return time.Time{}, false
	}
	h, mi, sec := int64(h1)*10+int64(h2), int64(m1)*10+int64(m2), int64(s1)*10+int64(s2)
	if h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	var ns int64
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		for i := 1; i < len(rest); i++ {
			c := rest[i] - '0'
			if c > 9 {
				return time.Time{}, false
			}
			ns = ns*10 + int64(c)
		}
		for i := len(rest) - 1; i < 9; i++ {
			ns *= 10
		}
	}
	// time.Unix(...).UTC() is the very value midnight's time.Time plus
	// the time of day would be: no monotonic reading, no location.
	return time.Unix(midnight+h*3600+mi*60+sec, ns).UTC(), true
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
