// Command gen writes the demo organization's snapshot file. It is run by
// `go generate ./directory/demo`; the file it writes is embedded by package
// demo, and a test there fails when the two disagree.
package main
