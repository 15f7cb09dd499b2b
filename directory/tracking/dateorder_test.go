package tracking_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PowerShell's Export-Csv writes dates in the culture of the shell that ran
// it: en-US "3/5/2026 9:00:00 AM", en-GB and most of Europe "05/03/2026
// 09:00:00". A date whose day is 12 or less reads both ways; the file as a
// whole says which, and a file that never does is said to be ambiguous.
func TestSlashDatesFollowTheFilesCulture(t *testing.T) {
	header := `"Received","SenderAddress","RecipientAddress","Subject","Status","MessageId"` + "\n"
	row := func(received string) string {
		return `"` + received + `","a@external.example","list@corp.example","hello","Expanded","<m@x>"` + "\n"
	}
	march5 := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	march25 := time.Date(2026, 3, 25, 17, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		rows []string
		want []time.Time
		note string // a note the file must carry ("" for none about dates)
		gzip bool
	}{
		{"en-GB, decided by a later row", []string{"05/03/2026 09:00:00", "25/03/2026 17:30:00"}, []time.Time{march5, march25}, "day first", false},
		{"en-GB gzip", []string{"05/03/2026 09:00:00", "25/03/2026 17:30:00"}, []time.Time{march5, march25}, "day first", true},
		{"en-US, decided by a later row", []string{"3/5/2026 9:00:00 AM", "3/25/2026 5:30:00 PM"}, []time.Time{march5, march25}, "month first", false},
		{"en-US from PowerShell 7 on ICU", []string{"3/5/2026 9:00:00\u202fAM", "3/25/2026 5:30:00\u202fPM"}, []time.Time{march5, march25}, "month first", false},
		{"en-AU 12-hour day first", []string{"5/03/2026 9:00:00 AM", "25/03/2026 5:30:00 PM"}, []time.Time{march5, march25}, "day first", false},
		{"never decided", []string{"3/5/2026 9:00:00 AM"}, []time.Time{march5}, "could be day first or month first", false},
		{"ISO needs nothing", []string{"2026-03-05T09:00:00.0000000Z"}, []time.Time{march5}, "", false},
		{"ja-JP year first", []string{"2026/03/05 9:00:00", "2026/3/25 17:30:00"}, []time.Time{march5, march25}, "", false},
		{"de-DE dots are day first", []string{"05.03.2026 09:00:00"}, []time.Time{march5}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := header
			for _, r := range tc.rows {
				content += row(r)
			}
			path := filepath.Join(t.TempDir(), "trace.csv")
			data := []byte(content)
			if tc.gzip {
				data = gzipped(data)
				path += ".gz"
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			evs, st := read(t, path)
			if st.Malformed != 0 || len(evs) != len(tc.want) {
				t.Fatalf("%d events, %d malformed: %+v", len(evs), st.Malformed, st.Samples)
			}
			for i, e := range evs {
				if !e.Time.Equal(tc.want[i]) {
					t.Errorf("row %d: %v, want %v", i+1, e.Time, tc.want[i])
				}
			}
			notes := strings.Join(st.Files[0].Notes, "\n")
			if tc.note == "" && strings.Contains(notes, "first") || tc.note != "" && !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q, want one saying %q", notes, tc.note)
			}
		})
	}
}

// A date that fits neither order of the file is malformed, not guessed.
func TestSlashDateAgainstTheFilesOrderIsMalformed(t *testing.T) {
	content := `"Received","SenderAddress","RecipientAddress","Subject","Status","MessageId"` + "\n" +
		`"25/03/2026 17:30:00","a@x.example","l@corp.example","s","Expanded","<1@x>"` + "\n" +
		`"03/26/2026 17:30:00","a@x.example","l@corp.example","s","Expanded","<2@x>"` + "\n"
	path := filepath.Join(t.TempDir(), "trace.csv")
	os.WriteFile(path, []byte(content), 0o600)
	evs, st := read(t, path)
	if len(evs) != 1 || st.Malformed != 1 || !strings.Contains(st.Samples[0].Reason, "timestamp") {
		t.Errorf("%d events, %d malformed: %+v", len(evs), st.Malformed, st.Samples)
	}
}

// Get-MessageTrackingLog writes the server's local time, without an offset;
// the logs themselves and Exchange Online write UTC. The reader cannot know
// the server's zone, so it says that it read such times as UTC.
func TestTrackingCSVLocalTimesAreNoted(t *testing.T) {
	for _, tc := range []struct {
		stamp string
		noted bool
	}{
		{"3/25/2026 9:00:00 AM", true},
		{"2026-03-25 09:00:00", true},
		{"2026-03-25T09:00:00.0000000Z", false},
		{"2026-03-25T09:00:00.0000000+01:00", false},
	} {
		content := "Timestamp,EventId,Source,Sender,Recipients,MessageSubject,MessageId\n" +
			`"` + tc.stamp + `","RECEIVE","SMTP","a@x.example","b@corp.example","s","<1@x>"` + "\n"
		path := filepath.Join(t.TempDir(), "tracking.csv")
		os.WriteFile(path, []byte(content), 0o600)
		evs, st := read(t, path)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events: %+v", tc.stamp, len(evs), st.Samples)
		}
		noted := strings.Contains(strings.Join(st.Files[0].Notes, "\n"), "local time")
		if noted != tc.noted {
			t.Errorf("%s: local-time note %v, want %v (notes %q)", tc.stamp, noted, tc.noted, st.Files[0].Notes)
		}
	}
}

// Quotes that open no quoted value, as the parser reads them, must not
// hide the row that says a file's order: a quote inside a value that is not
// quoted (PowerShell 7's Export-Csv -UseQuotes AsNeeded writes 27" monitor
// bare), one in a comment line, and a row the parser rejects for text after
// a closing quote. Taken for open quotes, they hid every later row from the
// scan, and a day-first file was read month first, its 25/03 row malformed.
func TestQuotesThatOpenNothingDoNotHideTheFilesOrder(t *testing.T) {
	header := "Received,SenderAddress,RecipientAddress,Subject,Status,MessageId\n"
	row := func(when, subject, id string) string {
		return when + ",a@external.example,list@corp.example," + subject + ",Expanded,<" + id + "@x>\n"
	}
	march5, march25 := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 25, 17, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		content   string
		malformed int64
	}{
		{"a bare quote in a subject", header + row("05/03/2026 09:00:00", `27" monitor`, "m1") + row("05/03/2026 09:00:00", "hello", "m2") + row("25/03/2026 17:30:00", "hello", "m3"), 0},
		{"an odd quote in a comment", "#TYPE \"x\n" + header + row("05/03/2026 09:00:00", "hello", "m1") + row("25/03/2026 17:30:00", "hello", "m3"), 0},
		{"text after a closing quote", header + row("05/03/2026 09:00:00", `"27" monitor"`, "m1") + row("05/03/2026 09:00:00", "hello", "m2") + row("25/03/2026 17:30:00", "hello", "m3"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.csv")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			evs, st := read(t, path)
			if st.Malformed != tc.malformed || len(evs) < 2 {
				t.Fatalf("%d events, %d malformed, want %d: %+v", len(evs), st.Malformed, tc.malformed, st.Samples)
			}
			if !evs[0].Time.Equal(march5) || !evs[len(evs)-1].Time.Equal(march25) {
				t.Errorf("read %v .. %v, want %v .. %v", evs[0].Time, evs[len(evs)-1].Time, march5, march25)
			}
			if notes := strings.Join(st.Files[0].Notes, "\n"); !strings.Contains(notes, "day first") {
				t.Errorf("notes %q, want one saying the file is day first", notes)
			}
		})
	}
}
