package adattr

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Active Directory answers a read of an attribute the DACL denies the
// reader exactly as a read of an attribute that is not set: it leaves it
// out, without an error. For a group's delivery settings that is the worst
// case, because an absent setting has a default Exchange acts on (no
// msExchRequireAuthToSendTo: open to the Internet; no authOrig: anyone may
// send), so a denied setting would be judged as its default and the scan
// called complete. ReadCheck finds the groups whose descriptor denies the
// bind account read of a setting, so that their settings read as unknown.

// groupClasses are the object classes a group's objectClass may hold whose
// schemaIDGUID an entry's InheritedObjectType may name.
var groupClasses = []string{"top", "group", "msExchDynamicDistributionList"}

// SchemaAttributes are what NewReadCheck needs of each attributeSchema and
// classSchema object.
var SchemaAttributes = []string{"objectClass", "lDAPDisplayName", "schemaIDGUID", "attributeSecurityGUID"}

// guardedAttributes are the group attributes whose read the check judges:
// the delivery settings, and member, which a deny leaves out as if the
// group were empty (Exchange 2000/2003 hid membership so, KB 327849). The
// memberOf search (Builder.Memberless) finds such a group only when its
// members' memberOf is readable and they live in the domain searched; a
// member in another domain of the forest is not found there.
var guardedAttributes = append(append([]string(nil), SettingsAttributes...), "member")

// SchemaFilter selects, under the schema naming context, the attributes the
// check guards and the classes a group may have.
func SchemaFilter() string {
	var f strings.Builder
	f.WriteString("(|")
	for _, n := range append(append([]string(nil), guardedAttributes...), groupClasses...) {
		f.WriteString("(lDAPDisplayName=" + n + ")")
	}
	f.WriteString(")")
	return f.String()
}

// sessionSIDs are the well-known groups in the token of every
// authenticated LDAP session, which tokenGroups does not list: Everyone,
// NETWORK, Authenticated Users, This Organization.
var sessionSIDs = []string{"S-1-1-0", "S-1-5-2", "S-1-5-11", "S-1-5-15"}

// sidLabels name the well-known SIDs in messages.
var sidLabels = map[string]string{
	"S-1-1-0": "Everyone", "S-1-5-2": "NETWORK", "S-1-5-11": "Authenticated Users", "S-1-5-15": "This Organization",
}

// ReadCheck decides whether a group's descriptor denies the bind account
// read of a delivery setting.
type ReadCheck struct {
	// sids are the bind account's SIDs, upper case.
	sids map[string]bool
	// guards maps each GUID an object entry may name to deny a setting
	// (the attribute's schemaIDGUID, or its property set's GUID,
	// attributeSecurityGUID) to the settings it covers.
	guards map[GUID][]string
	// classes maps lower-case class names to their schemaIDGUID.
	classes map[string]GUID
}

// NewReadCheck builds a check from the bind account's own entry (objectSid
// and tokenGroups, which Active Directory computes only in a base-scope
// read) and the schema objects SchemaFilter selects. An account whose SIDs
// did not come back, or a schema without managedBy (every forest has it),
// is an error: the check could not be made, which is not the same as
// nothing denied.
func NewReadCheck(account *Entry, schema []*Entry) (*ReadCheck, error) {
	rc := &ReadCheck{sids: map[string]bool{}, guards: map[GUID][]string{}, classes: map[string]GUID{}}
	own := account.Values("objectSid")
	if len(own) == 0 {
		return nil, fmt.Errorf("bind account %q: objectSid not returned", account.DN)
	}
	groups := account.Values("tokenGroups")
	if len(groups) == 0 {
		// Every account is in its primary group at least.
		return nil, fmt.Errorf("bind account %q: tokenGroups not returned, so its group memberships are unknown", account.DN)
	}
	for _, v := range append(append([][]byte(nil), own...), groups...) {
		sid, err := ParseSID(v)
		if err != nil {
			return nil, fmt.Errorf("bind account %q: %w", account.DN, err)
		}
		rc.sids[strings.ToUpper(sid)] = true
	}
	for _, s := range sessionSIDs {
		rc.sids[s] = true
	}
	settings := map[string]string{}
	for _, n := range guardedAttributes {
		settings[strings.ToLower(n)] = n
	}
	for _, e := range schema {
		name := e.First("lDAPDisplayName")
		id, err := schemaGUID(e, "schemaIDGUID")
		if err != nil {
			return nil, err
		}
		if id == nil {
			continue
		}
		if e.HasClass("classSchema") {
			rc.classes[strings.ToLower(name)] = *id
			continue
		}
		attr, ok := settings[strings.ToLower(name)]
		if !ok {
			continue
		}
		rc.guards[*id] = append(rc.guards[*id], attr)
		set, err := schemaGUID(e, "attributeSecurityGUID")
		if err != nil {
			return nil, err
		}
		if set != nil {
			rc.guards[*set] = append(rc.guards[*set], attr)
		}
	}
	found := false
	for _, attrs := range rc.guards {
		found = found || slices.Contains(attrs, "managedBy")
	}
	if !found {
		return nil, errors.New("the schema did not return managedBy's schemaIDGUID, so the entries that deny a setting cannot be told")
	}
	return rc, nil
}

