package adattr

import (
	"fmt"
	"slices"
	"strings"

	"dgaudit/directory"
)

// Attributes lists the attributes the mapping reads, for an LDAP search or an
// ldifde/ldapsearch command line given to an auditor. member is not in it:
// the LDAP adapter asks for it separately (plain or ranged).
var Attributes = slices.Concat([]string{
	"objectClass", "objectGUID", "cn", "name", "displayName",
	"mail", "proxyAddresses", "mailNickname", "targetAddress",
	"groupType", "userAccountControl", "homeMDB",
	"msExchRecipientTypeDetails", "msExchHideFromAddressLists",
	"hideDLMembership",
	"msExchDynamicDLFilter", "msExchDynamicDLBaseDN",
}, SettingsAttributes)

// SettingsAttributes are the group attributes the delivery settings
// (directory.Group, RequireSenderAuth through ManagedBy) are read from: the
// ones whose permissions the settings read check looks at (readdeny.go).
var SettingsAttributes = []string{
	"msExchRequireAuthToSendTo", "reportToOriginator", "reportToOwner", "oOFReplyToOriginator",
	"authOrig", "dLMemSubmitPerms", "unauthOrig", "dLMemRejectPerms",
	"msExchEnableModeration", "msExchModeratedByLink",
	"managedBy", "msExchCoManagedByLink",
}

// ConfigAttributes lists the attributes read from the configuration partition.
var ConfigAttributes = []string{
	"objectClass", "objectGUID", "cn", "name",
	"msExchAcceptedDomainName", "msExchAcceptedDomainFlags",
	"domainName", "msExchRoutingAcceptMessageType",
	"msExchAgentsFlags",
}

// Kind says what an entry maps to.
type Kind int

// Entry kinds. KindOther is anything that is not a recipient or an
// organization setting: a user without a mailbox, a computer, a plain
// security group.
const (
	KindOther Kind = iota
	KindGroup
	KindUser
	KindContact
	KindAcceptedDomain
	KindRemoteDomain
	KindOrganization
	KindRecipientFilter
	KindReceiveConnector
	// KindRelayRight is the controlAccessRight object of the extended
	// right ms-Exch-SMTP-Accept-Any-Recipient; other extended rights are
	// KindOther.
	KindRelayRight
)

func (k Kind) String() string {
	switch k {
	case KindGroup:
		return "group"
	case KindUser:
		return "user"
	case KindContact:
		return "contact"
	case KindAcceptedDomain:
		return "accepted domain"
	case KindRemoteDomain:
		return "remote domain"
	case KindOrganization:
		return "organization"
	case KindRecipientFilter:
		return directory.CoverRecipientFilter
	case KindReceiveConnector, KindRelayRight:
		return directory.CoverReceiveConnectors
	}
	return "other"
}

// msExchRecipientTypeDetails values (exchange-domain.md A.2).
const (
	rtdUserMailbox         = 1
	rtdMailUser            = 128
	rtdUser                = 65536
	rtdContact             = 131072
	rtdUniversalDistGroup  = 262144
	rtdUniversalSecGroup   = 524288
	rtdNonUniversalGroup   = 1048576
	rtdDisabledUser        = 2097152
	rtdRemoteUserMailbox   = 2147483648
	rtdRemoteRoomMailbox   = 8589934592
	rtdRemoteEquipMailbox  = 17179869184
	rtdRemoteSharedMailbox = 34359738368
	rtdRemoteTeamMailbox   = 274877906944
	rtdGroupMailbox        = 1099511627776
	rtdRemoteGroupMailbox  = 8796093022208
)

// notMailEnabled are the RecipientTypeDetails values Exchange stamps on
// objects it knows but that receive no mail (a user without a mailbox, a
// group that is not mail-enabled).
func notMailEnabled(rtd int64) bool {
	switch rtd {
	case rtdUser, rtdContact, rtdUniversalDistGroup, rtdUniversalSecGroup, rtdNonUniversalGroup, rtdDisabledUser:
		return true
	}
	return false
}

