package mailflow

// SetReporterSlots makes reporters keep n slots until restore is called.
func SetReporterSlots(n int) (restore func()) {
	old := perReporterSlots
	perReporterSlots = n
	return func() { perReporterSlots = old }
}

// SetReturnCountSlots makes the table of returned messages' counts hold
// n slots until restore is called.
func SetReturnCountSlots(n int) (restore func()) {
	old := returnCountSlots
	returnCountSlots = n
	return func() { returnCountSlots = old }
}
