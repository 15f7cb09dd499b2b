package tracking_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/tracking"
)

// Summer time ends on a few Sundays a year: on another, an hour of two
// servers' exports in the small hours is split as any other.
func TestSummerTimeEndsOnlyOnItsDays(t *testing.T) {
	for _, tc := range []struct {
		day   time.Time
		split bool
	}{
		{time.Date(2026, 10, 4, 2, 0, 0, 0, time.UTC), true},   // first Sunday of October
		{time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), false}, // last Sunday of October
		{time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC), false},  // first Sunday of November
		{time.Date(2026, 4, 5, 2, 0, 0, 0, time.UTC), false},   // first Sunday of April
		{time.Date(2026, 4, 12, 2, 0, 0, 0, time.UTC), true},
	} {
		var b strings.Builder
		b.WriteString(exportHeader)
		for s := range 2 {
			for i := range 6 {
				// Local times as .ToString('s') writes them.
				at := tc.day.Add(time.Duration(5+i*10+s) * time.Minute).Format("2006-01-02T15:04:05")
				fmt.Fprintf(&b, `"%s","EX%d","SEND","<%d@x>","s","a@x","b@x"`+"\r\n", at, s+1, 3+s*6+i)
			}
		}
		path := filepath.Join(t.TempDir(), "two.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		evs, st := read(t, path)
		sorted := slices.IsSortedFunc(evs, func(a, b tracking.Event) int { return a.Time.Compare(b.Time) })
		if sorted != tc.split || strings.Contains(strings.Join(st.Files[0].Notes, "\n"), "summer time") == tc.split {
			t.Errorf("%v: read in time order %v, notes %q", tc.day.Format(time.DateOnly), sorted, st.Files[0].Notes)
		}
	}
}

// A malformed row whose time the next row repeats does not keep that row
// from deciding the file's date order.
func TestMalformedRowsTwinDecidesTheDateOrder(t *testing.T) {
	data := `"Timestamp","ServerHostname","EventId","MessageId"` + "\r\n" +
		`"13/03/2026 10:00:00","broken row"` + "\r\n" +
		`"13/03/2026 10:00:00","EX1","SEND","<1@x>"` + "\r\n" +
		`"03/04/2026 09:00:00","EX1","SEND","<2@x>"` + "\r\n"
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	evs, st := read(t, path)
	if len(evs) != 2 || evs[1].Time.Month() != time.April {
		t.Errorf("%d events, notes %q", len(evs), st.Files[0].Notes)
	}
}

// One server's export in local time across the night summer time ends
// repeats an hour: its rows stay in their order and the file says why.
func TestSummerTimeEndingIsNoSecondServer(t *testing.T) {
	data := `"Timestamp","ServerHostname","EventId","MessageId"` + "\r\n" +
		`"25/10/2026 01:50:00","EX1","SUBMIT","<a@x>"` + "\r\n" +
		`"25/10/2026 01:55:00","EX1","SEND","<a@x>"` + "\r\n" +
		`"25/10/2026 01:05:00","EX1","RECEIVE","<a@x>"` + "\r\n" +
		`"25/10/2026 01:10:00","EX1","DELIVER","<a@x>"` + "\r\n"
	path := filepath.Join(t.TempDir(), "ex1.csv")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	got, st := readLines(t, tracking.Options{}, path)
	if want := []string{"2 <a@x>", "3 <a@x>", "4 <a@x>", "5 <a@x>"}; !slices.Equal(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
	notes := strings.Join(st.Files[0].Notes, "\n")
	if !strings.Contains(notes, "back an hour at line 4") || strings.Contains(notes, "runs") {
		t.Errorf("notes %q", notes)
	}
}

// Only a row the parser reads decides the file's date order: a malformed
// one's date does not.
func TestMalformedRowDoesNotDecideTheDateOrder(t *testing.T) {
	data := `"Timestamp","ServerHostname","EventId","MessageId"` + "\r\n" +
		`"13/03/2026 10:00:00","broken row"` + "\r\n" +
		`"3/14/2026 9:00:00 AM","EX1","SEND","<1@x>"` + "\r\n" +
		`"3/15/2026 9:00:00 AM","EX1","SEND","<2@x>"` + "\r\n"
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	evs, st := read(t, path)
	if len(evs) != 2 || st.Malformed != 1 || !strings.Contains(strings.Join(st.Files[0].Notes, "\n"), "month first") {
		t.Errorf("%d events, malformed %+v, notes %q", len(evs), st.Samples, st.Files[0].Notes)
	}
}

// A record on several lines does not decide the file's date order: a
// broken one would leave every later row unreadable.
func TestMultiLineRecordDoesNotDecideTheDateOrder(t *testing.T) {
	for name, broken := range map[string]string{
		"a value short": `"13/03/2026 10:00:00","EX1","two` + "\r\n" + `lines"` + "\r\n",
		"never closed":  `"13/03/2026 10:00:00","EX1","SEND","<broken` + "\r\n" + `x` + "\r\n",
	} {
		data := `"Timestamp","ServerHostname","EventId","MessageId"` + "\r\n" + broken +
			`"3/14/2026 9:00:00 AM","EX1","SEND","<1@x>"` + "\r\n" +
			`"3/15/2026 9:00:00 AM","EX1","SEND","<2@x>"` + "\r\n"
		path := filepath.Join(t.TempDir(), "x.csv")
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		opt := tracking.Options{MaxRecordBytes: 60}
		got, _ := readLines(t, opt, path)
		want, _ := streamLines(t, opt, []byte(data), path)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: read %q, want %q", name, got, want)
		}
	}
}
