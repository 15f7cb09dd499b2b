package mailflow

import (
	"testing"
	"unsafe"
)

// The tables of recent messages hold Config.Window slots each, 65,536 by
// default: a field added to a slot's value costs that many times over, and
// its place in the cache. Their sizes stay as they are.
func TestSlotSizes(t *testing.T) {
	for _, s := range []struct {
		name      string
		got, want uintptr
	}{
		{"msgRef", unsafe.Sizeof(msgRef{}), 24},
		{"earlyRows", unsafe.Sizeof(earlyRows{}), 32},
		{"reentry", unsafe.Sizeof(reentry{}), 16},
		// Written on every SUBMIT row, the subject's key beside the time.
		{"sentSlot", unsafe.Sizeof(sentSlot{}), 16},
	} {
		if s.got != s.want {
			t.Errorf("%s is %d bytes, want %d", s.name, s.got, s.want)
		}
	}
}
