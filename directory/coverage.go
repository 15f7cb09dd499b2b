package directory

// Coverage records what a collection read and what it could not read. A
// snapshot with gaps is incomplete: every report made from it says so and the
// CLI exits with its "completed with gaps" code.
type Coverage struct {
	// Read lists what was read, one entry per kind of object or setting
	// ("groups", "contacts", "accepted-domains", ...), with counts.
	Read []ReadCount `json:"read"`
	// Gaps lists what could not be read and why.
	Gaps []Gap `json:"gaps"`
}

// ReadCount is one kind of object or setting and how many were read.
type ReadCount struct {
	What  string `json:"what"`
	Count int    `json:"count"`
	// Source says where it was read from (a server, an endpoint, a file).
	Source string `json:"source,omitempty"`
}

// Gap is something a collection could not read.
type Gap struct {
	// What is the kind of object or setting ("group members", "remote-domains").
	What string `json:"what"`
	// Object identifies the object concerned (an ID, a DN), when there is one.
	Object string `json:"object,omitempty"`
	// Reason is the error or explanation, in one line.
	Reason string `json:"reason"`
}

// Complete reports whether nothing is missing.
func (c Coverage) Complete() bool { return len(c.Gaps) == 0 }

// AddGap records a gap.
func (c *Coverage) AddGap(what, object, reason string) {
	c.Gaps = append(c.Gaps, Gap{What: what, Object: object, Reason: reason})
}

// AddRead records a count of objects read.
func (c *Coverage) AddRead(what string, count int, source string) {
	c.Read = append(c.Read, ReadCount{What: what, Count: count, Source: source})
}

// HasGap reports whether the coverage has a gap of the given kind.
func (c Coverage) HasGap(what string) bool {
	for _, g := range c.Gaps {
		if g.What == what {
			return true
		}
	}
	return false
}

// Has reports whether the coverage says the given kind was read at all.
func (c Coverage) Has(what string) bool {
	for _, r := range c.Read {
		if r.What == what {
			return true
		}
	}
	return false
}
