package directory

import (
	"bytes"
	"fmt"
)

// Tri is a directory setting that may be true, false or not set at all. Absent
// Exchange attributes are common (groups mail-enabled by old tools or scripts
// lack them), and Exchange then applies a documented default; keeping "not set"
// apart lets the report say whether a value was configured or assumed.
//
// The zero value is Unset. In JSON it is true, false or null.
type Tri uint8

// The three states of a Tri.
const (
	Unset Tri = iota
	True
	False
)

// TriOf converts a definite bool.
func TriOf(b bool) Tri {
	if b {
		return True
	}
	return False
}

// IsSet reports whether the directory stored a value.
func (t Tri) IsSet() bool { return t != Unset }

// Or returns the stored value, or def when the setting is not set.
func (t Tri) Or(def bool) bool {
	switch t {
	case True:
		return true
	case False:
		return false
	}
	return def
}

// String returns "true", "false" or "unset".
func (t Tri) String() string {
	switch t {
	case True:
		return "true"
	case False:
		return "false"
	}
	return "unset"
}

// IsZero lets `omitzero` drop unset values from JSON.
func (t Tri) IsZero() bool { return t == Unset }

// MarshalJSON writes true, false or null.
func (t Tri) MarshalJSON() ([]byte, error) {
	switch t {
	case True:
		return []byte("true"), nil
	case False:
		return []byte("false"), nil
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads true, false or null.
func (t *Tri) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true":
		*t = True
	case "false":
		*t = False
	case "null":
		*t = Unset
	default:
		return fmt.Errorf("tri-state value must be true, false or null, got %s", b)
	}
	return nil
}
