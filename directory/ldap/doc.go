// Package ldap reads a dgaudit snapshot from Active Directory (Exchange
// Server or hybrid) over LDAP with github.com/go-ldap/ldap/v3.
//
// It discovers the naming contexts from the rootDSE, streams the recipients
// with the paged-results control (SearchAsync, about a page in memory per
// search; users, contacts and groups as concurrent searches on separate
// connections), completes member lists with ranged retrieval from whatever
// bounds the server returns, runs each dynamic distribution group's stored
// filter read-only, looks up referenced objects the scan did not cover,
// asks whether anything names a group read without members in its memberOf
// (a member attribute the account may not read comes back absent, like an
// empty one), reads each group's DACL with the group to tell a delivery
// setting the account may not read from one not set (settingsread.go), and
// reads accepted and remote domains, the recipient filter configuration and
// the receive connectors (with their DACL, through the SD flags control) from
// the configuration partition.
// Entries are mapped by package adattr, the same code the LDIF importer
// uses.
//
// Continuation references are not followed: one that may lead to recipients
// (a child domain below the base DN) is a coverage gap, and those to the
// partitions Active Directory places below a forest root domain
// (configuration, schema, DNS) are passed over.
//
// Connections are TLS by default (ldaps://, or ldap:// upgraded with
// StartTLS) with the certificate verified; plain LDAP and unverified TLS are
// explicit options that log warnings. Transient failures are retried a
// bounded number of times on a fresh connection; what still fails becomes a
// coverage gap, or an error when nothing useful could be read. Errors name
// the server and wrap the sentinels the CLI maps to exit codes (ErrAuth and
// friends). The adapter never writes to the directory and never logs the
// password.
package ldap
