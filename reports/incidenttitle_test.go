package reports

import (
	"strings"
	"testing"

	"dgaudit/audit"
)

// A backscatter source whose originals' failure the export does not give
// must not be headlined as reports for unknown recipients.
func TestBackscatterTitleFollowsTheReason(t *testing.T) {
	tr := &audit.Traffic{Backscatter: []audit.BackscatterSource{
		{Source: "bot.example", Severity: audit.High, Reports: 40},
		{Source: "exchange online", Severity: audit.Medium, Reports: 12, ReasonUnknown: true},
	}}
	in := incidents(tr)
	if len(in) != 2 {
		t.Fatalf("incidents %+v", in)
	}
	if got := in[0].title(); !strings.Contains(got, "unknown recipients") {
		t.Errorf("known reason: title %q", got)
	}
	if got := in[1].title(); strings.Contains(got, "unknown recipients") || !strings.Contains(got, "not known") {
		t.Errorf("unknown reason: title %q", got)
	}
}
