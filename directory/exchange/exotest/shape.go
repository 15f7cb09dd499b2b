package exotest

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"dgaudit/directory"
	"dgaudit/directory/exchange"
)

// Object is one cmdlet output object.
type Object = map[string]any

// Org is a snapshot in cmdlet shape.
type Org struct {
	// Online says the objects look like Exchange Online's: the snapshot's
	// IDs are their ExternalDirectoryObjectId (dynamic groups, which Entra
	// does not know, keep theirs in Guid). Otherwise they look like
	// on-premises Exchange's: the IDs are their Guid.
	Online bool
	// Name is the organization name.
	Name string
	// Cmdlets maps a list cmdlet (exchange.CmdDistributionGroup, ...) to its
	// output.
	Cmdlets map[string][]Object
	// Members maps a group's ID to the output of its member cmdlet. A group
	// that is missing had its membership unreadable in the snapshot
	// (MembersUnknown).
	Members map[string][]Object
	// Groups maps every identifier the member cmdlets accept for a group
	// (ID, Guid, ExternalDirectoryObjectId, PrimarySmtpAddress, Identity)
	// to its ID.
	Groups map[string]string
	// GroupOrder lists group IDs in snapshot order.
	GroupOrder []string

	byID map[string]Object // group objects by Guid and ExternalDirectoryObjectId
}

