package reports

import (
	"bytes"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/directory"
)

// A group whose delivery settings were not read says so in both formats
// instead of showing Exchange's defaults.
func TestSettingsUnknownShown(t *testing.T) {
	t.Parallel()
	rep := testReport()
	g := &rep.Groups[len(rep.Groups)-1]
	g.SettingsUnknown, g.Incomplete = true, true
	g.Settings = audit.SettingsOf(&directory.Group{SettingsUnknown: true, ManagedBy: []string{"someone"}})

	var buf bytes.Buffer
	if err := (JSON{}).Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	groups := decode(t, buf.Bytes()).(map[string]any)["groups"].([]any)
	last := groups[len(groups)-1].(map[string]any)
	settings := last["settings"].(map[string]any)
	got := []any{last["settingsUnknown"], settings["deliveryReportsTo"],
		settings["requireSenderAuth"].(map[string]any)["value"], settings["oofToOriginator"].(map[string]any)["source"]}
	if diff := cmp.Diff([]any{true, "unknown", "unknown", "unknown"}, got); diff != "" {
		t.Errorf("JSON settingsUnknown, deliveryReportsTo, requireSenderAuth value, oofToOriginator source (-want +got):\n%s", diff)
	}
	if hasKey(groups[0], "settingsUnknown") {
		t.Error("settingsUnknown written for a group whose settings were read")
	}

	f, _ := writeXLSX(t, rep)
	r := rows(t, f, "Groups")
	col := func(title string) int { return slices.Index(columnTitles(groupColumns), title) }
	row := r[len(r)-1]
	for _, title := range []string{"Require sender auth", "Delivery reports to", "OOF to originator", "Moderation", "Owners"} {
		if row[col(title)] != "unknown" {
			t.Errorf("Groups sheet %s = %q, want unknown", title, row[col(title)])
		}
	}
	if row[col("Incomplete")] != "yes" {
		t.Errorf("Groups sheet Incomplete = %q, want yes", row[col("Incomplete")])
	}
}
