package mailflow

// SetReporterSlots makes reporters keep n slots until restore is called.
func SetReporterSlots(n int) (restore func()) {
	old := perReporterSlots
	perReporterSlots = n
	return func() { perReporterSlots = old }
}
