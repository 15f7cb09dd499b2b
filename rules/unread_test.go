package rules_test

import (
	"slices"
	"strings"
	"testing"

	"dgaudit/directory"
	dt "dgaudit/directory/directorytest"
)

// TestLoopRisksThroughUnreadNestedGroup: a nested group whose settings were
// not read is not taken for a stop, so the open group above it carries its
// loop findings, and they name the unread group a read might clear.
func TestLoopRisksThroughUnreadNestedGroup(t *testing.T) {
	t.Parallel()
	unread := func(g *directory.Group) { g.SettingsUnknown = true }
	snap := dt.New().Mailbox("o").
		Contact("x", "x@partner.example").Contact("y", "y@partner.example").Contact("z", "z@partner.example").
		Group("Inner", []string{"x", "y", "z"}, unread).
		Group("Outer", []string{"Inner", "o"}, dt.Open, dt.ReportsToOriginator, dt.OOFToOriginator, dt.Owner("o")).
		Snapshot()
	_, got := findingsOf(t, audited(t, snap), "Outer")
	for _, id := range []string{"ndr-loop-risk", "oof-storm-risk"} {
		f, ok := got[id]
		if !ok {
			t.Errorf("%s does not fire (fired: %v)", id, keys(got))
			continue
		}
		if !strings.Contains(f.Message, "3 external recipients") || !strings.Contains(f.Message, "could not be read: Inner") {
			t.Errorf("%s message %q does not count the 3 recipients or name Inner", id, f.Message)
		}
		if !slices.Equal(f.Evidence.Groups, []string{"Inner"}) {
			t.Errorf("%s evidence groups %v, want [Inner]", id, f.Evidence.Groups)
		}
	}
}
