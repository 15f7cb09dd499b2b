// Command dgaudit audits mail-enabled groups (distribution lists, mail-enabled
// security groups, dynamic lists, Microsoft 365 groups) for the settings that
// turn one message into an NDR or out-of-office storm, and writes the findings
// to Excel, JSON, CSV and JSON Lines.
//
// This package is wiring only: it parses flags, picks a source and writers,
// maps errors to exit codes and prints the summary. Collection lives in the
// directory adapters, judgement in audit and rules, formatting in reports.
package main
