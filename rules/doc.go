// Package rules is dgaudit's rule catalogue: one small constructor per rule,
// grouped by theme (the four loop preconditions, their combinations, the
// modifiers that raise or lower risk, hygiene, and organization settings).
// All builds the list explicitly; there is no registration.
//
// A rule's check returns only what is wrong, as concrete lower-case messages
// with evidence; the engine in package audit adds the rule ID, severity and
// group, and does the scoring. Rule IDs are stable: never renamed or reused.
//
// This package imports audit and directory only.
package rules
