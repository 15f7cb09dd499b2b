package mailflow

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Held posts and a root's slots keep their earliest values, sorted and
// distinct, whatever order the values come in and however many repeat.
func TestPostSlotsKeepTheEarliestInAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, heldPerRoot, heldPerRoot + 1, 3 * heldPerRoot, perRootPosts + 40} {
		var vals []int64
		for i := range n {
			vals = append(vals, int64(1000+7*i))
		}
		// Some values twice.
		vals = append(vals, vals[:n/3]...)
		sorted := slices.Sorted(slices.Values(vals))
		sorted = slices.Compact(sorted)
		for range 20 {
			r.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
			var h heldPosts
			var s []int64
			for _, v := range vals {
				h.add(v)
				s = insertEarliest(s, v, perRootPosts)
			}
			if want := sorted[:min(len(sorted), heldPerRoot)]; !slices.Equal(h.at[:h.n], want) {
				t.Fatalf("%d values: held %v, want %v", n, h.at[:h.n], want)
			}
			if want := sorted[:min(len(sorted), perRootPosts)]; !slices.Equal(s, want) {
				t.Fatalf("%d values: slots %v, want %v", n, s, want)
			}
		}
	}
}
