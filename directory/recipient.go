package directory

import "strings"

// Recipient holds what every mail-enabled object shares. IDs are the stable
// object identifiers of the source (objectGUID in string form for Active
// Directory, the Entra object ID for Microsoft 365) so that renames do not
// change identity.
type Recipient struct {
	ID   string `json:"id"`
	DN   string `json:"dn,omitempty"`
	Name string `json:"name"`
	// Mail is the primary SMTP address (PrimarySmtpAddress, the SMTP: proxy).
	Mail string `json:"mail,omitempty"`
	// ProxyAddresses are all addresses with their type prefixes (SMTP:, smtp:,
	// X500:, ...), exactly as stored.
	ProxyAddresses []string `json:"proxyAddresses,omitempty"`
	// ExternalAddress is where mail is actually routed for contacts, mail users
	// and remote mailboxes (targetAddress / ExternalEmailAddress), without its
	// "SMTP:" prefix.
	ExternalAddress string `json:"externalAddress,omitempty"`
	HiddenFromGAL   bool   `json:"hiddenFromGAL,omitempty"`
}

// RoutingAddress is the address mail for this recipient is delivered to: the
// external (target) address when there is one, else the primary SMTP address.
// Whether a recipient is external is decided from this address's domain.
func (r Recipient) RoutingAddress() string {
	if r.ExternalAddress != "" {
		return r.ExternalAddress
	}
	return r.Mail
}

// SMTPAddresses returns the recipient's SMTP addresses in lower case: the
// primary address and every smtp proxy address, without duplicates.
func (r Recipient) SMTPAddresses() []string {
	seen := make(map[string]bool, len(r.ProxyAddresses)+1)
	var out []string
	add := func(a string) {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	add(r.Mail)
	for _, p := range r.ProxyAddresses {
		if prefix, addr, ok := strings.Cut(p, ":"); ok && strings.EqualFold(prefix, "smtp") {
			add(addr)
		}
	}
	return out
}

// StripAddressType removes an address-type prefix such as "SMTP:" from a
// targetAddress or ExternalEmailAddress value. Non-SMTP types are kept as they
// are so that the caller can see they are not SMTP.
func StripAddressType(v string) string {
	v = strings.TrimSpace(v)
	if prefix, addr, ok := strings.Cut(v, ":"); ok && strings.EqualFold(prefix, "smtp") {
		return addr
	}
	return v
}

// Domain returns the lower-case domain part of an SMTP address, or "" when the
// address has none.
func Domain(address string) string {
	i := strings.LastIndexByte(address, '@')
	if i < 0 || i == len(address)-1 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(address[i+1:], "."))
}

// UserKind says what kind of user object a User is.
type UserKind string

// User kinds. A mail user routes to an external address; a remote mailbox is a
// hybrid mailbox in Exchange Online (its target address is in the coexistence
// domain, which is internal); a guest is an Entra B2B guest.
const (
	Mailbox       UserKind = "mailbox"
	MailUser      UserKind = "mail-user"
	RemoteMailbox UserKind = "remote-mailbox"
	Guest         UserKind = "guest"
)

// User is a mailbox, mail user, remote mailbox or guest.
type User struct {
	Recipient
	Kind UserKind `json:"kind"`
	// Disabled is set when the account is disabled; its mailbox still receives.
	Disabled bool `json:"disabled,omitempty"`
}

// Contact is a mail contact: an object in the directory whose mail goes to an
// address outside it (ExternalAddress).
type Contact struct {
	Recipient
}
