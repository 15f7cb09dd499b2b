package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// The reviewers' reproductions, end to end through run.

// partnersGroup is an open group reporting to the originator with two
// contacts at partner.example.
func partnersGroup() *dt.Builder {
	return dt.New().Mailbox("o").Contact("x", "x@partner.example").Contact("y", "y@partner.example").
		Group("G1", []string{"x", "y"}, dt.Open, dt.ReportsToOriginator, dt.Owner("o"))
}

type reproReport struct {
	Groups []struct {
		ID              string `json:"id"`
		ExternalMembers int    `json:"externalMembers"`
		Findings        []struct {
			Rule     string `json:"rule"`
			Severity string `json:"severity"`
		} `json:"findings"`
	} `json:"groups"`
	Changes struct {
		Groups []struct {
			ID     string `json:"id"`
			Change string `json:"change"`
		} `json:"groups"`
	} `json:"changes"`
}

func decodeRepro(t *testing.T, stdout string) reproReport {
	t.Helper()
	var r reproReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout)
	}
	return r
}

// TestBaselineMembersUnreadIsNotRead: the group's membership could not be
// read this time, so its lower score is not an improvement.
func TestBaselineMembersUnreadIsNotRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s1, s2, base := filepath.Join(dir, "s1.json"), filepath.Join(dir, "s2_unread.json"), filepath.Join(dir, "base.json")
	writeSnapshotAt(t, s1, partnersGroup().Snapshot())
	writeSnapshotAt(t, s2, partnersGroup().Edit(func(s *directory.Snapshot) {
		for i := range s.Groups {
			if s.Groups[i].ID == "G1" {
				s.Groups[i].Members, s.Groups[i].MembersUnknown = nil, true
			}
		}
		s.Coverage.AddGap("group-members", "G1", "access denied")
	}).Snapshot())
	if code, _, stderr := dgaudit(t, "audit", "--snapshot", s1, "-o", base, "--fail-on", "none"); code != exitOK {
		t.Fatalf("baseline: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := dgaudit(t, "audit", "--snapshot", s2, "--baseline", base, "-o", "-")
	if code != exitGaps {
		t.Errorf("exit %d, want %d (gaps)\n%s", code, exitGaps, stderr)
	}
	r := decodeRepro(t, stdout)
	if len(r.Changes.Groups) != 1 || r.Changes.Groups[0].ID != "G1" || r.Changes.Groups[0].Change != "not-read" {
		t.Errorf("changes %+v, want G1 not-read", r.Changes.Groups)
	}
}

// TestAuditRemoteMailboxRoutingOutside: a remote mailbox whose target is a
// partner's domain does not make that domain internal.
func TestAuditRemoteMailboxRoutingOutside(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, target string
		wantExternal int
		wantCode     int
	}{
		{"partner target", "bob@partner.example", 2, exitFindings},
		// A coexistence target is internal; the contacts at partner.example
		// are external all the same.
		{"coexistence target", "bob@tenant.mail.onmicrosoft.com", 2, exitFindings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			snap := writeSnapshot(t, partnersGroup().User("bob", directory.RemoteMailbox, tt.target).Snapshot())
			code, stdout, stderr := dgaudit(t, "audit", "--snapshot", snap, "-o", "-")
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s", code, tt.wantCode, stderr)
			}
			r := decodeRepro(t, stdout)
			for _, g := range r.Groups {
				if g.ID != "G1" {
					continue
				}
				if g.ExternalMembers != tt.wantExternal {
					t.Errorf("external members %d, want %d", g.ExternalMembers, tt.wantExternal)
				}
				found := false
				for _, f := range g.Findings {
					found = found || (f.Rule == "ndr-loop-risk" && f.Severity == "critical")
				}
				if !found {
					t.Errorf("no critical ndr-loop-risk: %+v", g.Findings)
				}
			}
		})
	}
}

// TestAuditCoexistenceTargetIsInternal: a contact at the tenant's coexistence
// domain is internal once a remote mailbox routes there, and a contact at
// another tenant is not.
func TestAuditCoexistenceTargetIsInternal(t *testing.T) {
	t.Parallel()
	snap := writeSnapshot(t, dt.New().Mailbox("o").
		User("bob", directory.RemoteMailbox, "bob@tenant.mail.onmicrosoft.com").
		Contact("c", "c@tenant.mail.onmicrosoft.com").Contact("d", "d@other.mail.onmicrosoft.com").
		Group("G1", []string{"bob", "c", "d"}, dt.Open, dt.ReportsToOriginator, dt.Owner("o")).Snapshot())
	_, stdout, stderr := dgaudit(t, "audit", "--snapshot", snap, "-o", "-", "--fail-on", "none")
	r := decodeRepro(t, stdout)
	if len(r.Groups) != 1 || r.Groups[0].ExternalMembers != 1 {
		t.Errorf("groups %+v, want G1 with 1 external member (d)\n%s", r.Groups, stderr)
	}
}
