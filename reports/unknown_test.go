package reports

import (
	"bytes"
	"slices"
	"strings"
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
	if row[col("Incomplete")] != "settings" {
		t.Errorf("Groups sheet Incomplete = %q, want settings", row[col("Incomplete")])
	}
}

// TestIncompleteSaysWhy: an incomplete group says which part was not read,
// in the JSON (membersIncomplete beside settingsUnknown,
// nestedSettingsUnknown and ownerUnknown) and on the Groups sheet, and
// reading the report back keeps ownerUnknown and tells a group whose settings
// (its own or a nested group's) or first owner alone were unread from one
// whose membership, and so its external recipients, was.
func TestIncompleteSaysWhy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		members, settings bool
		nested            []string
		owner             bool
		cell              string
		membersUnread     bool
	}{
		{"read in full", false, false, nil, false, "no", false},
		{"membership unread", true, false, nil, false, "membership", true},
		{"settings unread", false, true, nil, false, "settings", false},
		{"both unread", true, true, nil, false, "membership, settings", true},
		{"nested settings unread", false, false, []string{"Inner"}, false, "nested settings", false},
		{"membership and nested settings unread", true, false, []string{"Inner"}, false, "membership, nested settings", true},
		{"owner unread", false, false, nil, true, "owner", false},
		{"membership and owner unread", true, false, nil, true, "membership, owner", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := testReport()
			g := &rep.Groups[len(rep.Groups)-1]
			g.MembersIncomplete, g.SettingsUnknown, g.NestedSettingsUnknown = tt.members, tt.settings, tt.nested
			g.OwnerUnknown = tt.owner
			g.Incomplete = tt.members || tt.settings || tt.nested != nil || tt.owner
			if tt.settings {
				g.Settings = audit.SettingsOf(&directory.Group{SettingsUnknown: true})
			}

			var buf bytes.Buffer
			if err := (JSON{}).Write(&buf, rep); err != nil {
				t.Fatal(err)
			}
			groups := decode(t, buf.Bytes()).(map[string]any)["groups"].([]any)
			last := groups[len(groups)-1].(map[string]any)
			if want := tt.members || tt.settings || tt.nested != nil || tt.owner; last["incomplete"] != want {
				t.Errorf("JSON incomplete = %v, want %v", last["incomplete"], want)
			}
			if last["membersIncomplete"] != tt.members {
				t.Errorf("JSON membersIncomplete = %v, want %v", last["membersIncomplete"], tt.members)
			}
			var nested []string
			if list, ok := last["nestedSettingsUnknown"].([]any); ok {
				for _, n := range list {
					nested = append(nested, n.(string))
				}
			}
			if diff := cmp.Diff(tt.nested, nested); diff != "" || hasKey(last, "nestedSettingsUnknown") != (tt.nested != nil) {
				t.Errorf("JSON nestedSettingsUnknown (-want +got):\n%s", diff)
			}
			// Omitted when false, as nestedSettingsUnknown when empty.
			if got, ok := last["ownerUnknown"]; ok != tt.owner || ok && got != true {
				t.Errorf("JSON ownerUnknown = %v (present %v), want present and true only when %v", got, ok, tt.owner)
			}

			read, err := ReadJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			rg := read.Groups[len(read.Groups)-1]
			if rg.OwnerUnknown != tt.owner || rg.Incomplete != g.Incomplete {
				t.Errorf("read back: OwnerUnknown %v, Incomplete %v, want %v, %v", rg.OwnerUnknown, rg.Incomplete, tt.owner, g.Incomplete)
			}
			if got := rg.MembersUnread(); got != tt.membersUnread {
				t.Errorf("read back: MembersUnread = %v, want %v", got, tt.membersUnread)
			}

			f, _ := writeXLSX(t, rep)
			r := rows(t, f, "Groups")
			col := slices.Index(columnTitles(groupColumns), "Incomplete")
			if got := r[len(r)-1][col]; got != tt.cell {
				t.Errorf("Groups sheet Incomplete = %q, want %q", got, tt.cell)
			}
		})
	}
}

// TestMembersUnreadOlderReport: a report from before membersIncomplete says
// only incomplete. With settingsUnknown that may be the settings alone or the
// membership too, so the membership counts as unread; without it the
// membership was the part missing. A flag contradicting incomplete does not
// make a short list whole either.
func TestMembersUnreadOlderReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		group string
		want  bool
	}{
		{"older, read in full", `"incomplete": false`, false},
		{"older, incomplete with settings unknown", `"incomplete": true, "settingsUnknown": true`, true},
		{"older, incomplete", `"incomplete": true`, true},
		{"newer, settings alone", `"incomplete": true, "membersIncomplete": false, "settingsUnknown": true`, false},
		{"newer, nested settings alone", `"incomplete": true, "membersIncomplete": false, "nestedSettingsUnknown": ["Inner"]`, false},
		{"newer, first owner alone", `"incomplete": true, "membersIncomplete": false, "ownerUnknown": true`, false},
		{"newer, membership", `"incomplete": true, "membersIncomplete": true`, true},
		{"newer, incomplete without a reason", `"incomplete": true, "membersIncomplete": false`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := `{"schemaVersion": 1, "tool": "dgaudit test", "groups": [{"id": "g1", ` + tt.group + `}]}`
			rep, err := ReadJSON(strings.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Groups[0].MembersUnread(); got != tt.want {
				t.Errorf("MembersUnread = %v, want %v", got, tt.want)
			}
		})
	}
}
