// Package reports turns an audit.Report into bytes: JSON for machines, XLSX
// for people, CSV for spreadsheets and scripts that want one finding per line.
//
// Each format is one writer behind the one-method Writer interface, so the CLI
// can write several outputs from a single run without knowing any format's
// details. Writers only read the report: they never modify it, never log, and
// return every failure as a wrapped error. The engine has already put groups
// and findings in their final order; writers keep that order so that the same
// report always gives the same bytes.
//
// The package imports only audit, directory, excelize and the standard
// library. In particular it knows nothing of the CLI's flags or config.
package reports