// Classify says what the entry maps to. An object counts as a recipient when
// Exchange has mail-enabled it (mailNickname, proxyAddresses, a mail-enabled
// RecipientTypeDetails, or for users and contacts a mailbox database or a
// target address). A mail attribute alone is not enough: plain Active
// Directory fills it in for users that have no Exchange recipient at all.
func Classify(e *Entry) Kind {
	switch {
	case e.HasClass("msExchAcceptedDomain"):
		return KindAcceptedDomain
	case e.HasClass("msExchDomainContentConfig"):
		return KindRemoteDomain
	case e.HasClass("msExchOrganizationContainer"):
		return KindOrganization
	case e.HasClass(RecipientFilterClass):
		return KindRecipientFilter
	case e.HasClass(ReceiveConnectorClass):
		return KindReceiveConnector
	case isRelayRight(e):
		return KindRelayRight
	case e.HasClass("controlAccessRight"):
		return KindOther
	case e.HasClass("msExchDynamicDistributionList"):
		return KindGroup
	case e.HasClass("computer"):
		return KindOther
	}
	rtd, hasRTD, err := parseInt(e, "msExchRecipientTypeDetails")
	if err == nil && hasRTD && notMailEnabled(rtd) {
		return KindOther
	}
	mailEnabled := (err == nil && hasRTD) || e.Has("mailNickname") || e.Has("proxyAddresses")
	switch {
	case e.HasClass("group"):
		if mailEnabled {
			return KindGroup
		}
	case e.HasClass("contact"):
		if mailEnabled || e.Has("targetAddress") {
			return KindContact
		}
	case e.HasClass("user"):
		if mailEnabled || e.Has("targetAddress") || e.Has("homeMDB") {
			return KindUser
		}
	}
	return KindOther
}

