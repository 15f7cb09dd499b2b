package adattr

import (
	"encoding/binary"
	"strings"
	"testing"

	"dgaudit/directory"
)

// testACE describes one ACE for sd below.
type testACE struct {
	typ, flags byte
	mask       uint32
	object     *GUID // object ACEs: the object type, or nil for none
	inherited  bool  // object ACEs: add an inherited object type (zero unless inheritedType)
	// inheritedType is the inherited object type when inherited is set.
	inheritedType *GUID
	sid           []byte
}

// sid encodes a SID with authority auth and the sub-authorities.
func sid(auth byte, subs ...uint32) []byte {
	b := []byte{1, byte(len(subs)), 0, 0, 0, 0, 0, auth}
	for _, s := range subs {
		b = binary.LittleEndian.AppendUint32(b, s)
	}
	return b
}

var (
	sidAnon     = sid(5, 7)
	sidEveryone = sid(1, 0)
	sidAdmins   = sid(5, 32, 544)
)

// sd builds a self-relative security descriptor with an owner SID, then a
// DACL of aces.
func sd(aces ...testACE) []byte {
	owner := sidAdmins
	var acl []byte
	for _, a := range aces {
		body := binary.LittleEndian.AppendUint32(nil, a.mask)
		if a.typ == aceAccessAllowedObject || a.typ == aceAccessDeniedObject {
			var flags uint32
			if a.object != nil {
				flags |= objectTypePresent
			}
			if a.inherited {
				flags |= inheritedObjectTypePresent
			}
			body = binary.LittleEndian.AppendUint32(body, flags)
			if a.object != nil {
				body = append(body, a.object[:]...)
			}
			if a.inherited {
				var g GUID
				if a.inheritedType != nil {
					g = *a.inheritedType
				}
				body = append(body, g[:]...)
			}
		}
		body = append(body, a.sid...)
		acl = append(acl, a.typ, a.flags)
		acl = binary.LittleEndian.AppendUint16(acl, uint16(4+len(body)))
		acl = append(acl, body...)
	}
	hdr := []byte{4, 0}
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(8+len(acl)))
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(aces)))
	hdr = append(hdr, 0, 0)
	out := []byte{1, 0}
	out = binary.LittleEndian.AppendUint16(out, seSelfRelative|seDACLPresent)
	out = binary.LittleEndian.AppendUint32(out, 20)                    // owner
	out = binary.LittleEndian.AppendUint32(out, 0)                     // group
	out = binary.LittleEndian.AppendUint32(out, 0)                     // SACL
	out = binary.LittleEndian.AppendUint32(out, uint32(20+len(owner))) // DACL
	out = append(out, owner...)
	return append(append(out, hdr...), acl...)
}

