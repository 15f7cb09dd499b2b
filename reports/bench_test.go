package reports

import (
	"fmt"
	"io"
	"testing"

	"dgaudit/audit"
	"dgaudit/directory"
)

// syntheticReport builds a report of n groups, each with the given numbers
// of findings and external recipients, for size and streaming tests.
func syntheticReport(n, findings, externals int) *audit.Report {
	rep := testReport()
	rep.Groups = make([]audit.GroupResult, n)
	sevs := []audit.Severity{audit.Critical, audit.High, audit.Medium, audit.Low, audit.Info}
	for i := range rep.Groups {
		g := audit.GroupResult{
			ID:   fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			DN:   fmt.Sprintf("CN=Group %d,OU=Groups,DC=corp,DC=example,DC=com", i),
			Name: fmt.Sprintf("Group %d", i), Mail: fmt.Sprintf("group%d@corp.example.com", i),
			Kind: directory.Distribution, Score: 100 - i%100, Risk: audit.BandOf(100 - i%100),
			DirectMembers: 20, ExpandedRecipients: 150, ExternalMembers: externals, ExternalReachable: externals, NestedGroups: 2,
			Settings: audit.SettingsOf(&directory.Group{
				ReportToOriginator: directory.True, OOFToOriginator: directory.True, ManagedBy: []string{"owner"},
			}),
		}
		var refs []audit.MemberRef
		for j := range externals {
			e := audit.ExternalRecipient{
				ID: fmt.Sprintf("c-%d-%d", i, j), Name: fmt.Sprintf("Contact %d.%d", i, j),
				Address: fmt.Sprintf("c%d.%d@partner%d.example", i, j, j), Domain: fmt.Sprintf("partner%d.example", j),
				Kind: "contact", Via: []string{"Partners"},
			}
			g.External = append(g.External, e)
			refs = append(refs, audit.MemberRef{ID: e.ID, Name: e.Name, Address: e.Address, Kind: e.Kind, Via: e.Via})
		}
		for j := range findings {
			g.Findings = append(g.Findings, audit.Finding{
				Rule: fmt.Sprintf("rule-%d", j), Severity: sevs[j%len(sevs)], Title: "A synthetic finding",
				Message:  fmt.Sprintf("group %d reaches %d external recipients", i, externals),
				Evidence: audit.Evidence{Settings: []audit.Setting{authOpen, rtoOn}, Count: externals, Members: refs},
			})
		}
		rep.Groups[i] = g
	}
	rep.Summary.Groups = n
	return rep
}

// BenchmarkWriteLarge writes 100,000 groups with about 3 findings and 2
// external recipients each, the size of a large tenant, to show that time
// and allocations grow linearly and nothing is held whole in memory.
func BenchmarkWriteLarge(b *testing.B) {
	rep := syntheticReport(100_000, 3, 2)
	for _, bb := range []struct {
		name   string
		writer Writer
	}{
		{"json", JSON{}},
		{"xlsx", XLSX{}},
		{"csv", CSV{}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bb.writer.Write(io.Discard, rep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
