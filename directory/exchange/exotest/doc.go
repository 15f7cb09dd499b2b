// Package exotest serves a directory.Snapshot the way Exchange does, for
// tests of package exchange and of the CLI: as the output objects of the
// Exchange cmdlets (Shape), as the export directory
// scripts/Export-DgauditData.ps1 writes (WriteExport), and as an emulator of
// the Exchange Online admin REST endpoint /adminapi/beta/{tenant}/InvokeCommand
// over TLS (NewServer) with @odata.nextLink paging and injected faults.
//
// The cmdlet objects use the property names and value shapes of the real
// cmdlets (exchange-domain.md C.6): booleans as JSON booleans and absent when
// not set, multi-valued properties as arrays of strings, references
// (ManagedBy, sender lists) as the referenced object's Identity, enums as
// their names.
//
// It is test support: it imports dgaudit/directory and dgaudit/directory/exchange
// (for the file and cmdlet names) and nothing outside the standard library.
package exotest
