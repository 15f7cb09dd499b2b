// Package directorytest builds small snapshots for tests, in the spirit of
// net/http/httptest: readable fixtures without JSON files.
//
// It imports only directory and the standard library.
package directorytest
