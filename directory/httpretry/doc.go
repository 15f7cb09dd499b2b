// Package httpretry reads what an HTTP server says about retrying: the
// Retry-After header of a throttled (429) or unavailable (503) answer.
//
// Both Microsoft 365 adapters, Graph and Exchange Online, are throttled by
// the same service front ends and must read the header the same way; this
// package is that one reading. It imports only the standard library.
package httpretry
