// Package demotest audits the embedded demo organization with the real rule
// catalogue and checks it against the scenarios it was built to show: every
// rule fires somewhere, the seed incidents come out where they should, and
// the clean groups stay clean.
//
// It is a separate package, holding only tests, because the directory
// packages must not import the engine or the rules.
package demotest