// recipient maps the attributes every recipient shares.
func recipient(e *Entry, id string) directory.Recipient {
	r := directory.Recipient{ID: id, DN: e.DN}
	r.Name = firstNonEmpty(e.First("displayName"), e.First("name"), e.First("cn"), rdnValue(e.DN))
	r.ProxyAddresses = e.Strings("proxyAddresses")
	// The primary SMTP address is the proxy with the upper-case "SMTP:"
	// prefix; mail normally equals it and stands in when there is none.
	for _, p := range r.ProxyAddresses {
		if addr, ok := strings.CutPrefix(p, "SMTP:"); ok {
			r.Mail = addr
			break
		}
	}
	if r.Mail == "" {
		r.Mail = e.First("mail")
	}
	if t := e.First("targetAddress"); t != "" {
		r.ExternalAddress = directory.StripAddressType(t)
	}
	return r
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// problems collects data problems found while mapping one entry; each
// becomes a coverage gap, because a value dgaudit could not read is a value
// the audit did not see.
type problems []string

func (p *problems) add(err error) {
	if err != nil {
		*p = append(*p, err.Error())
	}
}

func (p *problems) tri(e *Entry, name string) directory.Tri {
	t, err := ParseBool(e, name)
	p.add(err)
	return t
}

// GroupRefs holds a group's DN-valued references before they are resolved.
type GroupRefs struct {
	Members, AcceptOnlyFrom, AcceptOnlyFromMembersOf, RejectFrom, RejectFromMembersOf []string
	ModeratedBy, ManagedBy                                                            []string
	// MembershipHidden is hideDLMembership TRUE (HiddenGroupMembershipEnabled):
	// Members may then be empty only because the reader was denied them.
	MembershipHidden bool
}

// MapGroup maps a group entry. The references in the returned group are
// empty; they come back as DNs in refs and are resolved by the Builder.
func MapGroup(e *Entry) (directory.Group, GroupRefs, []string, error) {
	id, err := objectID(e)
	if err != nil {
		return directory.Group{}, GroupRefs{}, nil, err
	}
	var p problems
	g := directory.Group{Recipient: recipient(e, id)}
	rtd, hasRTD, err := parseInt(e, "msExchRecipientTypeDetails")
	p.add(err)
	gt, _, err := parseInt(e, "groupType")
	p.add(err)
	switch {
	case e.HasClass("msExchDynamicDistributionList"):
		g.Kind = directory.Dynamic
	case hasRTD && (rtd == rtdGroupMailbox || rtd == rtdRemoteGroupMailbox):
		// A Microsoft 365 group written back to, or synchronised from,
		// the on-premises directory.
		g.Kind = directory.Microsoft365
	case gt&0x80000000 != 0:
		g.Kind = directory.MailSecurity
	default:
		g.Kind = directory.Distribution
	}
	g.HiddenFromGAL = p.tri(e, "msExchHideFromAddressLists") == directory.True
	g.RequireSenderAuth = p.tri(e, "msExchRequireAuthToSendTo")
	g.ReportToOriginator = p.tri(e, "reportToOriginator")
	g.ReportToManager = p.tri(e, "reportToOwner")
	g.OOFToOriginator = p.tri(e, "oOFReplyToOriginator")
	g.Moderation = p.tri(e, "msExchEnableModeration")
	g.DynamicFilter = e.First("msExchDynamicDLFilter")
	g.DynamicBaseDN = e.First("msExchDynamicDLBaseDN")
	refs := GroupRefs{
		Members:                 e.Strings("member"),
		AcceptOnlyFrom:          e.Strings("authOrig"),
		AcceptOnlyFromMembersOf: e.Strings("dLMemSubmitPerms"),
		RejectFrom:              e.Strings("unauthOrig"),
		RejectFromMembersOf:     e.Strings("dLMemRejectPerms"),
		ModeratedBy:             e.Strings("msExchModeratedByLink"),
		MembershipHidden:        p.tri(e, "hideDLMembership") == directory.True,
	}
	// managedBy is the first owner (the one ReportToManager reports go to);
	// Exchange keeps the other owners in msExchCoManagedByLink, and may repeat
	// the first one there.
	seen := map[string]bool{}
	for _, dn := range append(e.Strings("managedBy"), e.Strings("msExchCoManagedByLink")...) {
		if k := NormalizeDN(dn); !seen[k] {
			seen[k] = true
			refs.ManagedBy = append(refs.ManagedBy, dn)
		}
	}
	return g, refs, p, nil
}

// MapUser maps a user entry.
func MapUser(e *Entry) (directory.User, []string, error) {
	id, err := objectID(e)
	if err != nil {
		return directory.User{}, nil, err
	}
	var p problems
	u := directory.User{Recipient: recipient(e, id)}
	u.HiddenFromGAL = p.tri(e, "msExchHideFromAddressLists") == directory.True
	rtd, hasRTD, err := parseInt(e, "msExchRecipientTypeDetails")
	p.add(err)
	switch {
	case hasRTD && isRemoteMailbox(rtd):
		u.Kind = directory.RemoteMailbox
	case hasRTD && rtd == rtdMailUser:
		u.Kind = directory.MailUser
	case hasRTD && rtd >= rtdUserMailbox && rtd <= 32:
		// UserMailbox, LinkedMailbox, SharedMailbox, Legacy, Room, Equipment.
		u.Kind = directory.Mailbox
	case e.Has("homeMDB"):
		u.Kind = directory.Mailbox
	case e.Has("targetAddress"):
		u.Kind = directory.MailUser
	default:
		u.Kind = directory.Mailbox
	}
	uac, _, err := parseInt(e, "userAccountControl")
	p.add(err)
	u.Disabled = uac&2 != 0
	return u, p, nil
}

func isRemoteMailbox(rtd int64) bool {
	switch rtd {
	case rtdRemoteUserMailbox, rtdRemoteRoomMailbox, rtdRemoteEquipMailbox, rtdRemoteSharedMailbox, rtdRemoteTeamMailbox:
		return true
	}
	return false
}

// MapContact maps a contact entry.
func MapContact(e *Entry) (directory.Contact, []string, error) {
	id, err := objectID(e)
	if err != nil {
		return directory.Contact{}, nil, err
	}
	var p problems
	c := directory.Contact{Recipient: recipient(e, id)}
	c.HiddenFromGAL = p.tri(e, "msExchHideFromAddressLists") == directory.True
	return c, p, nil
}

// Accepted domain flags (msExchAcceptedDomainFlags, exchange-domain.md B.2).
const (
	adTypeMask        = 3
	adDefault         = 4
	adCoexistence     = 2048
	adMatchSubDomains = 65536
)

// MapAcceptedDomain maps an msExchAcceptedDomain entry.
func MapAcceptedDomain(e *Entry) (directory.AcceptedDomain, error) {
	d := directory.AcceptedDomain{Domain: strings.TrimSpace(e.First("msExchAcceptedDomainName"))}
	if d.Domain == "" {
		return d, fmt.Errorf("accepted domain %q has no msExchAcceptedDomainName", e.DN)
	}
	flags, _, err := parseInt(e, "msExchAcceptedDomainFlags")
	if err != nil {
		return d, fmt.Errorf("accepted domain %q: %w", e.DN, err)
	}
	switch flags & adTypeMask {
	case 0:
		d.Type = directory.Authoritative
	case 1:
		d.Type = directory.ExternalRelay
	case 2:
		d.Type = directory.InternalRelay
	default:
		return d, fmt.Errorf("accepted domain %q: msExchAcceptedDomainFlags %d has unknown type bits 3", e.DN, flags)
	}
	d.Default = flags&adDefault != 0
	d.Coexistence = flags&adCoexistence != 0
	d.MatchSubDomains = flags&adMatchSubDomains != 0
	return d, nil
}

// msExchRoutingAcceptMessageType bits (exchange-domain.md B.1).
const (
	amtLegacyOOF   = 1
	amtAutoReply   = 2
	amtAutoForward = 4
	amtDR          = 8
	amtNDR         = 16
	amtBlockOOF    = 32
	amtInternal    = 64
	amtOOFMask     = amtLegacyOOF | amtBlockOOF | amtInternal

	// DefaultAcceptMessageType is what Exchange acts on when the attribute
	// is absent: AutoReply, AutoForward, DR and NDR on, OOF External, not
	// internal. The model's defaults for unset fields say the same thing.
	DefaultAcceptMessageType = amtAutoReply | amtAutoForward | amtDR | amtNDR
)

// OOFTypeOf decodes AllowedOOFType from msExchRoutingAcceptMessageType
// (Exchange's getter: value AND 97).
func OOFTypeOf(v int64) directory.OOFType {
	switch v & amtOOFMask {
	case amtLegacyOOF:
		return directory.OOFExternalLegacy
	case amtBlockOOF:
		return directory.OOFNone
	case amtLegacyOOF | amtInternal:
		return directory.OOFInternalLegacy
	}
	return directory.OOFExternal
}

// MapRemoteDomain maps an msExchDomainContentConfig entry. When
// msExchRoutingAcceptMessageType is absent the switches stay unset: Exchange
// then acts on DefaultAcceptMessageType, which is what the model's
// documented defaults for unset values give.
func MapRemoteDomain(e *Entry) (directory.RemoteDomain, error) {
	r := directory.RemoteDomain{
		Name:          firstNonEmpty(e.First("cn"), e.First("name"), rdnValue(e.DN)),
		DomainPattern: strings.TrimSpace(e.First("domainName")),
	}
	if r.DomainPattern == "" {
		return r, fmt.Errorf("remote domain %q has no domainName", e.DN)
	}
	v, ok, err := parseInt(e, "msExchRoutingAcceptMessageType")
	if err != nil {
		return r, fmt.Errorf("remote domain %q: %w", e.DN, err)
	}
	if !ok {
		return r, nil
	}
	r.AllowedOOFType = OOFTypeOf(v)
	r.AutoReplyEnabled = directory.TriOf(v&amtAutoReply != 0)
	r.AutoForwardEnabled = directory.TriOf(v&amtAutoForward != 0)
	r.DeliveryReportEnabled = directory.TriOf(v&amtDR != 0)
	r.NDREnabled = directory.TriOf(v&amtNDR != 0)
	r.IsInternal = directory.TriOf(v&amtInternal != 0)
	return r, nil
}

// RecipientFilterClass is the object class of the Recipient Filter agent's
// configuration (CN=RecipientFilterConfig,CN=Message Hygiene,CN=Transport
// Settings in the Exchange organization; exchange-domain.md B.3).
const RecipientFilterClass = "msExchMessageHygieneRecipientFilterConfig"

// msExchAgentsFlags bits of the Recipient Filter agent (Exchange's
// MessageHygieneAgentConfigSchema and RecipientFilterConfigSchema).
const (
	agentEnabled             = 1
	agentExternalMailEnabled = 2
	agentRecipientValidation = 2048
)

// MapRecipientFilter maps an msExchMessageHygieneRecipientFilterConfig
// entry. When msExchAgentsFlags is absent the switches stay unset: Exchange
// then acts on its default 3, which is what the model's defaults say.
func MapRecipientFilter(e *Entry) (directory.RecipientFilter, error) {
	f := directory.RecipientFilter{Present: true}
	v, ok, err := parseInt(e, "msExchAgentsFlags")
	if err != nil {
		return f, fmt.Errorf("recipient filter configuration %q: %w", e.DN, err)
	}
	if !ok {
		return f, nil
	}
	f.AgentsFlags = &v
	f.Enabled = directory.TriOf(v&agentEnabled != 0)
	f.ExternalMailEnabled = directory.TriOf(v&agentExternalMailEnabled != 0)
	f.RecipientValidationEnabled = directory.TriOf(v&agentRecipientValidation != 0)
	return f, nil
}
