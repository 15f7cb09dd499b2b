package ldap

// The warnings logged on every connection that is not properly protected.
// What such a connection exposes depends on the bind: a simple bind sends
// the password itself, a Kerberos bind sends none. But go-ldap's GSSAPI
// client negotiates no SASL security layer (it neither signs nor seals) and
// binds to no TLS channel, so without verified TLS the directory data and
// the authenticated session are as exposed as with a simple bind. Saying
// "password" for a Kerberos run would send the reader after the wrong risk.

// plaintextWarning is for an ldap:// connection without StartTLS
// (AllowPlaintext).
func (c *Config) plaintextWarning() string {
	if c.Kerberos {
		return "plain LDAP without TLS: the bind uses a Kerberos ticket, but this client's GSSAPI bind neither signs nor seals, so the directory data crosses the network unencrypted and anyone on the path can read it or tamper with the session (domain controllers normally refuse such a bind)"
	}
	return "plain LDAP without TLS: the password and the directory data cross the network unencrypted"
}

// unverifiedTLSWarning is for a TLS connection whose certificate was not
// verified (InsecureSkipVerify).
func (c *Config) unverifiedTLSWarning() string {
	if c.Kerberos {
		return "TLS certificate NOT verified (insecure skip verify): anyone on the path can read the directory data and take over the session the Kerberos ticket authenticates, since this client's GSSAPI bind neither signs nor seals nor binds to the TLS channel"
	}
	return "TLS certificate NOT verified (insecure skip verify): anyone on the path can read the password and the directory data"
}
