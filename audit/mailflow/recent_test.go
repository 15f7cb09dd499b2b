package mailflow

import "testing"

// The table answers for the key last put in a slot, and only for it: keys
// that share the slot, or share the slot and the tag, are told apart.
func TestRecent(t *testing.T) {
	r := newRecent[string](4)
	const slotMate = 5 + 4<<48 // same slot as 5, another tag
	const tagMate = 5 + 1<<40  // same slot and tag as 5, another key
	if _, ok := r.get(0); ok {
		t.Fatal("empty table answered for key 0")
	}
	r.put(5, "five")
	for _, k := range []uint64{slotMate, tagMate, 1, 0} {
		if v, ok := r.get(k); ok {
			t.Fatalf("get(%#x) = %q, want nothing", k, v)
		}
	}
	if v, ok := r.get(5); !ok || v != "five" {
		t.Fatalf("get(5) = %q, %v", v, ok)
	}
	v, evicted := r.slot(tagMate)
	if evicted != "five" || *v != "" {
		t.Fatalf("slot(tagMate) = %q, evicted %q", *v, evicted)
	}
	*v = "mate"
	if _, ok := r.get(5); ok {
		t.Fatal("5 still answered after its slot was taken over")
	}
	if v, evicted := r.slot(tagMate); *v != "mate" || evicted != "" {
		t.Fatalf("slot(tagMate) again = %q, evicted %q", *v, evicted)
	}
	if v, ok := r.take(tagMate); !ok || v != "mate" {
		t.Fatalf("take = %q, %v", v, ok)
	}
	if _, ok := r.take(tagMate); ok {
		t.Fatal("take answered twice")
	}
	r.put(0, "zero")
	if v, ok := r.get(0); !ok || v != "zero" {
		t.Fatalf("get(0) = %q, %v", v, ok)
	}
}
