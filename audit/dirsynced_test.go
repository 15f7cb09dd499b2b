package audit_test

import (
	"context"
	"testing"

	"dgaudit/audit"
	dt "dgaudit/directory/directorytest"
)

// A group synchronized from on premises says so in its result: remediate
// reads it from the report to send the fix to the on-premises directory.
func TestDirSyncedReachesTheResult(t *testing.T) {
	t.Parallel()
	snap := dt.New().Mailbox("o").Group("Synced", []string{"o"}, dt.Owner("o")).Group("Cloud", []string{"o"}, dt.Owner("o")).Snapshot()
	for i := range snap.Groups {
		snap.Groups[i].DirSynced = snap.Groups[i].Name == "Synced"
	}
	rep, err := audit.Run(context.Background(), snap, nil, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range rep.Groups {
		if want := g.Name == "Synced"; g.DirSynced != want {
			t.Errorf("%s: DirSynced = %v, want %v", g.Name, g.DirSynced, want)
		}
	}
	if len(rep.Groups) != 2 {
		t.Fatalf("%d groups audited, want 2", len(rep.Groups))
	}
}
