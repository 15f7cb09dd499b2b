package mailflow_test

import (
	"fmt"
	"testing"
	"time"

	"dgaudit/audit/mailflow"
	"dgaudit/directory/tracking"
)

// BenchmarkSubmitted is the mailbox server's SUBMIT rows, which write the
// table of submissions (ours.go) on every one: the bench log of
// BenchmarkAnalyseOnly has none. Senders have capitals, as the primary
// addresses Exchange logs often do.
func BenchmarkSubmitted(b *testing.B) {
	evs := make([]tracking.Event, 1<<16)
	for i := range evs {
		sender := fmt.Sprintf("User.Name%d@Contoso.com", i%5003)
		evs[i] = tracking.Event{Time: start.Add(time.Duration(i) * 100 * time.Millisecond), EventID: "SUBMIT", Source: "STOREDRIVER",
			ServerHostname: "MBX01", Sender: sender, ReturnPath: sender, MessageID: fmt.Sprintf("<%d.abcdef@MBX01.contoso.com>", i), Subject: "Quarterly report"}
	}
	a := mailflow.New(benchConfig)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Add(&evs[i&(len(evs)-1)])
	}
}
