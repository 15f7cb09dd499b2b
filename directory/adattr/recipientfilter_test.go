package adattr

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
)

func TestMapRecipientFilter(t *testing.T) {
	t.Parallel()
	T, F := directory.True, directory.False
	flags := func(v int64) *int64 { return &v }
	tests := []struct {
		value string
		want  directory.RecipientFilter
	}{
		// Absent: Exchange's default 3 applies, and the model's defaults
		// for unset switches say the same.
		{"", directory.RecipientFilter{Present: true}},
		{"3", directory.RecipientFilter{Present: true, AgentsFlags: flags(3), Enabled: T, ExternalMailEnabled: T, RecipientValidationEnabled: F}},
		{"2051", directory.RecipientFilter{Present: true, AgentsFlags: flags(2051), Enabled: T, ExternalMailEnabled: T, RecipientValidationEnabled: T}},
		{"2050", directory.RecipientFilter{Present: true, AgentsFlags: flags(2050), Enabled: F, ExternalMailEnabled: T, RecipientValidationEnabled: T}},
		// Every other bit (internal mail, block list, blank senders) is
		// kept in the raw value but changes none of the three switches.
		{"5124", directory.RecipientFilter{Present: true, AgentsFlags: flags(5124), Enabled: F, ExternalMailEnabled: F, RecipientValidationEnabled: F}},
	}
	for _, tt := range tests {
		t.Run("value="+tt.value, func(t *testing.T) {
			t.Parallel()
			lines := []string{"objectClass: " + RecipientFilterClass, "cn: RecipientFilterConfig"}
			if tt.value != "" {
				lines = append(lines, "msExchAgentsFlags: "+tt.value)
			}
			got, err := MapRecipientFilter(entry(t, "CN=RecipientFilterConfig,CN=Message Hygiene", lines...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	def, _ := MapRecipientFilter(entry(t, "CN=R", "objectClass: "+RecipientFilterClass))
	explicit, _ := MapRecipientFilter(entry(t, "CN=R", "objectClass: "+RecipientFilterClass, "msExchAgentsFlags: 3"))
	if def.RejectsUnknownRecipients() != explicit.RejectsUnknownRecipients() || def.Enabled.Or(directory.DefaultRecipientFilterEnabled) != explicit.Enabled.Or(false) ||
		def.ExternalMailEnabled.Or(directory.DefaultRecipientFilterExternalMail) != explicit.ExternalMailEnabled.Or(false) ||
		def.RecipientValidationEnabled.Or(directory.DefaultRecipientValidation) != explicit.RecipientValidationEnabled.Or(true) {
		t.Errorf("absent attribute does not read like the default 3: %+v vs %+v", def, explicit)
	}
}

// The builder puts the object into the organization; a value that does not
// parse leaves the setting unread and records a gap, never "off".
func TestBuilderRecipientFilter(t *testing.T) {
	t.Parallel()
	b := NewBuilder("test")
	b.Add(entry(t, "CN=RecipientFilterConfig,CN=Message Hygiene", "objectClass: "+RecipientFilterClass, "msExchAgentsFlags: 3"))
	s := b.Finish(time.Unix(0, 0))
	if f := s.Org.RecipientFilter; f == nil || !f.Present || f.RecipientValidationEnabled != directory.False {
		t.Errorf("RecipientFilter = %+v, want present with validation off", f)
	}

	b = NewBuilder("test")
	b.Add(entry(t, "CN=RecipientFilterConfig,CN=Message Hygiene", "objectClass: "+RecipientFilterClass, "msExchAgentsFlags: lots"))
	s = b.Finish(time.Unix(0, 0))
	if s.Org.RecipientFilter != nil {
		t.Errorf("RecipientFilter = %+v, want nil (not read)", s.Org.RecipientFilter)
	}
	want := []directory.Gap{{What: directory.CoverRecipientFilter, Object: "CN=RecipientFilterConfig,CN=Message Hygiene",
		Reason: `recipient filter configuration "CN=RecipientFilterConfig,CN=Message Hygiene": attribute msExchAgentsFlags is "lots", not an integer`}}
	if diff := cmp.Diff(want, s.Coverage.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
}