// schemaGUID reads a GUID-valued schema attribute (binary layout), nil when
// absent.
func schemaGUID(e *Entry, attr string) (*GUID, error) {
	v := e.Values(attr)
	if len(v) == 0 {
		return nil, nil
	}
	if len(v[0]) != 16 {
		return nil, fmt.Errorf("schema object %q: %s is %d bytes, want 16", e.DN, attr, len(v[0]))
	}
	var g GUID
	copy(g[:], v[0])
	return &g, nil
}

// Denial is what a descriptor denies the bind account.
type Denial struct {
	// Attrs are the denied settings, in SettingsAttributes order; none
	// when nothing is denied.
	Attrs []string
	// SID is the principal of the first entry that denies one, and
	// AllProperties says that entry names no property (it denies all).
	SID           string
	AllProperties bool
	// MemberBy is the principal of the entry that denies reading the
	// member attribute, "" when it may be read.
	MemberBy string
}

// Who names the principal for a message: its label when well known.
func (d Denial) Who() string {
	if l, ok := sidLabels[strings.ToUpper(d.SID)]; ok {
		return d.SID + " (" + l + ")"
	}
	return d.SID
}

// WhoHidesMembers names the principal of the entry that denies reading
// member, as Who does.
func (d Denial) WhoHidesMembers() string { return Denial{SID: d.MemberBy}.Who() }

// Denied reads a self-relative descriptor and says which settings its DACL
// denies the bind account, and whether it denies reading member. classes is the group's objectClass. The entries
// are walked in their order, as Windows checks access: for each setting,
// the first entry that names one of the account's SIDs, applies to the
// object itself (not inherit-only, and meant for the group's class when
// it names one), concerns reading properties (read property, generic read
// or all) and covers the setting (no property named, the setting, or its
// property set) decides it: an allow makes it readable, a deny makes it
// unknown. A deny behind an allow takes no effect: the group class's
// default DACL allows Authenticated Users to read every property ahead of
// any inherited entry, so a deny inherited from an OU is no deny, and
// counting it dropped the group's settings (and their findings) for
// nothing. A setting no entry decides is taken as readable: an allow may
// come through a path not modelled here (a privilege, a SID not in
// tokenGroups), and a gap for every such group would bury the real ones.
func (rc *ReadCheck) Denied(sd []byte, classes []string) (Denial, error) {
	d, err := ParseDACL(sd)
	if err != nil {
		return Denial{}, err
	}
	var out Denial
	decided := map[string]bool{}
	denied := map[string]bool{}
	for _, a := range d.ACEs {
		if a.Flags&aceInheritOnly != 0 || a.Mask&(rightReadProperty|rightGenericRead|rightGenericAll) == 0 {
			continue
		}
		var deny bool
		switch a.Type {
		case aceAccessDenied, aceAccessDeniedObject:
			deny = true
		case aceAccessAllowed, aceAccessAllowedObject:
		default:
			continue
		}
		if !rc.sids[strings.ToUpper(a.SID)] || !rc.forClass(a.InheritedObjectType, classes) {
			continue
		}
		attrs := guardedAttributes
		if a.ObjectType != nil {
			attrs = rc.guards[*a.ObjectType]
		}
		for _, n := range attrs {
			if decided[n] {
				continue
			}
			decided[n] = true
			if !deny {
				continue
			}
			denied[n] = true
			if n == "member" {
				out.MemberBy = a.SID
			} else if out.SID == "" {
				out.SID, out.AllProperties = a.SID, a.ObjectType == nil
			}
		}
	}
	for _, n := range SettingsAttributes {
		if denied[n] {
			out.Attrs = append(out.Attrs, n)
		}
	}
	return out, nil
}

// forClass reports whether an entry meant for objects of class inherited
// (nil: any) applies to an object of the given classes. When none of the
// object's classes is known to the check, it is taken to apply: a deny
// missed costs a wrong verdict, one counted too many only a gap.
func (rc *ReadCheck) forClass(inherited *GUID, classes []string) bool {
	if inherited == nil {
		return true
	}
	known := false
	for _, c := range classes {
		if g, ok := rc.classes[strings.ToLower(c)]; ok {
			known = true
			if g == *inherited {
				return true
			}
		}
	}
	return !known
}
