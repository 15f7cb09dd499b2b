package directory

import "strings"

// Organization holds the organization-wide settings that change what a group's
// configuration means: which domains are ours, and what may leave for others.
type Organization struct {
	Name            string           `json:"name,omitempty"`
	AcceptedDomains []AcceptedDomain `json:"acceptedDomains"`
	RemoteDomains   []RemoteDomain   `json:"remoteDomains"`
	// RecipientFilter is the on-premises Recipient Filter agent's
	// configuration. Nil means it was not read: the source does not read it
	// (Microsoft 365, Exchange Online cmdlet exports, an LDIF export without the object) or
	// could not (then a coverage gap "recipient-filter" says why). An unread
	// setting is never judged, so nil must not be read as "validation off".
	RecipientFilter *RecipientFilter `json:"recipientFilter,omitempty"`
	// ReceiveConnectors are the on-premises SMTP receive connectors
	// (receiveconnector.go). Nil means they were not read; an empty list
	// means the directory was searched and holds none.
	ReceiveConnectors []ReceiveConnector `json:"receiveConnectors,omitzero"`
}

// RecipientFilter is the organization's Recipient Filter agent configuration
// in Active Directory (Get-RecipientFilterConfig; the object
// CN=RecipientFilterConfig,CN=Message Hygiene,CN=Transport Settings in the
// Exchange organization, msExchAgentsFlags). Edge Transport servers keep their
// own copy in AD LDS, which is not read: this describes the Mailbox (or Hub
// Transport) servers only.
type RecipientFilter struct {
	// Present is false when the directory was read and holds no such
	// object: the anti-spam agents' configuration was never created, so no
	// Mailbox server validates recipients. The switches are then unset.
	Present bool `json:"present"`
	// AgentsFlags is msExchAgentsFlags as stored, when it is; the switches
	// below are decoded from it. Absent means Exchange's default (3:
	// Enabled and ExternalMailEnabled, no recipient validation).
	AgentsFlags *int64 `json:"agentsFlags,omitempty"`
	// Enabled (bit 1), ExternalMailEnabled (bit 2) and
	// RecipientValidationEnabled (bit 2048); unset when the attribute is
	// absent, so the report can say the default applied.
	Enabled                    Tri `json:"enabled,omitzero"`
	ExternalMailEnabled        Tri `json:"externalMailEnabled,omitzero"`
	RecipientValidationEnabled Tri `json:"recipientValidationEnabled,omitzero"`
}

// Recipient Filter defaults when msExchAgentsFlags is absent
// (Set-RecipientFilterConfig): the agent is on for external mail but does not
// validate recipients.
const (
	DefaultRecipientFilterEnabled      = true
	DefaultRecipientFilterExternalMail = true
	DefaultRecipientValidation         = false
)

// RejectsUnknownRecipients reports whether the configuration makes Exchange
// reject mail from the Internet for recipients that do not exist in an
// authoritative domain: the object exists, the agent is enabled, it applies
// to external mail, and recipient validation is on.
func (f RecipientFilter) RejectsUnknownRecipients() bool {
	return f.Present &&
		f.Enabled.Or(DefaultRecipientFilterEnabled) &&
		f.ExternalMailEnabled.Or(DefaultRecipientFilterExternalMail) &&
		f.RecipientValidationEnabled.Or(DefaultRecipientValidation)
}

// DomainType is an accepted domain's type.
type DomainType string

// Accepted domain types. An authoritative domain's recipients all live here; an
// internal relay domain's unknown recipients are relayed onward (some live
// here); an external relay domain's recipients all live elsewhere.
const (
	Authoritative DomainType = "authoritative"
	InternalRelay DomainType = "internal-relay"
	ExternalRelay DomainType = "external-relay"
)

// Valid reports whether t is a known type.
func (t DomainType) Valid() bool {
	switch t {
	case Authoritative, InternalRelay, ExternalRelay:
		return true
	}
	return false
}

