// Package directory is the data model every other package of dgaudit points at:
// mail-enabled groups, the users and contacts they reach, the organization's
// accepted and remote domains, and a coverage record of what a collection could
// and could not read.
//
// A Snapshot is a point-in-time copy of that model. Sources (the LDAP and Graph
// adapters in sub-packages, and the offline importers) produce one; the audit
// engine consumes one. The versioned snapshot JSON file is itself a Source, so
// every audit can be replayed offline.
//
// Group settings are tri-state (Tri): a value the directory stored is kept
// apart from an attribute that is simply absent, because Exchange applies a
// documented default to the latter and an auditor has to be able to say which
// case it saw.
//
// This package imports nothing else from dgaudit and only the standard library.
package directory
