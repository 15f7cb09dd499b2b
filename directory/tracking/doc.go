// Package tracking reads Exchange message-tracking data as a stream of
// events: on-premises MSGTRK*.LOG files (any Exchange version, parsed by their
// #Fields header), Get-MessageTrackingLog | Export-Csv output, Exchange Online
// Get-MessageTraceV2 / Get-MessageTraceDetailV2 CSV exports, and pages of the
// Graph message-trace API saved as JSON (told by their content: see
// graphpage.go).
//
// Readers call a function once per event and keep nothing between events, so
// memory stays flat however many gigabytes of logs are read; but to find the
// rows that overlapping message traces share, a hash of the rows of their
// overlap is kept, up to a bound (dedup.go). A line that
// cannot be parsed is counted and reported with its file and line number; it
// never stops the read and is never skipped silently.
//
// Read parses several files at once (Options.Workers; by default one per
// CPU, up to 8) but calls its function from one goroutine, in file and line
// order, so an analysis sees the same events in the same order as a
// sequential read and gives the same result. Several servers' and services'
// Exchange logs are read merged by their rows' times instead, so that one
// message's rows on the edge, the hub and the mailbox server come in the
// order they happened (merge.go). Each worker runs a bounded
// number of batches ahead of the caller, which keeps memory bounded too.
//
// Overlapping exports (the last 48 hours exported every day) hold the same
// rows: a row already read from another export is passed over and counted
// (Stats.Duplicates, dedup.go), when the rows say which server wrote them
// (or are message traces, the tenant's); otherwise they are kept, and the
// files say the overlap may be counted twice. Merged exports are looked
// through a few minutes at a time; message traces, read one after another,
// keep a hash of the rows of the times another trace holds, up to a bound
// past which the count is a lower bound (Stats.DuplicatesAtLeast).
//
// Servers reads the first rows of each file, before the read, to name the
// servers that wrote them, so that an analysis can tell a message one of
// them relayed to another from mail that came from outside.
//
// The Graph message-trace API is read by package graph, which has the
// Microsoft 365 credentials; it decodes its rows into GraphTrace and maps
// them with GraphMessages, as the reader of saved pages does, so the
// analysis cannot tell the live API, its saved pages and a
// Get-MessageTraceV2 export apart (Format FormatTrace, EventID from
// TraceEventID).
//
// Lines are scanned once for their end, commas and quotes: with AVX2 32
// bytes at a time (linescan_amd64.s), elsewhere, or built with the purego
// tag, eight at a time in Go. The two are tested against each other.
//
// This package imports only the standard library and x/sys/cpu; analysis lives in
// audit/mailflow.
package tracking
