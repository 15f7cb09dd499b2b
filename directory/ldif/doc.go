// Package ldif imports an LDIF export of Active Directory (from ldifde or
// ldapsearch) as a dgaudit snapshot, for auditors who are handed an export
// instead of access to the directory. It maps entries with the same code as
// the LDAP adapter (package adattr), so both give the same snapshot of the
// same directory.
//
// The parser reads RFC 2849 content records as those tools write them:
// folded lines, base64 values, comments, CRLF line ends, UTF-16 with a byte
// order mark (ldifde -u) and UTF-8 with or without one, ranged attribute
// names ("member;range=0-1499") and ldifde's "changetype: modify" records
// that add the rest of a ranged attribute. A ranged attribute the export
// holds only part of (ldapsearch prints the first 1,500 members of a large
// group and stops) is reported as a coverage gap, never read as whole. It
// refuses anything that would change a directory (deletes, replaces,
// renames), naming the line.
package ldif
