package sambatest

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// A small builder of binary security descriptors for the fixture's receive
// connectors. It is test data, not the parser under test: Samba stores what
// it is given merged with the inherited entries and serialises it again,
// so reading the connectors back exercises dgaudit's parser on Samba's
// output, not on this encoding.

// ace is one access-allowed entry (access-denied with deny): a plain one
// when object is "", an object ACE for the extended right whose rightsGuid
// (or the attribute whose schemaIDGUID) is object otherwise.
type ace struct {
	sid    string
	mask   uint32
	object string
	deny   bool
	flags  byte // inheritance flags (MS-DTYP 2.4.4.1)
}

// Rights used in the fixture's DACLs.
const (
	rightControlAccess = 0x00000100 // extended rights
	rightReadProperty  = 0x00000010 // read one property, or all without an object type
	rightGenericRead   = 0x00020094 // read control, list, read property, list object
	rightFullControl   = 0x000F01FF
)

// securityDescriptor encodes a self-relative descriptor holding only a
// DACL of aces: Samba fills in the owner and group from the creator's token,
// as Windows does.
func securityDescriptor(aces ...ace) ([]byte, error) {
	var acl []byte
	for _, a := range aces {
		sid, err := encodeSID(a.sid)
		if err != nil {
			return nil, err
		}
		typ := byte(0x00) // ACCESS_ALLOWED_ACE
		if a.deny {
			typ = 0x01 // ACCESS_DENIED_ACE
		}
		body := binary.LittleEndian.AppendUint32(nil, a.mask)
		if a.object != "" {
			typ += 0x05 // ACCESS_ALLOWED_OBJECT_ACE, ACCESS_DENIED_OBJECT_ACE
			g, err := encodeGUID(a.object)
			if err != nil {
				return nil, err
			}
			body = binary.LittleEndian.AppendUint32(body, 1) // ACE_OBJECT_TYPE_PRESENT
			body = append(body, g...)
		}
		body = append(body, sid...)
		acl = append(acl, typ, a.flags)
		acl = binary.LittleEndian.AppendUint16(acl, uint16(4+len(body)))
		acl = append(acl, body...)
	}
	const header = 20
	out := []byte{1, 0}
	out = binary.LittleEndian.AppendUint16(out, 0x8004) // self-relative, DACL present
	out = binary.LittleEndian.AppendUint32(out, 0)      // no owner
	out = binary.LittleEndian.AppendUint32(out, 0)      // no group
	out = binary.LittleEndian.AppendUint32(out, 0)      // no SACL
	out = binary.LittleEndian.AppendUint32(out, header) // DACL right after the header
	out = append(out, 4, 0)                             // ACL revision 4 (object ACEs)
	out = binary.LittleEndian.AppendUint16(out, uint16(8+len(acl)))
	out = binary.LittleEndian.AppendUint16(out, uint16(len(aces)))
	out = append(out, 0, 0)
	return append(out, acl...), nil
}

// encodeSID encodes "S-1-<authority>-<sub>..." (decimal authority).
func encodeSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || parts[0] != "S" || parts[1] != "1" {
		return nil, fmt.Errorf("SID %q is not of the form S-1-<authority>-<sub-authority>", s)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("SID %q: authority: %w", s, err)
	}
	out := []byte{1, byte(len(parts) - 3)}
	for i := 5; i >= 0; i-- {
		out = append(out, byte(auth>>(8*i)))
	}
	for _, p := range parts[3:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("SID %q: sub-authority %q: %w", s, p, err)
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(v))
	}
	return out, nil
}

// encodeGUID encodes a GUID's string form in the binary layout (first
// three fields little-endian).
func encodeGUID(s string) ([]byte, error) {
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return nil, fmt.Errorf("GUID %q is not 32 hex digits", s)
	}
	raw := make([]byte, 16)
	for i := range raw {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("GUID %q: %w", s, err)
		}
		raw[i] = byte(v)
	}
	return []byte{raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6],
		raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]}, nil
}

// Well-known principals and the schemaIDGUID of member, for DenyRead.
const (
	SIDEveryone           = "S-1-1-0"
	SIDAuthenticatedUsers = "S-1-5-11"
	SIDAdministrators     = "S-1-5-32-544"
	// MemberAttrGUID is member's schemaIDGUID, the same in every forest.
	MemberAttrGUID = "bf9679c0-0de6-11d0-a285-00aa003049e2"
)

// DenyRead returns a security descriptor, as an add request's
// nTSecurityDescriptor value, that lets administrators do anything and
// authenticated users read everything but the attribute whose
// schemaIDGUID is attrGUID (every attribute when attrGUID is ""), which sid
// may not read: explicit deny entries
// come first and win, so a deny for Everyone binds administrators too.
// It is what Exchange 2000/2003 set on a group whose membership it hid
// (deny Everyone read of member, KB 327849).
func DenyRead(sid, attrGUID string) ([]byte, error) {
	return securityDescriptor(
		ace{sid: sid, mask: rightReadProperty, object: attrGUID, deny: true},
		ace{sid: SIDAdministrators, mask: rightFullControl},
		ace{sid: SIDAuthenticatedUsers, mask: rightGenericRead},
	)
}

// rightReadControl is READ_CONTROL: reading the object's descriptor.
const rightReadControl = 0x00020000

// DenyReadControl returns a security descriptor like DenyRead's that
// denies sid nothing but reading the object's permissions
// (nTSecurityDescriptor), so that a reader cannot tell what else it may
// not read.
func DenyReadControl(sid string) ([]byte, error) {
	return securityDescriptor(
		ace{sid: sid, mask: rightReadControl, deny: true},
		ace{sid: SIDAdministrators, mask: rightFullControl},
		ace{sid: SIDAuthenticatedUsers, mask: rightGenericRead},
	)
}

// Inheritance flags of the entries InheritedDenyRead writes.
const (
	containerInherit = 0x02 // passed to child containers (a group is one)
	inheritOnly      = 0x08 // not for the OU itself
)

// InheritedDenyRead returns an OU's nTSecurityDescriptor whose entry
// denying sid read of the attribute attrGUID is inherited by the objects
// created under it, behind the explicit entries their class's default
// descriptor gives them: a group's lets Authenticated Users read every
// property first, so the inherited deny takes no effect (Windows and
// Samba check entries in order).
func InheritedDenyRead(sid, attrGUID string) ([]byte, error) {
	return securityDescriptor(
		ace{sid: sid, mask: rightReadProperty, object: attrGUID, deny: true, flags: containerInherit | inheritOnly},
		ace{sid: SIDAdministrators, mask: rightFullControl, flags: containerInherit},
		ace{sid: SIDAuthenticatedUsers, mask: rightGenericRead, flags: containerInherit},
	)
}
