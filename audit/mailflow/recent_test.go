package mailflow

import "testing"

// The table answers for the two keys last put in a pair of slots, and
// only for them: keys that share the pair, or share it and the tag, are
// told apart, and a third key drops the older of the two.
func TestRecent(t *testing.T) {
	r := newRecent[string](4)
	const pairMate = 5 + 4<<48 // same pair as 5, another tag
	const slotMate = 4         // same pair as 5, another key
	const tagMate = 5 + 1<<40  // same pair and tag as 5, another key
	if _, ok := r.get(0); ok {
		t.Fatal("empty table answered for key 0")
	}
	r.put(5, "five")
	for _, k := range []uint64{pairMate, tagMate, 1, 0} {
		if v, ok := r.get(k); ok {
			t.Fatalf("get(%#x) = %q, want nothing", k, v)
		}
	}
	if v, ok := r.get(5); !ok || v != "five" {
		t.Fatalf("get(5) = %q, %v", v, ok)
	}
	v, evicted := r.slot(tagMate)
	if evicted != "" || *v != "" {
		t.Fatalf("slot(tagMate) = %q, evicted %q: the pair had room", *v, evicted)
	}
	*v = "mate"
	if v, ok := r.get(5); !ok || v != "five" {
		t.Fatalf("get(5) = %q, %v after tagMate joined its pair", v, ok)
	}
	if v, evicted := r.slot(tagMate); *v != "mate" || evicted != "" {
		t.Fatalf("slot(tagMate) again = %q, evicted %q", *v, evicted)
	}
	r.put(slotMate, "four")
	if v, ok := r.get(5); ok {
		t.Fatalf("get(5) = %q: the oldest of three keys of a pair stayed", v)
	}
	for k, want := range map[uint64]string{tagMate: "mate", slotMate: "four"} {
		if v, ok := r.get(k); !ok || v != want {
			t.Fatalf("get(%#x) = %q, %v, want %q", k, v, ok, want)
		}
	}
	if _, evicted := r.slot(pairMate); evicted != "mate" {
		t.Fatalf("slot(pairMate) evicted %q, want the older mate", evicted)
	}
	if v, ok := r.take(slotMate); !ok || v != "four" {
		t.Fatalf("take = %q, %v", v, ok)
	}
	if _, ok := r.take(slotMate); ok {
		t.Fatal("take answered twice")
	}
	// With its second slot freed, a pair takes a new key and drops nothing.
	if _, evicted := r.slot(5); evicted != "" {
		t.Fatalf("slot(5) into a freed slot evicted %q", evicted)
	}
	if _, ok := r.get(pairMate); !ok {
		t.Fatal("pairMate dropped when 5 took the freed slot")
	}
	r.put(0, "zero")
	if v, ok := r.get(0); !ok || v != "zero" {
		t.Fatalf("get(0) = %q, %v", v, ok)
	}
}

// front keeps a key in use: a key fronted after another joined its pair
// outlives it when a third comes, where slot would have dropped it.
func TestRecentFront(t *testing.T) {
	r := newRecent[int](4)
	const a, b, c = 4, 4 + 1<<50, 4 + 2<<50 // one pair
	*r.front(a) = 1
	*r.front(b) = 2
	*r.front(a)++
	*r.front(c) = 3
	if _, ok := r.get(b); ok {
		t.Fatal("b, the key not used again, stayed")
	}
	for k, want := range map[uint64]int{a: 2, c: 3} {
		if v, ok := r.get(k); !ok || v != want {
			t.Errorf("get(%#x) = %d, %v; want %d", k, v, ok, want)
		}
	}
}
