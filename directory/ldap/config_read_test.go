package ldap

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

// The three outcomes of reading the recipient filter configuration stay
// apart: read (the builder filled it in), searched and absent (agents never
// installed: a fact, no gap), and not read (a gap, the setting stays nil).
func TestRecordConfigRecipientFilter(t *testing.T) {
	flags := int64(3)
	read := &directory.RecipientFilter{Present: true, AgentsFlags: &flags, Enabled: directory.True,
		ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.False}
	tests := []struct {
		name     string
		before   *directory.RecipientFilter // what the builder produced
		counts   [3]int
		err      error
		want     *directory.RecipientFilter
		wantGaps []string
		wantRead int // count recorded for recipient-filter; -1: not recorded
	}{
		{"read", read, [3]int{1, 1, 1}, nil, read, nil, 1},
		{"absent", nil, [3]int{1, 1, 0}, nil, &directory.RecipientFilter{}, nil, 0},
		// Found but did not map: the builder left it nil and recorded
		// the gap itself; it must not turn into "absent".
		{"found but unmapped", nil, [3]int{1, 1, 1}, nil, nil, nil, 1},
		{"search failed", nil, [3]int{}, errors.New("ldap: dc1: read Exchange organization settings: insufficient access"), nil,
			[]string{directory.CoverAcceptedDomains, directory.CoverRemoteDomains, directory.CoverRecipientFilter}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := &directory.Snapshot{}
			snap.Org.RecipientFilter = tt.before
			recordConfig(snap, tt.counts, tt.err, "ldaps://dc1")
			if diff := cmp.Diff(tt.want, snap.Org.RecipientFilter); diff != "" {
				t.Errorf("RecipientFilter (-want +got):\n%s", diff)
			}
			var gaps []string
			for _, g := range snap.Coverage.Gaps {
				gaps = append(gaps, g.What)
				if tt.err == nil {
					t.Errorf("gap %s (%s) without an error", g.What, g.Reason)
				} else if g.Reason != tt.err.Error() {
					t.Errorf("gap %s reason %q, want the error", g.What, g.Reason)
				}
			}
			if diff := cmp.Diff(tt.wantGaps, gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			got := -1
			for _, r := range snap.Coverage.Read {
				if r.What == directory.CoverRecipientFilter {
					got = r.Count
				}
			}
			if got != tt.wantRead {
				t.Errorf("recipient-filter read count %d, want %d", got, tt.wantRead)
			}
		})
	}
}