func mustGUID(t testing.TB, s string) GUID {
	t.Helper()
	g, err := ParseGUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// The binary layout swaps the first three fields: Send-As's well-known
// rightsGuid ab721a54-1e2f-11d0-9819-00aa0040529b is stored as
// 54 1a 72 ab 2f 1e d0 11 98 19 00 aa 00 40 52 9b.
func TestParseGUID(t *testing.T) {
	t.Parallel()
	g := mustGUID(t, "{AB721A54-1E2F-11D0-9819-00AA0040529B}")
	want := GUID{0x54, 0x1a, 0x72, 0xab, 0x2f, 0x1e, 0xd0, 0x11, 0x98, 0x19, 0x00, 0xaa, 0x00, 0x40, 0x52, 0x9b}
	if g != want {
		t.Errorf("ParseGUID = % x, want % x", g[:], want[:])
	}
	if s := g.String(); s != "ab721a54-1e2f-11d0-9819-00aa0040529b" {
		t.Errorf("String = %s", s)
	}
	for _, bad := range []string{"", "ab721a54-1e2f-11d0-9819", "ab721a54-1e2f-11d0-9819-00aa0040529", "zb721a54-1e2f-11d0-9819-00aa0040529b", "ab721a541e2f11d0981900aa0040529b"} {
		if _, err := ParseGUID(bad); err == nil {
			t.Errorf("ParseGUID(%q) succeeded", bad)
		}
	}
}

func TestParseSID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []byte
		want string
	}{
		{sidAnon, "S-1-5-7"},
		{sidEveryone, "S-1-1-0"},
		{sid(5, 21, 1004336348, 1177238915, 682003330, 512), "S-1-5-21-1004336348-1177238915-682003330-512"},
		{[]byte{1, 0, 1, 0, 0, 0, 0, 0}, "S-1-0x010000000000"},
	}
	for _, tt := range tests {
		got, err := ParseSID(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSID(% x) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range [][]byte{nil, {1, 1, 0, 0, 0, 0, 0, 5}, {2, 0, 0, 0, 0, 0, 0, 5}, {1, 16, 0, 0, 0, 0, 0, 5}} {
		if _, err := ParseSID(bad); err == nil {
			t.Errorf("ParseSID(% x) succeeded", bad)
		}
	}
}

func TestControlAccessGrant(t *testing.T) {
	t.Parallel()
	relay := mustGUID(t, "0c1c5d3a-6f2e-4b5a-9d1e-3a7b2c4d5e6f")
	submit := mustGUID(t, "5d1f2a8e-1b3c-4d6e-8f90-a1b2c3d4e5f6")
	allowObj := func(s []byte, g *GUID, mask uint32) testACE {
		return testACE{typ: aceAccessAllowedObject, mask: mask, object: g, sid: s}
	}
	denyObj := func(s []byte, g *GUID) testACE {
		return testACE{typ: aceAccessDeniedObject, mask: rightControlAccess, object: g, sid: s}
	}
	tests := []struct {
		name string
		aces []testACE
		want string // granted SID, "" for none
	}{
		{"empty DACL", nil, ""},
		{"anonymous: accept any recipient", []testACE{allowObj(sidAnon, &relay, rightControlAccess)}, "S-1-5-7"},
		{"everyone: accept any recipient", []testACE{allowObj(sidEveryone, &relay, rightControlAccess)}, "S-1-1-0"},
		{"anonymous: submit only", []testACE{allowObj(sidAnon, &submit, rightControlAccess)}, ""},
		{"admins: accept any recipient", []testACE{allowObj(sidAdmins, &relay, rightControlAccess)}, ""},
		{"object ACE without object type: every extended right", []testACE{allowObj(sidAnon, nil, rightControlAccess)}, "S-1-5-7"},
		{"object ACE with inherited object type still applies to the object", []testACE{{typ: aceAccessAllowedObject, mask: rightControlAccess, object: &relay, inherited: true, sid: sidAnon}}, "S-1-5-7"},
		{"right GUID but only read property", []testACE{allowObj(sidAnon, &relay, 0x10)}, ""},
		{"plain ACE with control access", []testACE{{typ: aceAccessAllowed, mask: rightControlAccess, sid: sidAnon}}, "S-1-5-7"},
		{"plain ACE with generic all", []testACE{{typ: aceAccessAllowed, mask: rightGenericAll, sid: sidEveryone}}, "S-1-1-0"},
		{"plain ACE, full control as stored (0xF01FF)", []testACE{{typ: aceAccessAllowed, mask: 0xF01FF, sid: sidAnon}}, "S-1-5-7"},
		{"plain ACE read only", []testACE{{typ: aceAccessAllowed, mask: 0x20094, sid: sidAnon}}, ""},
		{"inherit-only does not apply to the connector", []testACE{{typ: aceAccessAllowedObject, flags: aceInheritOnly, mask: rightControlAccess, object: &relay, sid: sidAnon}}, ""},
		{"deny before allow: not granted", []testACE{denyObj(sidAnon, &relay), allowObj(sidAnon, &relay, rightControlAccess)}, ""},
		{"plain deny before allow: not granted", []testACE{{typ: aceAccessDenied, mask: rightControlAccess, sid: sidAnon}, allowObj(sidAnon, &relay, rightControlAccess)}, ""},
		{"allow before deny: granted (first match wins)", []testACE{allowObj(sidAnon, &relay, rightControlAccess), denyObj(sidAnon, &relay)}, "S-1-5-7"},
		{"deny of another right does not cancel", []testACE{denyObj(sidAnon, &submit), allowObj(sidAnon, &relay, rightControlAccess)}, "S-1-5-7"},
		{"deny to everyone does not cancel anonymous", []testACE{denyObj(sidEveryone, &relay), allowObj(sidAnon, &relay, rightControlAccess)}, "S-1-5-7"},
		{"deny anonymous, allow everyone", []testACE{denyObj(sidAnon, &relay), allowObj(sidEveryone, &relay, rightControlAccess)}, "S-1-1-0"},
		{"audit ACE type ignored", []testACE{{typ: 0x02, mask: rightControlAccess, sid: sidAnon}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := ParseDACL(sd(tt.aces...))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.ACEs) != len(tt.aces) {
				t.Fatalf("%d ACEs parsed, want %d", len(d.ACEs), len(tt.aces))
			}
			g := d.ControlAccessGrant(relay, directory.SIDAnonymous, directory.SIDEveryone)
			if g.SID != tt.want || g.NullDACL {
				t.Errorf("grant = %+v, want %q", g, tt.want)
			}
		})
	}
}

