package reports

// neutralize defuses spreadsheet formula injection. Group, member and domain
// names come from the directory, where anyone who can create a contact can
// write `=HYPERLINK(...)`; a spreadsheet that opens the CSV, or a user who
// re-saves the XLSX as CSV, would run it. A leading apostrophe makes the cell
// plain text. The trigger characters are the OWASP "CSV injection" set.
func neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
