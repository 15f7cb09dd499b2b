package mailflow

// SetReporterSlots makes reporters keep n slots until restore is called.
func SetReporterSlots(n int) (restore func()) {
	old := perReporterSlots
	perReporterSlots = n
	return func() { perReporterSlots = old }
}

// SetMaxReturnCounts makes the table of returned messages hold n until
// restore is called.
func SetMaxReturnCounts(n int) (restore func()) {
	old := maxReturnCounts
	maxReturnCounts = n
	return func() { maxReturnCounts = old }
}
