package graphtest

import (
	"math/rand/v2"

	"dgaudit/directory"
)

// TopUp adds users to every non-dynamic group until it has between lo and
// hi members (drawn uniformly, the same for the same seed), so that a
// synthetic snapshot (about ten members per group) reaches the sizes of a
// benchmark tenant. Groups already larger keep their members.
func TopUp(s *directory.Snapshot, lo, hi int, seed uint64) *directory.Snapshot {
	if len(s.Users) == 0 || hi < lo {
		return s
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	for i := range s.Groups {
		g := &s.Groups[i]
		if g.Kind == directory.Dynamic {
			continue
		}
		in := make(map[string]bool, len(g.Members))
		for _, m := range g.Members {
			in[m] = true
		}
		want := min(lo+rng.IntN(hi-lo+1), len(s.Users))
		for len(g.Members) < want {
			u := s.Users[rng.IntN(len(s.Users))].ID
			if !in[u] {
				in[u] = true
				g.Members = append(g.Members, u)
			}
		}
	}
	s.Normalize()
	return s
}