// AcceptedDomain is one msExchAcceptedDomain / Get-AcceptedDomain entry.
type AcceptedDomain struct {
	// Domain is the domain name; a leading "*." matches every subdomain.
	Domain string     `json:"domain"`
	Type   DomainType `json:"type"`
	// Default marks the organization's default domain.
	Default bool `json:"default,omitempty"`
	// MatchSubDomains extends the domain to its subdomains (EXO, flag 65536).
	MatchSubDomains bool `json:"matchSubDomains,omitempty"`
	// Coexistence marks the hybrid coexistence domain (*.mail.onmicrosoft.com).
	Coexistence bool `json:"coexistence,omitempty"`
}

// Matches reports whether the lower-case domain d falls under this entry.
func (a AcceptedDomain) Matches(d string) bool {
	return DomainMatches(a.Domain, d, a.MatchSubDomains)
}

// CoversAll reports whether the entry is "*", which every domain falls
// under. Exchange accepts mail for any domain under it and relays what it
// does not hold (internal or external relay): it says where mail is
// accepted, not that recipients anywhere belong to the organization.
func (a AcceptedDomain) CoversAll() bool {
	return strings.TrimSuffix(strings.TrimSpace(a.Domain), ".") == "*"
}

// DomainMatches reports whether domain d falls under pattern: equal, or a
// subdomain when the pattern starts with "*." or subdomains is set.
func DomainMatches(pattern, d string, subdomains bool) bool {
	p := strings.ToLower(strings.TrimSpace(pattern))
	if p == "*" {
		return true
	}
	if rest, ok := strings.CutPrefix(p, "*."); ok {
		return d == rest || strings.HasSuffix(d, "."+rest)
	}
	if d == p {
		return true
	}
	return subdomains && strings.HasSuffix(d, "."+p)
}

// OOFType is a remote domain's AllowedOOFType.
type OOFType string

// AllowedOOFType values. External sends only replies the user wrote for
// external senders; ExternalLegacy also sends unmarked (legacy) replies;
// InternalLegacy sends internal and legacy replies; None sends none.
const (
	OOFExternal       OOFType = "external"
	OOFExternalLegacy OOFType = "external-legacy"
	OOFInternalLegacy OOFType = "internal-legacy"
	OOFNone           OOFType = "none"
)

// Valid reports whether t is a known value ("" counts as not set).
func (t OOFType) Valid() bool {
	switch t {
	case "", OOFExternal, OOFExternalLegacy, OOFInternalLegacy, OOFNone:
		return true
	}
	return false
}

// RemoteDomain is one msExchDomainContentConfig / Get-RemoteDomain entry: what
// Exchange lets out to a domain pattern ("*" is the built-in Default).
type RemoteDomain struct {
	Name          string `json:"name"`
	DomainPattern string `json:"domainPattern"`
	// AllowedOOFType is empty when not set; Exchange's default is external.
	AllowedOOFType        OOFType `json:"allowedOOFType,omitempty"`
	AutoReplyEnabled      Tri     `json:"autoReplyEnabled,omitzero"`
	AutoForwardEnabled    Tri     `json:"autoForwardEnabled,omitzero"`
	NDREnabled            Tri     `json:"ndrEnabled,omitzero"`
	DeliveryReportEnabled Tri     `json:"deliveryReportEnabled,omitzero"`
	IsInternal            Tri     `json:"isInternal,omitzero"`
}

// EffectiveOOFType is AllowedOOFType with the documented default (External).
func (r RemoteDomain) EffectiveOOFType() OOFType {
	if r.AllowedOOFType == "" {
		return OOFExternal
	}
	return r.AllowedOOFType
}

// DefaultRemoteDomain returns the remote domain that applies to any domain not
// listed more specifically (pattern "*"), if the organization has one.
func (o Organization) DefaultRemoteDomain() (RemoteDomain, bool) {
	for _, r := range o.RemoteDomains {
		if strings.TrimSpace(r.DomainPattern) == "*" {
			return r, true
		}
	}
	return RemoteDomain{}, false
}
