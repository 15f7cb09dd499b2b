package graphtest

import (
	"slices"
	"strings"

	"dgaudit/directory"
)

// object is one directory object as Graph shows it: a JSON object keyed by
// Graph property names, with "@odata.type" and "id".
type object map[string]any

// tenant is the emulated directory, built from a snapshot the way Entra ID
// and Exchange Online would hold the same organization.
type tenant struct {
	groups   []object // mail-enabled groups Graph lists, in ID order
	byID     map[string]object
	members  map[string][]object // group ID -> direct members Graph can see
	users    []object
	contacts []object
	domains  []object
	// settings are the per-group-only properties of Unified groups.
	settings map[string]object
}

const (
	typeGroup   = "#microsoft.graph.group"
	typeUser    = "#microsoft.graph.user"
	typeContact = "#microsoft.graph.orgContact"
)

// newTenant maps a snapshot to Graph objects. Dynamic distribution groups do
// not exist in Entra ID, so Graph lists none and shows none as a member;
// member references that resolve to nothing cannot be returned by Graph
// either. Mail users and guests show their external address as mail, and
// contacts their target address, which is what Graph's mail property holds.
func newTenant(s *directory.Snapshot) *tenant {
	t := &tenant{byID: map[string]object{}, members: map[string][]object{}, settings: map[string]object{}}
	for _, u := range s.Users {
		mail := u.Mail
		userType := "Member"
		switch u.Kind {
		case directory.Guest:
			userType = "Guest"
			mail = u.RoutingAddress()
		case directory.MailUser:
			mail = u.RoutingAddress()
		}
		o := object{"@odata.type": typeUser, "id": u.ID, "displayName": u.Name, "mail": nullable(mail),
			"proxyAddresses": strs(u.ProxyAddresses), "userType": userType, "accountEnabled": !u.Disabled,
			"userPrincipalName": upn(u)}
		t.users = append(t.users, o)
		t.byID[u.ID] = o
	}
	for _, c := range s.Contacts {
		o := object{"@odata.type": typeContact, "id": c.ID, "displayName": c.Name, "mail": nullable(c.RoutingAddress()),
			"proxyAddresses": strs(c.ProxyAddresses)}
		t.contacts = append(t.contacts, o)
		t.byID[c.ID] = o
	}
	for _, g := range s.Groups {
		if g.Kind == directory.Dynamic {
			continue
		}
		types := []string{}
		if g.Kind == directory.Microsoft365 {
			types = []string{"Unified"}
			set := object{"id": g.ID, "hideFromAddressLists": g.HiddenFromGAL}
			// A Microsoft 365 group accepts outside senders only when
			// allowed; the snapshot's unset reads as Exchange's default.
			set["allowExternalSenders"] = !g.EffectiveRequireSenderAuth()
			t.settings[g.ID] = set
		}
		o := object{"@odata.type": typeGroup, "id": g.ID, "displayName": g.Name, "mail": nullable(g.Mail),
			"mailNickname": strings.Split(g.Mail, "@")[0], "proxyAddresses": strs(g.ProxyAddresses),
			"groupTypes": types, "mailEnabled": g.Mail != "", "securityEnabled": g.Kind != directory.Distribution,
			"onPremisesSyncEnabled": nil}
		// Graph gives null, not false, for a group that was never synchronized.
		if g.DirSynced {
			o["onPremisesSyncEnabled"] = true
		}
		// A group without an address is a plain security group: Graph
		// shows it as a member but the mail-enabled listing skips it.
		if g.Mail != "" {
			t.groups = append(t.groups, o)
		}
		t.byID[g.ID] = o
	}
	for _, g := range s.Groups {
		if g.Kind == directory.Dynamic || g.Mail == "" {
			continue
		}
		ms := []object{}
		for _, m := range g.Members {
			if o, ok := t.byID[m]; ok {
				ms = append(ms, o)
			}
		}
		t.members[g.ID] = ms
	}
	initial := ""
	for _, d := range s.Org.AcceptedDomains {
		t.domains = append(t.domains, object{"id": d.Domain, "isVerified": true, "isDefault": d.Default, "isInitial": false})
		if rest, ok := strings.CutSuffix(d.Domain, ".mail.onmicrosoft.com"); ok {
			initial = rest + ".onmicrosoft.com"
		}
	}
	if initial == "" {
		initial = "emulated.onmicrosoft.com"
	}
	t.domains = append(t.domains,
		object{"id": initial, "isVerified": true, "isDefault": false, "isInitial": true},
		// An added but unverified domain receives no mail; readers must
		// skip it.
		object{"id": "not-yet-verified.example", "isVerified": false, "isDefault": false, "isInitial": false})
	byID := func(a, b object) int { return strings.Compare(a["id"].(string), b["id"].(string)) }
	slices.SortFunc(t.groups, byID)
	slices.SortFunc(t.users, byID)
	slices.SortFunc(t.contacts, byID)
	return t
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func upn(u directory.User) string {
	if u.Kind == directory.Guest {
		return strings.ReplaceAll(u.RoutingAddress(), "@", "_") + "#EXT#@emulated.onmicrosoft.com"
	}
	if u.Mail != "" {
		return u.Mail
	}
	return u.ID + "@emulated.onmicrosoft.com"
}

// project returns o with only the selected properties (plus the type and
// id, which Graph always returns). Properties the object's type lacks are
// left out, as Graph does for derived-type properties on directoryObject
// collections.
func project(o object, sel []string) object {
	if len(sel) == 0 {
		return o
	}
	out := object{"id": o["id"]}
	if t, ok := o["@odata.type"]; ok {
		out["@odata.type"] = t
	}
	for _, f := range sel {
		if v, ok := o[f]; ok {
			out[f] = v
		}
	}
	return out
}
