// Package mailflow turns message-tracking events into evidence: loops through
// groups, return paths rewritten to a group's address, spoofed internal
// senders, backscatter and out-of-office storms (audit.Traffic).
//
// It is pure: no I/O, no logging, no goroutines, and the same events in the
// same order always give the same result. Memory is bounded whatever the
// volume: it keeps per-key aggregates with size caps (reported in
// Traffic.Truncated when hit) and hashes of recent message IDs in fixed-size
// tables, never the events themselves.
//
// It imports the directory model, its tracking events and the audit report
// types; never a source adapter, a report writer or the CLI.
package mailflow
