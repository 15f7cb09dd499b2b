// Package audit is the engine: it turns a directory.Snapshot into a Report by
// expanding every group's membership, classifying the recipients it reaches as
// internal or external, running the rules, and scoring each group.
//
// It is a pure function of its inputs: no I/O, no logging, no goroutines, and
// the same snapshot always gives the same report in the same order. It imports
// only the directory package and the standard library; the rule catalogue
// lives in package rules and reaches the engine as a []Rule.
package audit
