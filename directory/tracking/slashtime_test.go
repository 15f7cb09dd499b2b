package tracking

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// slashLayouts reads s as slashTime did before parseSlashed: with
// time.Parse and the layouts of the file's order.
func slashLayouts(s string, dayFirst bool) (time.Time, bool) {
	layouts := monthFirstLayouts
	if dayFirst {
		layouts = dayFirstLayouts
	}
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseSlashed must read every date exactly as time.Parse with the
// layouts does, and read all that the layouts read (but fractions of more
// than nine digits, which it leaves to them): the strings are made of the
// parts an export writes and of the ways they go wrong.
func TestParseSlashedReadsAsTheLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	num := func() string {
		return pick("0", "1", "01", "5", "05", "9", "10", "12", "13", "24", "29", "30", "31", "32", "60", "99", "001", "", "x")
	}
	for _, s := range []string{
		"3/5/2026 9:00:00 AM", "05/03/2026 09:00:00", "5/03/2026 9:00:00 pm", "12/31/2026 12:00:00 AM", "2/29/2028 12:59:59 PM",
		"2/29/2026 1:00:00 PM", "1/1/2026 0:00 AM", "1/1/2026 23:59", "1/1/2026 12:00:00.5 PM", "1/1/2026 12:00:00,123456789 PM",
		"1/1/2026  3:04:05   PM", " 1/1/2026 3:04:05 PM ", "1/1/2026 3:04:05PM", "1/1/2026 13:04:05 PM", "1/1/2026 3:04:05 XM",
	} {
		for _, dayFirst := range []bool{false, true} {
			check(t, s, dayFirst)
		}
	}
	for range 200000 {
		var b strings.Builder
		fmt.Fprintf(&b, "%s/%s/%s%s%s:%s", num(), num(), pick("2026", "2028", "1999", "0000", "226", "20260"),
			pick(" ", "  ", "", "T"), num(), pick("00", "05", "59", "60", "5", "123"))
		if rng.IntN(4) > 0 {
			fmt.Fprintf(&b, ":%s", pick("00", "07", "59", "60", "7", "070"))
			if rng.IntN(3) == 0 {
				b.WriteString(pick(".5", ",25", ".123456789", ".1234567890", ".", ".x"))
			}
		}
		b.WriteString(pick("", " AM", " PM", " am", " pm", " Pm", "AM", "  PM", " XM", " A", " AMX", " "))
		check(t, b.String(), rng.IntN(2) == 0)
	}
}

func check(t *testing.T, s string, dayFirst bool) {
	t.Helper()
	want, wantOK := slashLayouts(s, dayFirst)
	got, ok := parseSlashed(s, dayFirst)
	if ok && (!wantOK || got != want) {
		t.Fatalf("parseSlashed(%q, dayFirst %v) = %v; the layouts give %v, %v", s, dayFirst, got, want, wantOK)
	}
	if wantOK && !ok && !strings.Contains(s, ".1234567890") {
		t.Fatalf("parseSlashed(%q, dayFirst %v) cannot read what the layouts read as %v", s, dayFirst, want)
	}
}

func BenchmarkSlashTime(b *testing.B) {
	ts := []string{"3/1/2026 12:00:00 AM", "3/1/2026 9:41:07 AM", "3/12/2026 11:59:59 PM", "03/05/2026 17:30:00"}
	var n int64
	for b.Loop() {
		for _, s := range ts {
			t, _ := parseSlashed(s, false)
			n += t.Unix()
		}
	}
	if n == 0 {
		b.Fatal(n)
	}
}
