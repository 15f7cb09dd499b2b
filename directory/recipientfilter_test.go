package directory_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

func TestRejectsUnknownRecipients(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    directory.RecipientFilter
		want bool
	}{
		{"object absent", directory.RecipientFilter{}, false},
		{"flags absent: default 3, no validation", directory.RecipientFilter{Present: true}, false},
		{"validation on, rest default", directory.RecipientFilter{Present: true, RecipientValidationEnabled: directory.True}, true},
		{"all on", directory.RecipientFilter{Present: true, Enabled: directory.True, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.True}, true},
		{"validation on, agent disabled", directory.RecipientFilter{Present: true, Enabled: directory.False, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.True}, false},
		{"validation on, external mail off", directory.RecipientFilter{Present: true, Enabled: directory.True, ExternalMailEnabled: directory.False, RecipientValidationEnabled: directory.True}, false},
		{"validation off", directory.RecipientFilter{Present: true, Enabled: directory.True, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.False}, false},
	}
	for _, tc := range tests {
		if got := tc.f.RejectsUnknownRecipients(); got != tc.want {
			t.Errorf("%s: RejectsUnknownRecipients = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Not read (nil), read and absent, and read with a value are three different
// files, and each survives a round trip.
func TestRecipientFilterRoundTrip(t *testing.T) {
	t.Parallel()
	flags := int64(3)
	tests := []struct {
		name     string
		f        *directory.RecipientFilter
		contains string
		absent   bool
	}{
		{"not read", nil, `"recipientFilter"`, true},
		{"object absent", &directory.RecipientFilter{}, `"recipientFilter": {
      "present": false
    }`, false},
		{"read", &directory.RecipientFilter{Present: true, AgentsFlags: &flags, Enabled: directory.True, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.False},
			`"recipientValidationEnabled": false`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &directory.Snapshot{Source: "test", CollectedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			s.Org.RecipientFilter = tc.f
			var buf bytes.Buffer
			if err := s.Write(&buf); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(buf.String(), tc.contains); got == tc.absent {
				t.Errorf("file contains %q = %v, want %v:\n%s", tc.contains, got, !tc.absent, buf.String())
			}
			back, err := directory.Decode(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.f, back.Org.RecipientFilter); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecipientFilterValidate(t *testing.T) {
	t.Parallel()
	_, err := directory.Decode([]byte(`{"schemaVersion": 1, "organization": {"recipientFilter": {"present": false, "recipientValidationEnabled": true}}}`))
	if err == nil || !strings.Contains(err.Error(), "organization.recipientFilter: present is false") {
		t.Errorf("err = %v, want the absent object with settings rejected", err)
	}
	if _, err := directory.Decode([]byte(`{"schemaVersion": 1, "source": "test", "collectedAt": "2026-01-01T00:00:00Z", "organization": {"recipientFilter": {"present": true, "agentsFlags": 2051, "recipientValidationEnabled": true}}, "groups": [], "users": [], "contacts": [], "coverage": {}}`)); err != nil {
		t.Errorf("valid recipient filter rejected: %v", err)
	}
}