func TestParseDACLNull(t *testing.T) {
	t.Parallel()
	b := sd()
	binary.LittleEndian.PutUint16(b[2:], seSelfRelative) // DACL not present
	d, err := ParseDACL(b)
	if err != nil || !d.Null {
		t.Fatalf("ParseDACL = %+v, %v, want a NULL DACL", d, err)
	}
	v, who, err := RelayVerdict(b, GUID{})
	if err != nil || v != directory.True || !strings.Contains(who, "no DACL") {
		t.Errorf("RelayVerdict = %v %q %v, want true for everyone", v, who, err)
	}
}

func TestParseDACLErrors(t *testing.T) {
	t.Parallel()
	relay := GUID{1}
	good := sd(testACE{typ: aceAccessAllowedObject, mask: rightControlAccess, object: &relay, sid: sidAnon})
	daclOff := 20 + len(sidAdmins)
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "shorter than its 20-byte header"},
		{"revision", edit(func(b []byte) []byte { b[0] = 2; return b }), "revision 2"},
		{"absolute form", edit(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[2:], seDACLPresent); return b }), "not self-relative"},
		{"DACL offset past the end", edit(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 4000); return b }), "past the end"},
		{"DACL revision", edit(func(b []byte) []byte { b[daclOff] = 9; return b }), "DACL revision 9"},
		{"DACL size too big", edit(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[daclOff+2:], 4000); return b }), "DACL size 4000"},
		{"more ACEs than bytes", edit(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[daclOff+4:], 2); return b }), "ACE 1 of 2 starts past the end"},
		{"ACE size too big", edit(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[daclOff+8+2:], 400); return b }), "ACE 0: size 400"},
		{"ACE size too small", edit(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[daclOff+8+2:], 2); return b }), "ACE 0: size 2"},
		{"truncated", good[:len(good)-3], "DACL size"},
		{"SID cut short", edit(func(b []byte) []byte { b[len(b)-12+1] = 9; return b }), "cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseDACL(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// FuzzParseDACL: any input parses or fails with an error; nothing panics,
// and a parsed DACL can be evaluated.
func FuzzParseDACL(f *testing.F) {
	relay := GUID{1, 2, 3}
	f.Add(sd(testACE{typ: aceAccessAllowedObject, mask: rightControlAccess, object: &relay, sid: sidAnon}))
	f.Add(sd(testACE{typ: aceAccessDenied, mask: rightGenericAll, sid: sidEveryone}, testACE{typ: aceAccessAllowedObject, mask: 0x100, inherited: true, sid: sidAnon}))
	f.Add(sd())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDACL(b)
		if err != nil {
			return
		}
		g := d.ControlAccessGrant(relay, directory.SIDAnonymous, directory.SIDEveryone)
		if d.Null && g.SID != directory.SIDEveryone {
			t.Errorf("NULL DACL grant = %+v", g)
		}
		for _, a := range d.ACEs {
			if a.SID != "" && !strings.HasPrefix(a.SID, "S-1-") {
				t.Errorf("SID %q", a.SID)
			}
		}
	})
}
