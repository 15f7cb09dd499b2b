package audit_test

import (
	"slices"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// TestCompareOrganizationNotRead: an organization finding that is gone
// because what it judges was not read this run (a coverage gap for its area,
// or no record of the area read at all) makes the organization not-read, not
// improved; gone after a full read, or beside a gap elsewhere, it improved;
// a finding added still makes it worsened.
func TestCompareOrganizationNotRead(t *testing.T) {
	t.Parallel()
	relay := directory.ReceiveConnector{Name: "Relay", Server: "EX01", RemoteIPRanges: []string{"0.0.0.0-255.255.255.255"},
		AnonymousRelay: directory.True, RelayGrantedTo: directory.LabelAnonymous}
	closed := relay
	closed.AnonymousRelay, closed.RelayGrantedTo = directory.False, ""
	snap := func(edit func(*directory.Snapshot)) *directory.Snapshot {
		return dt.New().Mailbox("a").Group("G", []string{"a"}, dt.Closed, dt.Owner("a")).Edit(func(s *directory.Snapshot) {
			s.Org.ReceiveConnectors = []directory.ReceiveConnector{relay}
			s.Coverage.AddRead(directory.CoverReceiveConnectors, 1, "test")
			edit(s)
		}).Snapshot()
	}
	notCollected := func(s *directory.Snapshot) {
		s.Org.ReceiveConnectors = nil
		s.Coverage.Read = slices.DeleteFunc(s.Coverage.Read, func(r directory.ReadCount) bool { return r.What == directory.CoverReceiveConnectors })
	}
	connectorsGap := func(s *directory.Snapshot) {
		notCollected(s)
		s.Coverage.AddGap(directory.CoverReceiveConnectors, "", "insufficient access rights")
	}
	tests := []struct {
		name string
		now  func(*directory.Snapshot)
		want audit.Change
	}{
		{"connectors not readable", connectorsGap, audit.ChangeNotRead},
		{"connectors not collected", notCollected, audit.ChangeNotRead},
		{"one connector's permissions not readable", func(s *directory.Snapshot) {
			s.Org.ReceiveConnectors[0].AnonymousRelay, s.Org.ReceiveConnectors[0].RelayGrantedTo = directory.Unset, ""
			s.Coverage.AddGap(directory.CoverReceiveConnectors, "CN=Relay", "nTSecurityDescriptor was not returned")
		}, audit.ChangeNotRead},
		{"relay removed", func(s *directory.Snapshot) { s.Org.ReceiveConnectors = []directory.ReceiveConnector{closed} }, audit.ChangeImproved},
		{"relay removed, a gap elsewhere", func(s *directory.Snapshot) {
			s.Org.ReceiveConnectors = []directory.ReceiveConnector{closed}
			s.Coverage.AddGap(directory.CoverGroupMembers, "G", "access denied")
		}, audit.ChangeImproved},
		{"connectors not readable, a finding added", func(s *directory.Snapshot) {
			connectorsGap(s)
			s.Org.AcceptedDomains = append(s.Org.AcceptedDomains, directory.AcceptedDomain{Domain: "relay.example", Type: directory.InternalRelay})
		}, audit.ChangeWorsened},
	}
	base := baselineOf(auditedAgainst(t, snap(func(*directory.Snapshot) {}), nil))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			org := auditedAgainst(t, snap(tt.now), base).Changes.Organization
			if org == nil {
				t.Fatal("no organization change")
			}
			if org.Change != tt.want {
				t.Errorf("organization change %q (added %v, removed %v), want %q", org.Change, org.Added, org.Removed, tt.want)
			}
		})
	}
}
