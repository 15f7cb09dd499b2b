package adattr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Entry is one directory object: its DN and its attributes. Attribute names
// are matched case-insensitively, as LDAP does.
type Entry struct {
	DN    string
	attrs map[string][][]byte
}

// NewEntry returns an empty entry for dn.
func NewEntry(dn string) *Entry {
	return &Entry{DN: dn, attrs: make(map[string][][]byte)}
}

// Add appends values to the attribute. The name may carry the options a
// server or an export adds ("member;range=0-1499", "objectGUID;binary"); they
// are dropped so that the chunks of a ranged attribute merge into one. Add
// does not check that the chunks make up the whole attribute: the caller
// tracks the ranges (the LDAP adapter reads the rest; the LDIF importer
// marks what the export lacks).
func (e *Entry) Add(name string, values ...[]byte) {
	key := strings.ToLower(BaseName(name))
	e.attrs[key] = append(e.attrs[key], values...)
}

// AddString appends string values to the attribute (see Add).
func (e *Entry) AddString(name string, values ...string) {
	for _, v := range values {
		e.Add(name, []byte(v))
	}
}

// Set replaces the attribute's values.
func (e *Entry) Set(name string, values [][]byte) {
	e.attrs[strings.ToLower(BaseName(name))] = values
}

// Values returns the attribute's raw values.
func (e *Entry) Values(name string) [][]byte { return e.attrs[strings.ToLower(name)] }

// Has reports whether the attribute has at least one value.
func (e *Entry) Has(name string) bool { return len(e.attrs[strings.ToLower(name)]) > 0 }

// Strings returns the attribute's values as strings.
func (e *Entry) Strings(name string) []string {
	vals := e.attrs[strings.ToLower(name)]
	if len(vals) == 0 {
		return nil
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// First returns the attribute's first value, or "".
func (e *Entry) First(name string) string {
	vals := e.attrs[strings.ToLower(name)]
	if len(vals) == 0 {
		return ""
	}
	return string(vals[0])
}

// Names returns the (lower-case) names of the attributes present.
func (e *Entry) Names() []string {
	out := make([]string, 0, len(e.attrs))
	for k := range e.attrs {
		out = append(out, k)
	}
	return out
}

// HasClass reports whether objectClass includes class (case-insensitive).
func (e *Entry) HasClass(class string) bool {
	for _, v := range e.attrs["objectclass"] {
		if strings.EqualFold(string(v), class) {
			return true
		}
	}
	return false
}

// BaseName strips the range and binary options from an attribute
// description ("member;range=0-1499" -> "member"). Other options, such as
// language tags, are kept: they name a different value set.
func BaseName(desc string) string {
	base, opts, ok := strings.Cut(desc, ";")
	if !ok {
		return desc
	}
	var kept []string
	for _, o := range strings.Split(opts, ";") {
		lo := strings.ToLower(o)
		if strings.HasPrefix(lo, "range=") || lo == "binary" || lo == "" {
			continue
		}
		kept = append(kept, o)
	}
	if len(kept) == 0 {
		return base
	}
	return base + ";" + strings.Join(kept, ";")
}

// Range is the range option of an attribute description returned by range
// retrieval: "member;range=0-1499" is {Low: 0, High: 1499}; "member;range=1500-*"
// is {Low: 1500, Last: true}.
type Range struct {
	Low, High int
	// Last is set when the high bound is "*": no values follow.
	Last bool
}

// ErrNoRange is returned by ParseRange for a description without a range option.
var ErrNoRange = errors.New("no range option")

// ParseRange splits an attribute description into its base name and its range
// option. It returns ErrNoRange when there is no range option.
func ParseRange(desc string) (string, Range, error) {
	base, opts, ok := strings.Cut(desc, ";")
	if !ok {
		return desc, Range{}, ErrNoRange
	}
	for _, o := range strings.Split(opts, ";") {
		lo := strings.ToLower(o)
		spec, ok := strings.CutPrefix(lo, "range=")
		if !ok {
			continue
		}
		low, high, ok := strings.Cut(spec, "-")
		if !ok {
			return base, Range{}, fmt.Errorf("attribute %q: range %q has no '-'", desc, spec)
		}
		var r Range
		var err error
		if r.Low, err = strconv.Atoi(low); err != nil || r.Low < 0 {
			return base, Range{}, fmt.Errorf("attribute %q: range low bound %q is not a number", desc, low)
		}
		if high == "*" {
			r.Last = true
			return base, r, nil
		}
		if r.High, err = strconv.Atoi(high); err != nil || r.High < r.Low {
			return base, Range{}, fmt.Errorf("attribute %q: range high bound %q is not a number at least %d", desc, high, r.Low)
		}
		return base, r, nil
	}
	return base, Range{}, ErrNoRange
}
