package reports

import (
	"testing"

	"dgaudit/audit"
)

func TestEvidenceSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   audit.Evidence
		want string
	}{
		{name: "empty", want: ""},
		{
			name: "settings",
			ev:   audit.Evidence{Settings: []audit.Setting{authOpen, rtoOn}},
			want: "RequireSenderAuthenticationEnabled=false (default); ReportToOriginatorEnabled=true (set)",
		},
		{
			name: "count and members",
			ev: audit.Evidence{Count: 12, Members: []audit.MemberRef{
				{ID: "1", Address: "a@x.example", Name: "A"}, {ID: "2", Name: "Only Name"}, {ID: "3"},
			}},
			want: "count=12; members: a@x.example, Only Name, 3",
		},
		{
			name: "everything",
			ev:   audit.Evidence{Settings: []audit.Setting{oofOn}, Count: 1, Members: []audit.MemberRef{{ID: "1", Address: "b@y.example"}}, Groups: []string{"A", "B"}},
			want: "SendOofMessageToOriginatorEnabled=true (set); count=1; members: b@y.example; groups: A, B",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := evidenceSummary(tt.ev); got != tt.want {
				t.Errorf("evidenceSummary() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCellTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"setting set", settingText(authOpenSet), "false"},
		{"setting defaulted", settingText(authOpen), "false (default)"},
		{"direct member", viaText(nil), "(direct)"},
		{"nested member", viaText([]string{"Partners", "Vendors"}), "Partners > Vendors"},
		{"rule ids once each", ruleIDs([]audit.Finding{{Rule: "b"}, {Rule: "a"}, {Rule: "b"}}), "b, a"},
		{"no findings", ruleIDs(nil), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
