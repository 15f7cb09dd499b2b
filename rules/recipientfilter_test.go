package rules_test

import (
	"strings"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

func TestRecipientValidationOff(t *testing.T) {
	t.Parallel()
	flags := func(v int64) *int64 { return &v }
	fromFlags := func(v int64) *directory.RecipientFilter {
		return &directory.RecipientFilter{Present: true, AgentsFlags: flags(v), Enabled: directory.TriOf(v&1 != 0),
			ExternalMailEnabled: directory.TriOf(v&2 != 0), RecipientValidationEnabled: directory.TriOf(v&2048 != 0)}
	}
	tests := []struct {
		name string
		f    *directory.RecipientFilter
		edit func(*directory.Snapshot)
		// want lists fragments of the finding's message and evidence
		// values; nil means the rule must not fire.
		want []string
	}{
		{"validation enabled", fromFlags(2051), nil, nil},
		{"validation disabled (Exchange's default flags 3)", fromFlags(3),
			nil, []string{"does not validate recipients", "in corp.example", "AgentsFlags=3 (set)", "RecipientValidationEnabled=false (set)", "Edge Transport servers (AD LDS) are not seen"}},
		{"object absent: agents not installed", &directory.RecipientFilter{},
			nil, []string{"anti-spam agents were never installed", "RecipientFilterConfig=object absent (anti-spam agents not installed) (set)"}},
		{"not read (Microsoft 365, LDIF without it, a gap)", nil, nil, nil},
		{"flags not set: default 3 applies", &directory.RecipientFilter{Present: true},
			nil, []string{"msExchAgentsFlags is not set", "AgentsFlags=3 (default)", "RecipientValidationEnabled=false (default)"}},
		{"validation on but agent disabled", fromFlags(2050), nil, []string{"is disabled", "Enabled=false (set)"}},
		{"validation on but not for external mail", fromFlags(2053), nil, []string{"does not filter mail from outside"}},
		{"Default remote domain lets NDRs out", fromFlags(3), func(s *directory.Snapshot) {
			s.Org.RemoteDomains[0].NDREnabled = directory.True
		}, []string{"the Default remote domain lets those non-delivery reports out"}},
		{"NDRs to the Internet suppressed: still accepted for made-up addresses", fromFlags(3), func(s *directory.Snapshot) {
			s.Org.RemoteDomains[0].NDREnabled = directory.False
		}, []string{"does not validate recipients", "NDREnabled (Default remote domain)=false (set)"}},
		{"no authoritative domain: nothing to validate", fromFlags(3), func(s *directory.Snapshot) {
			s.Org.AcceptedDomains[0].Type = directory.InternalRelay
		}, nil},
		{"accepted domains unknown: still judged", fromFlags(3), func(s *directory.Snapshot) {
			s.Org.AcceptedDomains = nil
		}, []string{"in the authoritative domains"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := dt.New().Mailbox("a").Edit(func(s *directory.Snapshot) { s.Org.RecipientFilter = tc.f })
			if tc.edit != nil {
				b.Edit(tc.edit)
			}
			rep := audited(t, b.Snapshot())
			var found []audit.Finding
			for _, f := range rep.OrgFindings {
				if f.Rule == "recipient-validation-off" {
					found = append(found, f)
				}
			}
			if tc.want == nil {
				if len(found) > 0 {
					t.Fatalf("fired: %+v", found)
				}
				return
			}
			if len(found) != 1 {
				t.Fatalf("%d findings, want 1", len(found))
			}
			f := found[0]
			if f.Severity != audit.Medium {
				t.Errorf("severity %s, want medium", f.Severity)
			}
			text := f.Message
			for _, s := range f.Evidence.Settings {
				text += "\n" + s.Name + "=" + s.Value + " (" + s.Source + ")"
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("finding lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
