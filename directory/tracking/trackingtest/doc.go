// Package trackingtest writes message-tracking files in the formats Exchange
// writes them, for tests and benchmark generators: MSGTRK*.LOG files with the
// #Fields header of Exchange 2007, 2010 and 2013 and later,
// Get-MessageTrackingLog | Export-Csv output, and Exchange Online
// Get-MessageTraceV2 exports.
//
// It imports only directory/tracking and the standard library.
package trackingtest
