// Package drift compares two states of the same organization's groups: a
// snapshot or report before and after a change, or on-premises Active
// Directory against Exchange Online during a hybrid migration. It reports
// groups present on one side only, settings that differ and membership
// differences.
//
// Compare is pure: it takes two Sides, built from snapshots here or from
// reports by the caller, and does no I/O. The package must not import cmd,
// reports or any directory source.
package drift
