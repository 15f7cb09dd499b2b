package exchange

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"dgaudit/directory"
)

// Record is one cmdlet output object: property names to values, as decoded
// from JSON (strings, booleans, json.Number, arrays, objects, nil) or read
// from a CSV row (strings). Property names are matched case-insensitively,
// as PowerShell does.
type Record struct {
	// origin is the file or cmdlet; a and b locate the object in it, as
	// loc says. The text is only built for an error message, so that a
	// million-row export does not format a million locations.
	origin string
	a, b   int64
	loc    locKind
	vals   map[string]any
	csv    bool
}

type locKind uint8

const (
	locText    locKind = iota // origin is the whole location
	locElement                // JSON file: element a at byte offset b
	locLine                   // CSV file: line a
	locPage                   // cmdlet: page a, item b
)

// Where names the object for error messages: "DistributionGroup.json
// element 12 (byte 4096)", "Recipient.csv line 40", "Get-MailUser page 3
// item 7".
func (r Record) Where() string {
	switch r.loc {
	case locElement:
		// origin is the file's path; the line is worked out only now.
		return fmt.Sprintf("%s element %d at %s", filepath.Base(r.origin), r.a, position(r.origin, r.b))
	case locLine:
		return fmt.Sprintf("%s line %d", r.origin, r.a)
	case locPage:
		return fmt.Sprintf("%s page %d item %d", r.origin, r.a, r.b)
	}
	return r.origin
}

func newRecord(origin string, a, b int64, loc locKind, props map[string]any) Record {
	return Record{origin: origin, a: a, b: b, loc: loc, vals: props}
}

// newCSVRecord wraps a CSV row. Empty cells read as absent: Export-Csv
// writes $null and "" the same way.
func newCSVRecord(name string, line int, header, row []string) Record {
	r := Record{origin: name, a: int64(line), loc: locLine, vals: make(map[string]any, len(header)), csv: true}
	for i, h := range header {
		if i < len(row) && row[i] != "" {
			r.vals[h] = row[i]
		}
	}
	return r
}

// get looks a property up as PowerShell does, without regard to case. The
// exact name is tried first: ConvertTo-Json and Export-Csv write the
// cmdlets' own spelling, which is the one the mapping asks for, so the
// decoded map is used as it is rather than copied with lower-case keys.
func (r Record) get(prop string) any {
	if v, ok := r.vals[prop]; ok {
		return v
	}
	for k, v := range r.vals {
		if strings.EqualFold(k, prop) {
			return v
		}
	}
	return nil
}

func (r Record) errorf(prop, format string, args ...any) error {
	return fmt.Errorf("%s%s: %s: %s", r.Where(), r.label(), prop, fmt.Sprintf(format, args...))
}

// label names the object for an administrator: `, object "Sales"` or "".
func (r Record) label() string {
	for _, p := range []string{"PrimarySmtpAddress", "Name", "DomainName", "ConnectorIdentity"} {
		if s, ok := r.get(p).(string); ok && s != "" {
			return fmt.Sprintf(", object %q", s)
		}
	}
	return ""
}

// Has reports whether the property is present and not null.
func (r Record) Has(prop string) bool {
	return r.get(prop) != nil
}

// Str returns a single-valued property as text; "" when absent or null.
func (r Record) Str(prop string) (string, error) {
	v := r.get(prop)
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(x), nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case map[string]any:
		// Windows PowerShell 5.1 serialises some Exchange value types
		// (SmtpAddress, SmtpDomain) as objects; their text is in one of
		// these members.
		for _, k := range []string{"Address", "Domain", "DistinguishedName", "Name", "value"} {
			for kk, vv := range x {
				if s, ok := vv.(string); ok && strings.EqualFold(kk, k) {
					return strings.TrimSpace(s), nil
				}
			}
		}
	}
	return "", r.errorf(prop, "expected a single value, got %s", describe(v))
}

// str is Str that collects the error in errs, so that one object's problems
// are reported together.
func (r Record) str(prop string, errs *[]error) string {
	s, err := r.Str(prop)
	if err != nil {
		*errs = append(*errs, err)
	}
	return s
}

// Tri reads a Boolean property. Absent or null is Unset, which is not the
// same as false.
func (r Record) Tri(prop string) (directory.Tri, error) {
	v := r.get(prop)
	switch x := v.(type) {
	case nil:
		return directory.Unset, nil
	case bool:
		return directory.TriOf(x), nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "$true":
			return directory.True, nil
		case "false", "$false":
			return directory.False, nil
		case "":
			return directory.Unset, nil
		}
	}
	return directory.Unset, r.errorf(prop, "expected true or false, got %s", describe(v))
}

func (r Record) tri(prop string, errs *[]error) directory.Tri {
	t, err := r.Tri(prop)
	if err != nil {
		*errs = append(*errs, err)
	}
	return t
}

// List reads a multi-valued property (EmailAddresses, ManagedBy, the sender
// lists). JSON gives an array (or a single value when PowerShell unrolled a
// one-element collection); CSV gives the values joined with ";", as the
// export script writes them.
func (r Record) List(prop string) ([]string, error) {
	v := r.get(prop)
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if r.csv {
			if looksLikeTypeName(x) {
				return nil, r.errorf(prop, "the cell holds the .NET type name %q instead of the values: the CSV was written without joining multi-valued properties (use scripts/Export-DgauditData.ps1 -Format Csv, which joins them with ';')", x)
			}
			var out []string
			for _, s := range strings.Split(x, ";") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
			return out, nil
		}
		if x = strings.TrimSpace(x); x == "" {
			return nil, nil
		}
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for i, e := range x {
			s, err := refText(e)
			if err != nil {
				return nil, r.errorf(prop, "value %d: %v", i+1, err)
			}
			if s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	case map[string]any:
		s, err := refText(x)
		if err != nil {
			return nil, r.errorf(prop, "%v", err)
		}
		return []string{s}, nil
	}
	return nil, r.errorf(prop, "expected a list of values, got %s", describe(v))
}

func (r Record) list(prop string, errs *[]error) []string {
	l, err := r.List(prop)
	if err != nil {
		*errs = append(*errs, err)
	}
	return l
}

// refText reads one value of a multi-valued property. Strings are taken as
// they are; an object is a serialised ADObjectId or address, whose most
// specific identifier is used.
func refText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case map[string]any:
		for _, k := range []string{"DistinguishedName", "ObjectGuid", "Guid", "ProxyAddressString", "Address", "Name"} {
			for kk, vv := range x {
				if s, ok := vv.(string); ok && s != "" && strings.EqualFold(kk, k) {
					return strings.TrimSpace(s), nil
				}
			}
		}
		return "", fmt.Errorf("an object without DistinguishedName, Guid, Address or Name")
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("expected text, got %s", describe(v))
}

// looksLikeTypeName spots what Export-Csv writes for a collection it cannot
// flatten ("System.Object[]", "Microsoft.Exchange.Data.ProxyAddressCollection").
func looksLikeTypeName(s string) bool {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "@ ") {
		return false
	}
	for _, p := range []string{"System.", "Microsoft.Exchange.", "Deserialized."} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		return fmt.Sprintf("a list of %d values", len(x))
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
