package adattr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"dgaudit/directory"
)

// Binary security descriptors (MS-DTYP 2.4.6, self-relative form), as
// nTSecurityDescriptor holds them, parsed just far enough to answer two
// questions: does the DACL grant an extended right to a principal (receive
// connectors), and does it deny a principal read of a property (a group's
// delivery settings, readdeny.go). Every
// offset and length comes from the data and is checked against it, so a
// truncated or corrupt value is an error, never a panic or a guess.

// GUID is a GUID in its binary (wire) layout: the first three fields
// little-endian, the last eight bytes as written. Object ACEs store GUIDs this
// way; rightsGuid stores the string form, whose first three fields read
// big-endian, so the two differ in byte order (ParseGUID converts).
type GUID [16]byte

// ParseGUID reads the string form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
// (braces allowed) into the binary layout.
func ParseGUID(s string) (GUID, error) {
	var g GUID
	raw, err := GUIDBytes(s)
	if err != nil {
		return g, err
	}
	copy(g[:], raw)
	return g, nil
}

// String returns the string form, lower case.
func (g GUID) String() string {
	s, _ := GUIDString(g[:]) // 16 bytes: never fails
	return s
}

// ACE types read (MS-DTYP 2.4.4.1); other types are kept with their type
// and flags only and never match.
const (
	aceAccessAllowed       = 0x00
	aceAccessDenied        = 0x01
	aceAccessAllowedObject = 0x05
	aceAccessDeniedObject  = 0x06
)

// ACE flags and rights the check needs.
const (
	aceInheritOnly = 0x08 // applies to children only, not to the object

	objectTypePresent          = 0x1
	inheritedObjectTypePresent = 0x2

	rightReadProperty  = 0x00000010 // ADS_RIGHT_DS_READ_PROPERTY
	rightControlAccess = 0x00000100 // ADS_RIGHT_DS_CONTROL_ACCESS: extended rights
	rightGenericAll    = 0x10000000
	rightGenericRead   = 0x80000000
)

// Security descriptor control bits.
const (
	seDACLPresent  = 0x0004
	seSelfRelative = 0x8000
)

// ACE is one access control entry of a DACL.
type ACE struct {
	Type  byte
	Flags byte
	Mask  uint32
	// ObjectType is the object ACE's object type (for an extended right,
	// its rightsGuid; for a property, its schemaIDGUID; for a property
	// set, its rightsGuid); nil when absent, which means every right.
	ObjectType *GUID
	// InheritedObjectType is the schemaIDGUID of the object class the
	// entry is meant for; nil when absent, which means any class.
	InheritedObjectType *GUID
	// SID is the trustee in string form ("S-1-5-7").
	SID string
}

// DACL is a parsed discretionary ACL. Null is set when the descriptor has
// no DACL at all, which grants every right to everyone.
type DACL struct {
	Null bool
	ACEs []ACE
}

// ParseDACL reads the DACL of a self-relative security descriptor.
func ParseDACL(sd []byte) (DACL, error) {
	if len(sd) < 20 {
		return DACL{}, fmt.Errorf("security descriptor is %d bytes, shorter than its 20-byte header", len(sd))
	}
	if sd[0] != 1 {
		return DACL{}, fmt.Errorf("security descriptor revision %d, want 1", sd[0])
	}
	control := binary.LittleEndian.Uint16(sd[2:])
	if control&seSelfRelative == 0 {
		return DACL{}, errors.New("security descriptor is not self-relative")
	}
	off := binary.LittleEndian.Uint32(sd[16:])
	if control&seDACLPresent == 0 || off == 0 {
		return DACL{Null: true}, nil
	}
	if uint64(off)+8 > uint64(len(sd)) {
		return DACL{}, fmt.Errorf("DACL offset %d is past the end of the %d-byte security descriptor", off, len(sd))
	}
	acl := sd[off:]
	if rev := acl[0]; rev != 2 && rev != 4 {
		return DACL{}, fmt.Errorf("DACL revision %d, want 2 or 4", rev)
	}
	size := int(binary.LittleEndian.Uint16(acl[2:]))
	count := int(binary.LittleEndian.Uint16(acl[4:]))
	if size < 8 || size > len(acl) {
		return DACL{}, fmt.Errorf("DACL size %d does not fit the %d bytes after offset %d", size, len(acl), off)
	}
	acl = acl[:size]
	d := DACL{ACEs: make([]ACE, 0, min(count, size/8))}
	pos := 8
	for i := range count {
		if pos+4 > len(acl) {
			return DACL{}, fmt.Errorf("ACE %d of %d starts past the end of the DACL (%d bytes)", i, count, size)
		}
		aceSize := int(binary.LittleEndian.Uint16(acl[pos+2:]))
		if aceSize < 4 || pos+aceSize > len(acl) {
			return DACL{}, fmt.Errorf("ACE %d: size %d does not fit the DACL (%d bytes, at %d)", i, aceSize, size, pos)
		}
		a, err := parseACE(acl[pos : pos+aceSize])
		if err != nil {
			return DACL{}, fmt.Errorf("ACE %d: %w", i, err)
		}
		d.ACEs = append(d.ACEs, a)
		pos += aceSize
	}
	return d, nil
}

