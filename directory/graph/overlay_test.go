package graph_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/graph"
	"dgaudit/directory/graph/graphtest"
)

// sourceFunc adapts a function to directory.Source, standing in for the
// Exchange Online client.
type sourceFunc func(context.Context) (*directory.Snapshot, error)

func (f sourceFunc) Snapshot(ctx context.Context) (*directory.Snapshot, error) { return f(ctx) }

// With an Exchange source that knows the whole demo organization (IDs are
// Entra object IDs), the merged snapshot carries every setting of the
// original: nothing Graph left unknown stays unknown.
func TestExchangeOverlay(t *testing.T) {
	t.Parallel()
	src := demoSnapshot(t)
	srv := graphtest.New(src, graphtest.Options{})
	defer srv.Close()
	cfg := config(srv)
	cfg.Exchange = sourceFunc(func(ctx context.Context) (*directory.Snapshot, error) {
		return demoSnapshot(t), nil
	})
	snap, err := read(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if gaps := gapsOf(snap); len(gaps) != 0 {
		t.Errorf("gaps with Exchange present: %v", gaps)
	}
	if len(snap.Groups) != len(src.Groups) {
		t.Errorf("%d groups, want %d (dynamic groups come from Exchange)", len(snap.Groups), len(src.Groups))
	}
	byID := map[string]directory.Group{}
	for _, g := range snap.Groups {
		byID[g.ID] = g
	}
	settings := func(g directory.Group) []any {
		auth := any(g.RequireSenderAuth)
		if g.Kind == directory.Microsoft365 {
			// Graph's allowExternalSenders is always definite; the
			// demo may leave it to the default.
			auth = g.EffectiveRequireSenderAuth()
		}
		return []any{g.Kind, auth, g.ReportToOriginator, g.ReportToManager, g.OOFToOriginator,
			g.Moderation, g.ManagedBy, g.AcceptOnlyFrom, g.AcceptOnlyFromMembersOf, g.HiddenFromGAL}
	}
	for _, w := range src.Groups {
		g, ok := byID[w.ID]
		if !ok {
			t.Errorf("group %s (%s) missing", w.Name, w.ID)
			continue
		}
		if diff := cmp.Diff(settings(w), settings(g)); diff != "" {
			t.Errorf("%s settings (-exchange +merged):\n%s", w.Name, diff)
		}
	}
	if diff := cmp.Diff(src.Org.RemoteDomains, snap.Org.RemoteDomains); diff != "" {
		t.Errorf("remote domains (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(src.Org.AcceptedDomains, snap.Org.AcceptedDomains); diff != "" {
		t.Errorf("accepted domains should carry Exchange's types (-want +got):\n%s", diff)
	}
}

func TestExchangeFailureIsAGap(t *testing.T) {
	t.Parallel()
	srv := graphtest.New(demoSnapshot(t), graphtest.Options{})
	defer srv.Close()
	cfg := config(srv)
	cfg.Exchange = sourceFunc(func(context.Context) (*directory.Snapshot, error) {
		return nil, errors.New("exchange: InvokeCommand: HTTP 403: the application has no Exchange role")
	})
	snap, err := read(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{directory.CoverRemoteDomains, graph.GapDynamicGroups, graph.GapExchange, graph.GapDeliverySettings}
	if diff := cmp.Diff(sortedCopy(want), gapsOf(snap)); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	for _, g := range snap.Coverage.Gaps {
		if g.What == graph.GapExchange && !strings.Contains(g.Reason, "no Exchange role") {
			t.Errorf("exchange gap hides the cause: %q", g.Reason)
		}
	}
	for _, g := range snap.Groups {
		if !g.SettingsUnknown {
			t.Errorf("group %s: settings not marked unknown though Exchange failed", g.Name)
		}
	}
}

// Graph alone does not read delivery settings: every group says so, and a
// group Exchange Online did not return keeps them unknown while the rest
// take Exchange's.
func TestSettingsUnknownWithoutExchange(t *testing.T) {
	t.Parallel()
	src := demoSnapshot(t)
	srv := graphtest.New(src, graphtest.Options{})
	defer srv.Close()
	snap, err := read(t, config(srv))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Groups) == 0 {
		t.Fatal("no groups read")
	}
	for _, g := range snap.Groups {
		if !g.SettingsUnknown {
			t.Errorf("no Exchange source: group %s settings not marked unknown", g.Name)
		}
	}

	var missing string
	cfg := config(srv)
	cfg.Exchange = sourceFunc(func(ctx context.Context) (*directory.Snapshot, error) {
		exo := demoSnapshot(t)
		for i, g := range exo.Groups {
			if g.Kind == directory.Distribution {
				missing = g.ID
				exo.Groups = slices.Delete(exo.Groups, i, i+1)
				break
			}
		}
		return exo, nil
	})
	snap, err = read(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if missing == "" {
		t.Fatal("the demo has no distribution group to leave out")
	}
	for _, g := range snap.Groups {
		if g.SettingsUnknown != (g.ID == missing) {
			t.Errorf("group %s: settingsUnknown %v, want it only on the group Exchange did not return", g.Name, g.SettingsUnknown)
		}
	}
}

// The token function hands the Exchange client a token from the same
// sign-in, for the Exchange scope.
func TestTokenFunc(t *testing.T) {
	t.Parallel()
	srv := graphtest.New(demoSnapshot(t), graphtest.Options{})
	defer srv.Close()
	cfg := config(srv)
	src, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Tokens().Func(src.Endpoints().ExchangeScope)(context.Background())
	if err != nil || !strings.HasPrefix(tok, "emulated-token-") {
		t.Errorf("token %q, %v", tok, err)
	}
	cfg.ClientSecret = "wrong"
	bad, err := graph.NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Func("https://outlook.office365.com/.default")(context.Background())
	if !errors.Is(err, graph.ErrAuth) || !strings.Contains(err.Error(), "outlook.office365.com") {
		t.Errorf("error %v, want ErrAuth naming the scope", err)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestDirSynced: a group synchronized from on premises cannot be changed in
// Exchange Online, so whichever side says so (Graph's
// onPremisesSyncEnabled, Exchange's IsDirSynced) marks it; Graph's null for
// a cloud group does not.
func TestDirSynced(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		graph, exchange    bool
		withExchange, want bool
	}{
		{"graph alone, synchronized", true, false, false, true},
		{"graph alone, cloud group", false, false, false, false},
		{"graph and exchange agree", true, true, true, true},
		{"exchange alone says so", false, true, true, true},
		{"neither", false, false, true, false},
	}
	// mark sets DirSynced on the demo's first distribution list and
	// returns its ID.
	mark := func(s *directory.Snapshot, on bool) string {
		for i := range s.Groups {
			if s.Groups[i].Kind == directory.Distribution && s.Groups[i].Mail != "" {
				s.Groups[i].DirSynced = on
				return s.Groups[i].ID
			}
		}
		t.Fatal("the demo has no distribution list")
		return ""
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := demoSnapshot(t)
			id := mark(src, tt.graph)
			srv := graphtest.New(src, graphtest.Options{})
			defer srv.Close()
			cfg := config(srv)
			if tt.withExchange {
				cfg.Exchange = sourceFunc(func(ctx context.Context) (*directory.Snapshot, error) {
					exo := demoSnapshot(t)
					mark(exo, tt.exchange)
					return exo, nil
				})
			}
			snap, err := read(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range snap.Groups {
				if want := tt.want && g.ID == id; g.DirSynced != want {
					t.Errorf("group %s (%s): DirSynced = %v, want %v", g.Name, g.ID, g.DirSynced, want)
				}
			}
		})
	}
}
