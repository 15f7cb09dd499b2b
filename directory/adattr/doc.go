// Package adattr maps Active Directory objects, as read over LDAP or from an
// LDIF export, to dgaudit's directory model. The LDAP adapter and the LDIF
// importer both feed Entry values into a Builder, so an export and a live read
// of the same directory give the same snapshot.
//
// The mapping follows the attribute reference in docs (exchange-domain.md,
// sections A and B): groups, contacts and users are recognised by objectClass
// and their Exchange attributes; Boolean settings keep "absent" apart from
// FALSE; DN-valued references (members, owners, sender lists) are resolved to
// object IDs once every object has been read, and a reference that resolves to
// nothing keeps its DN so the engine can report it instead of dropping it.
//
// Receive connectors' nTSecurityDescriptor values are parsed here too
// (secdesc.go, bounds-checked binary security descriptors), so that a live
// read and an export decide whether anonymous senders may relay the same way.
//
// The package does no I/O.
package adattr
