// Package demo is dgaudit's embedded demonstration organization: a snapshot
// of a fictitious hybrid Exchange organization (corp.example) whose groups
// between them trigger every rule in the catalogue, so that `dgaudit scan
// --demo` shows what a real report looks like without a server or
// credentials.
//
// The organization lives in demo.json, a snapshot file in the ordinary
// format, embedded in the binary. It is not edited by hand: the Go program in
// internal/gen builds it from readable literals (internal/build) and writes it
// with directory.Snapshot.Write, and a test fails when the committed file and
// the program disagree. After changing internal/build, run
//
//	go generate ./directory/demo
//
// The scenarios, and the rules each is meant to trigger, are described on
// the functions of internal/build. Package demotest audits the organization
// with the real catalogue and checks that every rule fires where intended and
// that the clean groups stay clean.
package demo

//go:generate go run ./internal/gen -o demo.json
