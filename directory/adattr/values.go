package adattr

import (
	"fmt"
	"strconv"
	"strings"

	"dgaudit/directory"
)

// GUIDString converts a raw 16-byte objectGUID to its string form. Active
// Directory stores the first three fields little-endian, so the bytes are
// swapped before printing; printing them in order (as uuid.FromBytes does)
// gives a different, wrong ID.
func GUIDString(raw []byte) (string, error) {
	if len(raw) != 16 {
		return "", fmt.Errorf("objectGUID has %d bytes, want 16", len(raw))
	}
	b := raw
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9],
		b[10], b[11], b[12], b[13], b[14], b[15]), nil
}

// GUIDBytes is the inverse of GUIDString: the raw objectGUID for a string
// form, as needed in an LDAP filter or to write a fixture.
func GUIDBytes(s string) ([]byte, error) {
	s = strings.Trim(strings.TrimSpace(s), "{}")
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 || len(s) != 36 {
		return nil, fmt.Errorf("GUID %q is not in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	var in [16]byte
	for i := range in {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("GUID %q: %w", s, err)
		}
		in[i] = byte(v)
	}
	order := [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}
	out := make([]byte, 16)
	for i, j := range order {
		out[j] = in[i]
	}
	return out, nil
}

// objectID returns the object's stable ID: objectGUID in string form. Some
// exports carry the GUID as text ("{...}") rather than bytes; both are read.
// An entry without a GUID (an ldapsearch export that did not ask for it) is
// identified by its DN, which is unique but changes on rename.
func objectID(e *Entry) (string, error) {
	raw := e.Values("objectGUID")
	if len(raw) == 0 {
		return e.DN, nil
	}
	v := raw[0]
	if len(v) == 16 {
		return GUIDString(v)
	}
	if b, err := GUIDBytes(string(v)); err == nil {
		return GUIDString(b)
	}
	return "", fmt.Errorf("objectGUID of %q: %d bytes, neither a raw GUID nor its string form", e.DN, len(v))
}

// ParseBool reads an LDAP Boolean (RFC 4517: "TRUE" or "FALSE"; AD accepts
// any case). An absent attribute is Unset, which is not the same as FALSE.
func ParseBool(e *Entry, name string) (directory.Tri, error) {
	vals := e.Values(name)
	if len(vals) == 0 {
		return directory.Unset, nil
	}
	switch strings.ToUpper(strings.TrimSpace(string(vals[0]))) {
	case "TRUE":
		return directory.True, nil
	case "FALSE":
		return directory.False, nil
	}
	return directory.Unset, fmt.Errorf("attribute %s is %q, not TRUE or FALSE: read as not set", name, vals[0])
}

// parseInt reads an Integer or Large Integer attribute. ok is false when the
// attribute is absent.
func parseInt(e *Entry, name string) (v int64, ok bool, err error) {
	s := strings.TrimSpace(e.First(name))
	if s == "" {
		return 0, false, nil
	}
	v, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		// groupType and friends are 32-bit signed in AD but some tools
		// print them unsigned (2147483656 for a universal security group).
		u, uerr := strconv.ParseUint(s, 10, 64)
		if uerr != nil {
			return 0, false, fmt.Errorf("attribute %s is %q, not an integer", name, s)
		}
		v = int64(u)
	}
	return v, true, nil
}

// NormalizeDN returns a comparison key for a DN: lower case, without the
// optional spaces around separators. Values are compared as written
// otherwise, which is how AD returns the same DN in member and in the entry.
func NormalizeDN(dn string) string {
	var b strings.Builder
	b.Grow(len(dn))
	escaped := false
	skipSpace := true
	for i := 0; i < len(dn); i++ {
		c := dn[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == ',' || c == '=' || c == '+' || c == ';':
			// Trim spaces written before the separator.
			s := b.String()
			trimmed := strings.TrimRight(s, " ")
			if len(trimmed) != len(s) && !strings.HasSuffix(trimmed, "\\") {
				b.Reset()
				b.WriteString(trimmed)
			}
			if c == ';' {
				c = ','
			}
			b.WriteByte(c)
			skipSpace = true
			continue
		case c == ' ' && skipSpace:
			continue
		}
		skipSpace = false
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return strings.TrimRight(b.String(), " ")
}

// rdnValue returns the value of the DN's first RDN, unescaped enough for a
// display name ("CN=Sales\, EMEA,OU=..." -> "Sales, EMEA").
func rdnValue(dn string) string {
	var b strings.Builder
	inValue := false
	for i := 0; i < len(dn); i++ {
		c := dn[i]
		switch {
		case c == '\\' && i+1 < len(dn):
			i++
			if inValue {
				b.WriteByte(dn[i])
			}
		case c == '=' && !inValue:
			inValue = true
		case c == ',' || c == '+':
			return strings.TrimSpace(b.String())
		default:
			if inValue {
				b.WriteByte(c)
			}
		}
	}
	return strings.TrimSpace(b.String())
}
