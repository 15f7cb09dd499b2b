package tracking

import (
	"strings"
	"time"
)

// parseSlashed reads the dates with slashes PowerShell's cultures write,
// d/m/yyyy or m/d/yyyy then h:mm, h:mm:ss or h:mm:ss.fraction, with AM or
// PM (either case) or on the 24-hour clock, as time.Parse reads them with
// the layouts slashTime falls back on: an export's every row has one, and
// time.Parse costs several times the rest of the row. ok is false for any
// other shape, which the layouts then decide.
func parseSlashed(s string, dayFirst bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	a, s, ok1 := digits(s, 1, 2)
	s, ok2 := cut(s, '/')
	b, s, ok3 := digits(s, 1, 2)
	s, ok4 := cut(s, '/')
	year, s, ok5 := digits(s, 4, 4)
	rest := strings.TrimLeft(s, " ")
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || len(rest) == len(s) {
		return time.Time{}, false
	}
	hour, s, ok1 := digits(rest, 1, 2)
	s, ok2 = cut(s, ':')
	minute, s, ok3 := digits(s, 2, 2)
	if !(ok1 && ok2 && ok3) {
		return time.Time{}, false
	}
	sec, nsec := 0, 0
	if len(s) > 0 && s[0] == ':' {
		var ok bool
		if sec, s, ok = digits(s[1:], 2, 2); !ok {
			return time.Time{}, false
		}
		if len(s) > 0 && (s[0] == '.' || s[0] == ',') {
			frac, after, ok := digits(s[1:], 1, 9)
			if !ok {
				return time.Time{}, false
			}
			for n := len(s) - 1 - len(after); n < 9; n++ {
				frac *= 10
			}
			nsec, s = frac, after
		}
	}
	if trimmed := strings.TrimLeft(s, " "); len(trimmed) < len(s) && len(trimmed) == 2 {
		// 12-hour clock: 12 AM is midnight, 12 PM noon.
		if hour > 12 {
			return time.Time{}, false
		}
		switch strings.ToUpper(trimmed) {
		case "AM":
			if hour == 12 {
				hour = 0
			}
		case "PM":
			if hour < 12 {
				hour += 12
			}
		default:
			return time.Time{}, false
		}
	} else if s != "" || hour > 23 {
		return time.Time{}, false
	}
	if minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	month, day := a, b
	if dayFirst {
		month, day = b, a
	}
	if month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // 31 February and the like
	}
	return t, true
}

// digits reads a number of least to most decimal digits at s's start, and
// what follows it; ok is false when fewer are there, or more.
func digits(s string, least, most int) (n int, rest string, ok bool) {
	i := 0
	for ; i < len(s) && i <= most && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n, s[i:], i >= least && i <= most
}

// cut drops c from s's start; ok is false when s does not start with it.
func cut(s string, c byte) (string, bool) {
	if len(s) == 0 || s[0] != c {
		return s, false
	}
	return s[1:], true
}
