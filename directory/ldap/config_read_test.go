package ldap

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

// The outcomes of reading the organization settings stay apart: read (the
// builder filled them in, counted), searched and none found, and not read.
// None found is a gap, never a count of 0: the search returns only what the
// bind account may see, an organization always has an accepted domain and
// the Default remote domain, and a recipient filter configuration that is
// not there may be hidden as well as never created. The setting then stays
// nil (not read), never "absent".
func TestRecordConfig(t *testing.T) {
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
		{"recipient filter not found", nil, [3]int{1, 1, 0}, nil, nil, []string{directory.CoverRecipientFilter}, -1},
		{"no accepted domain", read, [3]int{0, 1, 1}, nil, read, []string{directory.CoverAcceptedDomains}, 1},
		{"no remote domain", read, [3]int{1, 0, 1}, nil, read, []string{directory.CoverRemoteDomains}, 1},
		{"nothing found", nil, [3]int{}, nil, nil,
			[]string{directory.CoverAcceptedDomains, directory.CoverRemoteDomains, directory.CoverRecipientFilter}, -1},
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
			recordConfig(snap, tt.counts, tt.err, "ldaps://dc1", "CN=Configuration,DC=corp")
			if diff := cmp.Diff(tt.want, snap.Org.RecipientFilter); diff != "" {
				t.Errorf("RecipientFilter (-want +got):\n%s", diff)
			}
			var gaps []string
			for _, g := range snap.Coverage.Gaps {
				gaps = append(gaps, g.What)
				switch {
				case tt.err != nil && g.Reason != tt.err.Error():
					t.Errorf("gap %s reason %q, want the error", g.What, g.Reason)
				case tt.err == nil && !strings.Contains(g.Reason, `under "CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp" could be read`):
					t.Errorf("gap %s reason %q does not say where nothing was found", g.What, g.Reason)
				case g.What == directory.CoverRecipientFilter && tt.err == nil &&
					!strings.Contains(g.Reason, "either the anti-spam agents were never installed or the object could not be read"):
					t.Errorf("recipient filter gap %q claims more than the directory shows", g.Reason)
				}
				for _, r := range snap.Coverage.Read {
					if r.What == g.What {
						t.Errorf("%s both read (%d) and a gap", g.What, r.Count)
					}
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
