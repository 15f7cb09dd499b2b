package directory

// ReceiveConnector is one on-premises SMTP receive connector
// (Get-ReceiveConnector; class msExchSmtpReceiveConnector under
// CN=SMTP Receive Connectors,CN=Protocols,CN=<server>,CN=Servers in an
// administrative group of the Exchange organization). Only what the relay
// check needs is kept: where the connector listens, whom it accepts
// connections from, and whether anonymous senders may relay through it.
type ReceiveConnector struct {
	Name string `json:"name"`
	// Server is the Exchange server the connector belongs to, from its DN.
	Server string `json:"server,omitempty"`
	DN     string `json:"dn,omitempty"`
	// FQDN is msExchSMTPReceiveConnectorFQDN (what the connector says in
	// its banner and HELO/EHLO response).
	FQDN string `json:"fqdn,omitempty"`
	// Bindings are msExchSmtpReceiveBindings: "address:port" pairs the
	// connector listens on.
	Bindings []string `json:"bindings,omitempty"`
	// RemoteIPRanges are msExchSmtpReceiveRemoteIPRanges as stored: single
	// addresses, "first-last" ranges or CIDR blocks of the clients the
	// connector accepts. Empty means the attribute was not set.
	RemoteIPRanges []string `json:"remoteIPRanges,omitempty"`
	// AnonymousRelay is whether the connector's DACL grants the extended
	// right ms-Exch-SMTP-Accept-Any-Recipient to anonymous senders
	// (NT AUTHORITY\ANONYMOUS LOGON or Everyone): true, false, or unset when
	// the DACL or the right's GUID could not be read (a coverage gap
	// "receive-connectors" then says why). Unset is never read as "safe".
	AnonymousRelay Tri `json:"anonymousRelay,omitzero"`
	// RelayGrantedTo names the principal whose allow entry grants the
	// relay ("S-1-5-7 (NT AUTHORITY\ANONYMOUS LOGON)"), when AnonymousRelay
	// is true.
	RelayGrantedTo string `json:"relayGrantedTo,omitempty"`
}

// Receive connector permission principals the relay check looks for.
const (
	SIDAnonymous = "S-1-5-7"
	SIDEveryone  = "S-1-1-0"
	// LabelAnonymous and LabelEveryone are how RelayGrantedTo names them,
	// whichever source read the permission.
	LabelAnonymous = SIDAnonymous + ` (NT AUTHORITY\ANONYMOUS LOGON)`
	LabelEveryone  = SIDEveryone + ` (Everyone)`
)

// AcceptAnyRecipientRight is the display name (and cn) of the Exchange
// extended right that lets an SMTP session relay to any recipient.
const AcceptAnyRecipientRight = "ms-Exch-SMTP-Accept-Any-Recipient"