// Shape converts a snapshot to cmdlet output. Groups without a mail address
// are left out: they are not recipients, and Get-DistributionGroup does not
// list them.
func Shape(snap *directory.Snapshot, online bool) *Org {
	o := &Org{Online: online, Name: snap.Org.Name, Cmdlets: map[string][]Object{}, Members: map[string][]Object{},
		Groups: map[string]string{}, byID: map[string]Object{}}
	ident := map[string]Object{} // ID -> reduced recipient
	identity := map[string]string{}
	for _, g := range snap.Groups {
		if g.Mail != "" {
			identity[g.ID] = identityOf(g.Recipient)
		}
	}
	for _, u := range snap.Users {
		identity[u.ID] = identityOf(u.Recipient)
	}
	for _, c := range snap.Contacts {
		identity[c.ID] = identityOf(c.Recipient)
	}
	refs := func(ids []string) []string {
		if len(ids) == 0 {
			return nil
		}
		out := make([]string, len(ids))
		for i, id := range ids {
			if v, ok := identity[id]; ok {
				out[i] = v
			} else {
				out[i] = id
			}
		}
		return out
	}
	base := func(r directory.Recipient, rtd, rt string, dynamic bool) Object {
		obj := Object{
			"Identity":                      identity[r.ID],
			"Name":                          nameOf(r),
			"DisplayName":                   r.Name,
			"Alias":                         alias(r),
			"PrimarySmtpAddress":            r.Mail,
			"EmailAddresses":                strs(r.ProxyAddresses),
			"RecipientType":                 rt,
			"RecipientTypeDetails":          rtd,
			"HiddenFromAddressListsEnabled": r.HiddenFromGAL,
			"DistinguishedName":             r.DN,
			"WindowsEmailAddress":           r.Mail,
		}
		if online && !dynamic {
			obj["ExternalDirectoryObjectId"] = r.ID
			obj["Guid"] = derivedGUID(r.ID)
		} else {
			obj["ExternalDirectoryObjectId"] = ""
			obj["Guid"] = r.ID
		}
		if r.ExternalAddress != "" {
			obj["ExternalEmailAddress"] = "SMTP:" + r.ExternalAddress
		} else {
			obj["ExternalEmailAddress"] = nil
		}
		return obj
	}
	tri := func(t directory.Tri) any {
		if !t.IsSet() {
			return nil
		}
		return t == directory.True
	}
	for _, g := range snap.Groups {
		if g.Mail == "" {
			continue
		}
		o.GroupOrder = append(o.GroupOrder, g.ID)
		var cmdlet, rtd, rt string
		switch g.Kind {
		case directory.Dynamic:
			cmdlet, rtd, rt = exchange.CmdDynamicDistributionGroup, "DynamicDistributionGroup", "DynamicDistributionGroup"
		case directory.Microsoft365:
			cmdlet, rtd, rt = exchange.CmdUnifiedGroup, "GroupMailbox", "MailUniversalDistributionGroup"
		case directory.MailSecurity:
			cmdlet, rtd, rt = exchange.CmdDistributionGroup, "MailUniversalSecurityGroup", "MailUniversalSecurityGroup"
		default:
			cmdlet, rtd, rt = exchange.CmdDistributionGroup, "MailUniversalDistributionGroup", "MailUniversalDistributionGroup"
		}
		obj := base(g.Recipient, rtd, rt, g.Kind == directory.Dynamic)
		ident[g.ID] = reduced(obj)
		obj["RequireSenderAuthenticationEnabled"] = tri(g.RequireSenderAuth)
		obj["ReportToOriginatorEnabled"] = tri(g.ReportToOriginator)
		obj["ReportToManagerEnabled"] = tri(g.ReportToManager)
		obj["SendOofMessageToOriginatorEnabled"] = tri(g.OOFToOriginator)
		obj["ModerationEnabled"] = tri(g.Moderation)
		obj["IsDirSynced"] = g.DirSynced
		obj["AcceptMessagesOnlyFrom"] = strs(refs(g.AcceptOnlyFrom))
		obj["AcceptMessagesOnlyFromDLMembers"] = strs(refs(g.AcceptOnlyFromMembersOf))
		obj["AcceptMessagesOnlyFromSendersOrMembers"] = strs(refs(append(slices.Clone(g.AcceptOnlyFrom), g.AcceptOnlyFromMembersOf...)))
		obj["RejectMessagesFrom"] = strs(refs(g.RejectFrom))
		obj["RejectMessagesFromDLMembers"] = strs(refs(g.RejectFromMembersOf))
		obj["RejectMessagesFromSendersOrMembers"] = strs(refs(append(slices.Clone(g.RejectFrom), g.RejectFromMembersOf...)))
		obj["ModeratedBy"] = strs(refs(g.ModeratedBy))
		obj["ManagedBy"] = strs(refs(g.ManagedBy))
		switch g.Kind {
		case directory.Dynamic:
			obj["LdapRecipientFilter"] = g.DynamicFilter
			obj["RecipientFilter"] = ""
			obj["RecipientContainer"] = g.DynamicBaseDN
		case directory.MailSecurity:
			obj["GroupType"] = "Universal, SecurityEnabled"
		case directory.Distribution:
			obj["GroupType"] = "Universal"
		}
		o.Cmdlets[cmdlet] = append(o.Cmdlets[cmdlet], obj)
		o.byID[g.ID] = obj
		o.Cmdlets[exchange.CmdRecipient] = append(o.Cmdlets[exchange.CmdRecipient], reduced(obj))
		for _, k := range []string{g.ID, str(obj["Guid"]), str(obj["ExternalDirectoryObjectId"]), g.Mail, identity[g.ID]} {
			if k != "" {
				o.Groups[strings.ToLower(k)] = g.ID
			}
		}
	}
	for _, u := range snap.Users {
		rtd := map[directory.UserKind]string{
			directory.Mailbox: "UserMailbox", directory.RemoteMailbox: "RemoteUserMailbox",
			directory.MailUser: "MailUser", directory.Guest: "GuestMailUser",
		}[u.Kind]
		rt := map[directory.UserKind]string{
			directory.Mailbox: "UserMailbox", directory.RemoteMailbox: "MailUser",
			directory.MailUser: "MailUser", directory.Guest: "MailUser",
		}[u.Kind]
		obj := base(u.Recipient, rtd, rt, false)
		ident[u.ID] = reduced(obj)
		o.Cmdlets[exchange.CmdRecipient] = append(o.Cmdlets[exchange.CmdRecipient], obj)
		if u.Kind == directory.MailUser || u.Kind == directory.Guest {
			o.Cmdlets[exchange.CmdMailUser] = append(o.Cmdlets[exchange.CmdMailUser], obj)
		}
	}
	for _, c := range snap.Contacts {
		obj := base(c.Recipient, "MailContact", "MailContact", false)
		ident[c.ID] = reduced(obj)
		o.Cmdlets[exchange.CmdRecipient] = append(o.Cmdlets[exchange.CmdRecipient], obj)
		o.Cmdlets[exchange.CmdMailContact] = append(o.Cmdlets[exchange.CmdMailContact], obj)
	}
	for _, g := range snap.Groups {
		if g.Mail == "" || g.MembersUnknown {
			continue
		}
		members := make([]Object, 0, len(g.Members))
		for _, m := range g.Members {
			if obj, ok := ident[m]; ok {
				members = append(members, obj)
				continue
			}
			// A reference the snapshot could not resolve: Exchange lists
			// it by what it still knows.
			members = append(members, Object{"DistinguishedName": m, "Name": m})
		}
		o.Members[g.ID] = members
	}
	for _, d := range snap.Org.AcceptedDomains {
		t := map[directory.DomainType]string{directory.Authoritative: "Authoritative", directory.InternalRelay: "InternalRelay", directory.ExternalRelay: "ExternalRelay"}[d.Type]
		o.Cmdlets[exchange.CmdAcceptedDomain] = append(o.Cmdlets[exchange.CmdAcceptedDomain], Object{
			"Name": d.Domain, "DomainName": d.Domain, "DomainType": t, "Default": d.Default,
			"MatchSubDomains": d.MatchSubDomains, "IsCoexistenceDomain": d.Coexistence,
		})
	}
	for _, r := range snap.Org.RemoteDomains {
		oof := map[directory.OOFType]any{"": nil, directory.OOFExternal: "External", directory.OOFExternalLegacy: "ExternalLegacy",
			directory.OOFInternalLegacy: "InternalLegacy", directory.OOFNone: "None"}[r.AllowedOOFType]
		o.Cmdlets[exchange.CmdRemoteDomain] = append(o.Cmdlets[exchange.CmdRemoteDomain], Object{
			"Name": r.Name, "DomainName": r.DomainPattern, "AllowedOOFType": oof,
			"AutoReplyEnabled": tri(r.AutoReplyEnabled), "AutoForwardEnabled": tri(r.AutoForwardEnabled),
			"NDREnabled": tri(r.NDREnabled), "DeliveryReportEnabled": tri(r.DeliveryReportEnabled), "IsInternal": tri(r.IsInternal),
		})
	}
	if !online {
		o.shapeHygiene(snap.Org)
	}
	for _, c := range []string{exchange.CmdDistributionGroup, exchange.CmdDynamicDistributionGroup, exchange.CmdUnifiedGroup,
		exchange.CmdRecipient, exchange.CmdMailContact, exchange.CmdMailUser, exchange.CmdAcceptedDomain, exchange.CmdRemoteDomain} {
		if o.Cmdlets[c] == nil {
			o.Cmdlets[c] = []Object{}
		}
	}
	return o
}