// parseACE reads one ACE whose header and size are already checked.
func parseACE(b []byte) (ACE, error) {
	a := ACE{Type: b[0], Flags: b[1]}
	body := b[4:]
	switch a.Type {
	case aceAccessAllowed, aceAccessDenied:
		if len(body) < 4 {
			return a, fmt.Errorf("type %#x: %d bytes, too short for a mask", a.Type, len(b))
		}
		a.Mask = binary.LittleEndian.Uint32(body)
		body = body[4:]
	case aceAccessAllowedObject, aceAccessDeniedObject:
		if len(body) < 8 {
			return a, fmt.Errorf("type %#x: %d bytes, too short for a mask and flags", a.Type, len(b))
		}
		a.Mask = binary.LittleEndian.Uint32(body)
		flags := binary.LittleEndian.Uint32(body[4:])
		body = body[8:]
		if flags&objectTypePresent != 0 {
			if len(body) < 16 {
				return a, fmt.Errorf("type %#x: object type cut short", a.Type)
			}
			var g GUID
			copy(g[:], body)
			a.ObjectType = &g
			body = body[16:]
		}
		if flags&inheritedObjectTypePresent != 0 {
			if len(body) < 16 {
				return a, fmt.Errorf("type %#x: inherited object type cut short", a.Type)
			}
			var g GUID
			copy(g[:], body)
			a.InheritedObjectType = &g
			body = body[16:]
		}
	default:
		return a, nil
	}
	sid, err := ParseSID(body)
	if err != nil {
		return a, fmt.Errorf("type %#x: %w", a.Type, err)
	}
	a.SID = sid
	return a, nil
}

// ParseSID reads a binary SID (MS-DTYP 2.4.2.2) at the start of b into its
// string form. Bytes after the SID are ignored.
func ParseSID(b []byte) (string, error) {
	if len(b) < 8 {
		return "", fmt.Errorf("SID is %d bytes, shorter than its 8-byte header", len(b))
	}
	if b[0] != 1 {
		return "", fmt.Errorf("SID revision %d, want 1", b[0])
	}
	n := int(b[1])
	if n > 15 {
		return "", fmt.Errorf("SID has %d sub-authorities, more than 15", n)
	}
	if len(b) < 8+4*n {
		return "", fmt.Errorf("SID with %d sub-authorities is cut short at %d bytes", n, len(b))
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var s strings.Builder
	s.WriteString("S-1-")
	if auth >= 1<<32 {
		fmt.Fprintf(&s, "0x%012X", auth)
	} else {
		s.WriteString(strconv.FormatUint(auth, 10))
	}
	for i := range n {
		s.WriteByte('-')
		s.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return s.String(), nil
}

// Grant is the answer of ControlAccessGrant: which principal an allow entry
// grants the right to, if any.
type Grant struct {
	// SID is the principal granted the right; "" when none is.
	SID string
	// NullDACL is set when the descriptor has no DACL, which grants every
	// right to everyone (SID is then Everyone).
	NullDACL bool
}

// ControlAccessGrant reports whether d lets one of principals exercise the
// extended right whose rightsGuid is right. An entry counts when it applies
// to the object itself (not inherit-only) and grants control access or
// GenericAll, either for every right (a plain ACE, or an object ACE without
// an object type) or for this right. Entries are taken in stored order, as
// Windows' access check does: a deny entry for a principal before its allow
// entry means that principal is not granted the right. A deny entry for one
// principal does not cancel an allow for another (a deny to Everyone does not
// cancel an allow to ANONYMOUS LOGON here), because whether an anonymous
// session's token holds Everyone depends on the server's policy; an auditor
// should not assume the safe answer.
func (d DACL) ControlAccessGrant(right GUID, principals ...string) Grant {
	if d.Null {
		return Grant{SID: directory.SIDEveryone, NullDACL: true}
	}
	denied := map[string]bool{}
	for _, a := range d.ACEs {
		if a.Flags&aceInheritOnly != 0 || a.Mask&(rightControlAccess|rightGenericAll) == 0 {
			continue
		}
		var allow bool
		switch a.Type {
		case aceAccessAllowed, aceAccessDenied:
			allow = a.Type == aceAccessAllowed
		case aceAccessAllowedObject, aceAccessDeniedObject:
			if a.ObjectType != nil && *a.ObjectType != right {
				continue
			}
			allow = a.Type == aceAccessAllowedObject
		default:
			continue
		}
		for _, p := range principals {
			if !strings.EqualFold(a.SID, p) {
				continue
			}
			if !allow {
				denied[p] = true
			} else if !denied[p] {
				return Grant{SID: p}
			}
		}
	}
	return Grant{}
}
