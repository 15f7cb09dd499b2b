package mailflow_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

func contoso(d string) bool { return d == "contoso.com" }

// bounces are on-premises rows of n messages for recipients that do not
// exist, each bounced to its outside sender, one every gap.
func bounces(n int, gap time.Duration) []tracking.Event {
	evs := []tracking.Event{{Time: start, EventID: "DELIVER", Source: "STOREDRIVER", Recipients: []string{"real@contoso.com"}, MessageID: "<ok@x>"}}
	for i := range n {
		id, sender := fmt.Sprintf("<m%d@partner.example>", i), fmt.Sprintf("p%d@partner.example", i%3)
		at := start.Add(time.Duration(i) * gap)
		evs = append(evs,
			tracking.Event{Time: at, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.7", ClientHostname: "mx.partner.example", Sender: sender, ReturnPath: sender,
				Recipients: []string{fmt.Sprintf("jhon.smith%d@contoso.com", i)}, Subject: "Contract", MessageID: id, Directionality: "Incoming"},
			tracking.Event{Time: at, EventID: "FAIL", Source: "ROUTING", Sender: sender, Recipients: []string{fmt.Sprintf("jhon.smith%d@contoso.com", i)},
				RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, MessageID: id},
			tracking.Event{Time: at.Add(time.Second), EventID: "DSN", Source: "DSN", Sender: "postmaster@contoso.com", ReturnPath: "<>", Recipients: []string{sender},
				Subject: "Undeliverable: Contract", MessageID: fmt.Sprintf("<dsn%d@contoso.com>", i), Reference: id},
		)
	}
	return evs
}

// A source is backscatter from MinBackscatter reports on, and high when
// they came within one clock hour; a bounce or a few are mail working as
// it should, and are only counted below the threshold.
func TestBackscatterThreshold(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		gap      time.Duration
		min      int
		want     []audit.Severity
		peak     int64
		below    audit.BackscatterBelow
		interval time.Duration
	}{
		{"one mistyped address", 1, time.Minute, 0, nil, 0, audit.BackscatterBelow{Threshold: 10, Sources: 1, Reports: 1}, 0},
		{"nine in an hour", 9, time.Minute, 0, nil, 0, audit.BackscatterBelow{Threshold: 10, Sources: 1, Reports: 9}, 0},
		{"ten over ten hours", 10, time.Hour, 0, []audit.Severity{audit.Medium}, 1, audit.BackscatterBelow{Threshold: 10}, 0},
		{"ten in one hour", 10, time.Minute, 0, []audit.Severity{audit.High}, 10, audit.BackscatterBelow{Threshold: 10}, 0},
		// The timeline's width does not move the severity.
		{"ten in one hour, drawn per minute", 10, time.Minute, 0, []audit.Severity{audit.High}, 10, audit.BackscatterBelow{Threshold: 10}, time.Minute},
		{"ten over ten hours, drawn per day", 10, time.Hour, 0, []audit.Severity{audit.Medium}, 1, audit.BackscatterBelow{Threshold: 10}, 24 * time.Hour},
		{"a lower threshold", 3, time.Hour, 3, []audit.Severity{audit.Medium}, 1, audit.BackscatterBelow{Threshold: 3}, 0},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := logFile(t, dir, fmt.Sprintf("MSGTRK%d.LOG", i), trackingtest.Fields2013, bounces(tt.n, tt.gap))
			tr := analyse(t, mailflow.Config{IsInternal: contoso, MinBackscatter: tt.min, Interval: tt.interval}, path)
			var got []audit.Severity
			for _, b := range tr.Backscatter {
				got = append(got, b.Severity)
				if b.Source != "mx.partner.example" || b.Reports != int64(tt.n) || b.PeakPerHour != tt.peak {
					t.Errorf("source %+v", b)
				}
			}
			if !slices.Equal(got, tt.want) || tr.BackscatterBelow != tt.below {
				t.Errorf("severities %v below %+v, want %v and %+v", got, tr.BackscatterBelow, tt.want, tt.below)
			}
			if w, found := tr.Worst(); found != (len(tt.want) > 0) || found && w != tt.want[0] {
				t.Errorf("worst %v, %v", w, found)
			}
		})
	}
}
