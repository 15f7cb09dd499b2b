package reports

import (
	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// styles are the workbook's cell style IDs, created once per file. Being the
// one value every sheet writer of a workbook gets, it also carries the
// workbook's count of cut cells.
type styles struct {
	title, section, header, wrap int
	// warn is the Summary's warning about cut cells.
	warn int
	// cuts readies every text cell: neutralized and cut to Excel's limit.
	cuts *cellCuts
	// left aligns numbers with the text above and below them.
	left     int
	band     map[audit.Band]int
	severity map[audit.Severity]int
}

// bandColors are fill and font colours per risk band, the usual traffic-light
// scale so the Risk column reads at a glance.
var bandColors = map[audit.Band]struct{ fill, font string }{
	audit.BandCritical: {"8B0000", "FFFFFF"},
	audit.BandHigh:     {"E8562A", "FFFFFF"},
	audit.BandMedium:   {"FFBF00", "000000"},
	audit.BandLow:      {"FFEB84", "000000"},
	audit.BandNone:     {"C6EFCE", "006100"},
}

// severityBand gives each severity the colour of the band it would put a
// group in; info has no band of its own and gets a neutral blue.
var severityBand = map[audit.Severity]audit.Band{
	audit.Critical: audit.BandCritical,
	audit.High:     audit.BandHigh,
	audit.Medium:   audit.BandMedium,
	audit.Low:      audit.BandLow,
}

func newStyles(f *excelize.File) (*styles, error) {
	st := &styles{band: map[audit.Band]int{}, severity: map[audit.Severity]int{}, cuts: &cellCuts{}}
	// A style's font replaces the default one whole, and one without a
	// family renders in the viewer's fallback (a serif in LibreOffice).
	family, err := f.GetDefaultFont()
	if err != nil {
		return nil, err
	}
	font := func(size float64, bold bool, color string) *excelize.Font {
		return &excelize.Font{Family: family, Size: size, Bold: bold, Color: color}
	}
	add := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(s)
		return id
	}
	st.title = add(&excelize.Style{Font: font(14, true, "")})
	st.section = add(&excelize.Style{Font: font(12, true, "")})
	st.header = add(&excelize.Style{
		Font:      font(11, true, ""),
		Fill:      solid("D9D9D9"),
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
	})
	st.warn = add(&excelize.Style{Font: font(11, true, "C00000")})
	st.left = add(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left"}})
	st.wrap = add(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	for _, b := range audit.Bands {
		c := bandColors[b]
		st.band[b] = add(&excelize.Style{Fill: solid(c.fill), Font: font(11, b == audit.BandCritical, c.font)})
	}
	for sev := audit.Info; sev <= audit.Critical; sev++ {
		if b, ok := severityBand[sev]; ok {
			st.severity[sev] = st.band[b]
			continue
		}
		st.severity[sev] = add(&excelize.Style{Fill: solid("DDEBF7")})
	}
	return st, err
}

func solid(color string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

// bandCell is a Risk cell with its band's colour; an unknown band (a newer
// engine, say) is written uncoloured rather than refused.
func (st *styles) bandCell(b audit.Band) excelize.Cell {
	return excelize.Cell{StyleID: st.band[b], Value: string(b)}
}

func (st *styles) severityCell(s audit.Severity) excelize.Cell {
	return excelize.Cell{StyleID: st.severity[s], Value: s.String()}
}