// reduced is the ReducedRecipient view the member cmdlets print.
func reduced(obj Object) Object {
	out := Object{}
	for _, k := range []string{"Identity", "Name", "DisplayName", "Alias", "PrimarySmtpAddress", "EmailAddresses", "RecipientType",
		"RecipientTypeDetails", "ExternalEmailAddress", "Guid", "ExternalDirectoryObjectId", "DistinguishedName", "HiddenFromAddressListsEnabled"} {
		if v, ok := obj[k]; ok {
			out[k] = v
		}
	}
	return out
}

// identityOf is what Exchange prints as Identity and in ManagedBy and the
// sender lists: the canonical name on premises ("corp.example/Staff/Jane
// Doe"); for an object with no DN, its ID (Exchange Online names many
// objects by their object ID).
func identityOf(r directory.Recipient) string {
	if r.DN == "" {
		return r.ID
	}
	var domain, path []string
	for _, rdn := range splitDN(r.DN) {
		k, v, _ := strings.Cut(rdn, "=")
		if strings.EqualFold(strings.TrimSpace(k), "DC") {
			domain = append(domain, v)
		} else {
			path = append(path, strings.ReplaceAll(v, `\,`, ","))
		}
	}
	slices.Reverse(path)
	return strings.Join(append([]string{strings.Join(domain, ".")}, path...), "/")
}

