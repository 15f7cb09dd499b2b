// Package remediate turns a dgaudit JSON report into fix scripts for a human
// to review and run: Exchange PowerShell (Set-DistributionGroup and friends)
// and LDIF for Active Directory. dgaudit never changes a directory itself.
//
// Everything in a report came from the directory, where anyone who can
// create a group can choose its name, so every value that reaches a script is
// quoted (PowerShell) or encoded (LDIF) so that it stays data. The package
// writes to an io.Writer only; it must not import cmd, the directory sources
// or anything that talks to a server.
package remediate
