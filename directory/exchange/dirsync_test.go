package exchange_test

import (
	"context"
	"fmt"
	"testing"

	"dgaudit/directory/exchange"
	"dgaudit/directory/exchange/exotest"
)

// TestIsDirSynced: Exchange Online refuses to change a group synchronized
// from on premises, so IsDirSynced must reach the model; an export without
// the property (an older script's) reads as a cloud group.
func TestIsDirSynced(t *testing.T) {
	t.Parallel()
	absent := struct{}{}
	tests := []struct {
		name  string
		value any
		want  bool
	}{
		{"true", true, true},
		{"false", false, false},
		{"absent", absent, false},
		{"null", nil, false},
	}
	for _, tt := range tests {
		for _, f := range []exotest.Format{exotest.JSON, exotest.CSV} {
			t.Run(fmt.Sprintf("%s/%s", tt.name, f), func(t *testing.T) {
				t.Parallel()
				org := exotest.Shape(demoSnapshot(t), true)
				obj := org.Cmdlets[exchange.CmdDistributionGroup][0]
				id, _ := obj["ExternalDirectoryObjectId"].(string)
				for _, o := range org.Cmdlets[exchange.CmdDistributionGroup] {
					if tt.value == absent {
						delete(o, "IsDirSynced")
					} else {
						o["IsDirSynced"] = false
					}
				}
				if tt.value != absent {
					obj["IsDirSynced"] = tt.value
				}
				dir := t.TempDir()
				if err := org.WriteExport(dir, f); err != nil {
					t.Fatal(err)
				}
				snap, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, g := range snap.Groups {
					if g.ID == id {
						found = true
						if g.DirSynced != tt.want {
							t.Errorf("group %s: DirSynced = %v, want %v", id, g.DirSynced, tt.want)
						}
					} else if g.DirSynced {
						t.Errorf("group %s: DirSynced set, but its export says not", g.ID)
					}
				}
				if !found {
					t.Fatalf("group %s not read", id)
				}
			})
		}
	}
}
