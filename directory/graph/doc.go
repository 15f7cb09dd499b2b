// Package graph reads a dgaudit snapshot from a Microsoft 365 tenant through
// Microsoft Graph, authenticating with azidentity.
//
// It lists the mail-enabled groups, reads every group's direct members
// through JSON batches of twenty requests, reads the Microsoft 365 group
// settings Graph only returns per group (also batched), the organization's
// contacts and its domains, and maps all of it to the directory model. Nested
// groups are returned as member IDs; expanding them is the audit engine's job.
//
// Graph does not know the delivery-management settings of classic
// distribution lists (sender authentication, report and out-of-office
// targets, moderation, accept lists), dynamic distribution groups or remote
// domains. Those come from Config.Exchange, a directory.Source for Exchange
// Online whose group IDs are Entra object IDs, overlaid by ID. Without it
// they stay unset and the snapshot's coverage records the gaps, so the report
// and the exit code say the scan is incomplete rather than guessing.
//
// Requests go through the Microsoft Graph Go SDK core (msgraph-sdk-go-core and
// Kiota): its retry middleware honours Retry-After on 429/503/504 for whole
// requests; this package re-sends the throttled sub-requests of a batch, which
// the SDK does not, and retries dropped connections. Every wait observes the
// context. The generated msgraph-sdk-go request builders and models are not
// used: they add minutes and gigabytes to a cold build (see README) for the
// few endpoints this package calls.
//
// Source.MessageTraces reads Exchange Online message trace
// (/admin/exchange/tracing/messageTraces) with the same sign-in and client,
// as tracking.Events meaning what a Get-MessageTraceV2 export's rows mean.
//
// This is the only package that imports the Graph SDK and azidentity; none of
// their types leave it. Of the other packages it imports the directory model,
// directory/tracking (for its Event, and for the mapping of message-trace
// rows to Events, which it shares with the reader of saved pages) and
// directory/httpretry (Retry-After, read as the Exchange Online adapter
// reads it); it must not import audit, rules, reports, the other adapters or
// cobra.
package graph