func splitDN(dn string) []string {
	var out []string
	start := 0
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			out = append(out, strings.TrimSpace(dn[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(dn[start:]))
}

func nameOf(r directory.Recipient) string {
	if r.DN == "" {
		return r.ID
	}
	_, v, _ := strings.Cut(splitDN(r.DN)[0], "=")
	return strings.ReplaceAll(v, `\,`, ",")
}

func alias(r directory.Recipient) string {
	local, _, _ := strings.Cut(r.Mail, "@")
	return local
}

// derivedGUID gives an Exchange Online object a Guid (its ExchangeObjectId)
// distinct from its ExternalDirectoryObjectId, as in a real tenant.
func derivedGUID(id string) string {
	h := sha256.Sum256([]byte("exo:" + id))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// strs turns a string slice into a JSON array value; nil stays an empty
// array, as the cmdlets print empty multi-valued properties.
func strs(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// shapeHygiene adds the on-premises hygiene cmdlets' output: what
// Get-RecipientFilterConfig, Get-ReceiveConnector and Get-ADPermission
// print for the organization's recipient filter and receive connectors.
// What the snapshot did not read is left out, as the script leaves out a
// cmdlet that failed; a connector whose relay state is unknown has no
// permission rows.
func (o *Org) shapeHygiene(org directory.Organization) {
	if f := org.RecipientFilter; f != nil {
		o.Cmdlets[exchange.CmdRecipientFilterConfig] = []Object{}
		if f.Present {
			// The cmdlet prints effective values: defaults where the
			// directory stores nothing.
			o.Cmdlets[exchange.CmdRecipientFilterConfig] = []Object{{
				"Enabled":                    f.Enabled.Or(directory.DefaultRecipientFilterEnabled),
				"ExternalMailEnabled":        f.ExternalMailEnabled.Or(directory.DefaultRecipientFilterExternalMail),
				"InternalMailEnabled":        false,
				"RecipientValidationEnabled": f.RecipientValidationEnabled.Or(directory.DefaultRecipientValidation),
				"BlockListEnabled":           false,
			}}
		}
	}
	if org.ReceiveConnectors == nil {
		return
	}
	conns, perms := []Object{}, []Object{}
	for _, c := range org.ReceiveConnectors {
		id := c.Name
		if c.Server != "" {
			id = c.Server + `\` + c.Name
		}
		conns = append(conns, Object{
			"Identity": id, "Name": c.Name, "Server": c.Server, "DistinguishedName": c.DN, "Fqdn": c.FQDN,
			"Bindings": strs(c.Bindings), "RemoteIPRanges": strs(c.RemoteIPRanges),
			"PermissionGroups": "AnonymousUsers, ExchangeServers", "AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
		})
		row := func(user, sid any, deny, inherited any) Object {
			return Object{"ConnectorIdentity": id, "ConnectorDistinguishedName": c.DN, "User": user, "UserSid": sid, "Deny": deny, "IsInherited": inherited}
		}
		switch c.AnonymousRelay {
		case directory.True:
			user, sid := `NT AUTHORITY\ANONYMOUS LOGON`, directory.SIDAnonymous
			if strings.HasPrefix(c.RelayGrantedTo, directory.SIDEveryone) {
				user, sid = "Everyone", directory.SIDEveryone
			}
			perms = append(perms, row(`CORP\Exchange Servers`, "S-1-5-21-1-2-3-1118", false, true), row(user, sid, false, false))
		case directory.False:
			perms = append(perms, row(nil, nil, nil, nil))
		}
	}
	o.Cmdlets[exchange.CmdReceiveConnector] = conns
	o.Cmdlets[exchange.CmdADPermission] = perms
}
