package mailflow

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Held posts keep their latest values and a root's posts their earliest,
// sorted, two posts in one slot twice; a reporter's slots keep their earliest and
// latest, sorted and distinct; whatever order the values come in and
// however many repeat.
func TestPostSlotsKeepTheEarliestInAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, heldPerRoot, heldPerRoot + 1, 3 * heldPerRoot, perReporterSlots, perReporterSlots + 1, 5 * perReporterSlots, perRootPosts + 40} {
		var vals []int64
		for i := range n {
			vals = append(vals, int64(1000+7*i))
		}
		// Some values twice.
		vals = append(vals, vals[:n/3]...)
		all := slices.Sorted(slices.Values(vals))
		sorted := slices.Compact(slices.Clone(all))
		for range 20 {
			r.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
			var h heldPosts
			var s []int64
			var run reporterRun
			for _, v := range vals {
				h.add(v)
				s = insertEarliest(s, v, perRootPosts)
				run.add(v, 2, 1<<40, nil)
			}
			want := sorted
			if len(sorted) > perReporterSlots {
				want = append(slices.Clone(sorted[:perReporterSlots/2]), sorted[len(sorted)-perReporterSlots/2:]...)
			}
			if !slices.Equal(run.slots, want) || run.dropped != (len(sorted) > perReporterSlots) {
				t.Fatalf("%d values: a reporter's slots %v (dropped %v), want %v", n, run.slots, run.dropped, want)
			}
			// Each slot counts its reports (the first third came twice).
			for i, c := range run.counts {
				want := int32(1)
				if run.slots[i] < int64(1000+7*(n/3)) {
					want = 2
				}
				if c.reports != want || c.recipients != 2*want {
					t.Fatalf("%d values: slot %d counts %+v, want %d reports", n, run.slots[i], c, want)
				}
			}
			if want := all[max(len(all)-heldPerRoot, 0):]; !slices.Equal(h.at[:h.n], want) {
				t.Fatalf("%d values: held %v, want %v", n, h.at[:h.n], want)
			}
			if want := all[:min(len(all), perRootPosts)]; !slices.Equal(s, want) {
				t.Fatalf("%d values: posts %v, want %v", n, s, want)
			}
		}
	}
}

// A slot's counts stop at the largest int32 rather than wrap round.
func TestSlotCountsSaturate(t *testing.T) {
	var run reporterRun
	run.add(5, 1, 360, nil)
	run.counts[0] = slotCount{reports: math.MaxInt32, recipients: math.MaxInt32 - 1}
	run.add(5, 7, 360, nil)
	if c := run.counts[0]; c.reports != math.MaxInt32 || c.recipients != math.MaxInt32 {
		t.Errorf("counts %+v, want both at the largest int32", c)
	}
}
