// Package graphtest is an in-process emulator of the parts of Microsoft Entra
// ID and Microsoft Graph v1.0 that package graph reads, for tests and
// benchmarks: an httptest TLS server with the OpenID discovery and token
// endpoints (client-credentials grant with Entra's AADSTS errors and
// continuous-access-evaluation claims challenges), /groups with $filter,
// $select, $top and $skiptoken paging through absolute @odata.nextLink URLs,
// /groups/{id} (with the Microsoft 365 group settings), /groups/{id}/members,
// /users, /contacts, /domains, /$batch, and the Exchange Online message trace
// (/admin/exchange/tracing/messageTraces with its receivedDateTime window,
// $top and paging limits) serving rows a test sets.
//
// The tenant is built from a directory.Snapshot, so a test can compare what
// the reader returns with the snapshot it came from. Tests inject faults per
// request (429 with and without Retry-After, 503, slow answers, dropped
// connections, malformed JSON, throttled items inside a batch, revoked
// tokens) and read counters of what was served.
//
// It imports only directory and the standard library; nothing outside tests
// and benchmarks may import it.
package graphtest
