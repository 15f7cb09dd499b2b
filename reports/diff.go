package reports

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"dgaudit/audit"
)

// DiffFormats are the formats of 'dgaudit diff', by extension.
func DiffFormats() []string { return []string{"json", "xlsx", "csv"} }

// WriteDiff writes a comparison in format (json, xlsx or csv). All three
// hold the same rows: one per group on one side only, per differing setting
// and per group whose membership differs.
func WriteDiff(w io.Writer, format string, r *audit.Drift) error {
	if r == nil {
		return errors.New("diff: no comparison to write")
	}
	switch format {
	case "json":
		return diffJSON(w, r)
	case "csv":
		return diffCSV(w, r)
	case "xlsx":
		return diffXLSX(w, r)
	}
	return fmt.Errorf("unknown diff format %q (want %s)", format, strings.Join(DiffFormats(), ", "))
}

type jsonDiff struct {
	SchemaVersion   int               `json:"schemaVersion"`
	A               jsonDiffSide      `json:"a"`
	B               jsonDiffSide      `json:"b"`
	MatchedBy       audit.DriftMatch  `json:"matchedBy"`
	Matched         int               `json:"matched"`
	Same            int               `json:"same"`
	MembersCompared string            `json:"membersCompared"`
	Notes           []string          `json:"notes"`
	OnlyInA         []jsonDiffGroup   `json:"onlyInA"`
	OnlyInB         []jsonDiffGroup   `json:"onlyInB"`
	Settings        []jsonDiffSetting `json:"settings"`
	Members         []jsonDiffMembers `json:"members"`
}

type jsonDiffSide struct {
	Label  string `json:"label"`
	Kind   string `json:"kind"`
	Groups int    `json:"groups"`
}

type jsonDiffGroup struct {
	Name string `json:"name"`
	Mail string `json:"mail"`
	IDA  string `json:"idA,omitempty"`
	IDB  string `json:"idB,omitempty"`
}

type jsonDiffSetting struct {
	Group   jsonDiffGroup `json:"group"`
	Setting string        `json:"setting"`
	A       string        `json:"a"`
	B       string        `json:"b"`
}

type jsonDiffMembers struct {
	Group   jsonDiffGroup `json:"group"`
	CountA  int           `json:"countA"`
	CountB  int           `json:"countB"`
	OnlyInA []string      `json:"onlyInA"`
	OnlyInB []string      `json:"onlyInB"`
}

// diffSchemaVersion versions the diff JSON separately from the report's.
const diffSchemaVersion = 1

func refJSON(g audit.DriftGroupRef) jsonDiffGroup {
	return jsonDiffGroup{Name: g.Name, Mail: g.Mail, IDA: g.IDA, IDB: g.IDB}
}

func diffJSON(w io.Writer, r *audit.Drift) error {
	doc := jsonDiff{
		SchemaVersion: diffSchemaVersion,
		A:             jsonDiffSide{Label: r.A.Label, Kind: r.A.Kind, Groups: r.A.Groups},
		B:             jsonDiffSide{Label: r.B.Label, Kind: r.B.Kind, Groups: r.B.Groups}, MatchedBy: r.MatchedBy, Matched: r.Matched, Same: r.Same,
		MembersCompared: r.MembersCompared, Notes: nonNil(r.Notes),
		OnlyInA: []jsonDiffGroup{}, OnlyInB: []jsonDiffGroup{}, Settings: []jsonDiffSetting{}, Members: []jsonDiffMembers{},
	}
	for _, g := range r.OnlyInA {
		doc.OnlyInA = append(doc.OnlyInA, refJSON(g))
	}
	for _, g := range r.OnlyInB {
		doc.OnlyInB = append(doc.OnlyInB, refJSON(g))
	}
	for _, s := range r.Settings {
		doc.Settings = append(doc.Settings, jsonDiffSetting{Group: refJSON(s.Group), Setting: s.Setting, A: s.A, B: s.B})
	}
	for _, m := range r.Members {
		doc.Members = append(doc.Members, jsonDiffMembers{Group: refJSON(m.Group), CountA: m.CountA, CountB: m.CountB,
			OnlyInA: nonNil(m.OnlyInA), OnlyInB: nonNil(m.OnlyInB)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("diff json: %w", err)
	}
	return nil
}

var diffHeader = []string{"difference", "group_name", "group_mail", "id_a", "id_b", "setting", "a", "b"}

// diffRows is every difference as a row of diffHeader.
func diffRows(r *audit.Drift) [][]string {
	var rows [][]string
	for _, g := range r.OnlyInA {
		rows = append(rows, []string{"only-in-a", g.Name, g.Mail, g.IDA, "", "", "present", ""})
	}
	for _, g := range r.OnlyInB {
		rows = append(rows, []string{"only-in-b", g.Name, g.Mail, "", g.IDB, "", "", "present"})
	}
	for _, s := range r.Settings {
		rows = append(rows, []string{"setting", s.Group.Name, s.Group.Mail, s.Group.IDA, s.Group.IDB, s.Setting, s.A, s.B})
	}
	for _, m := range r.Members {
		for _, x := range m.OnlyInA {
			rows = append(rows, []string{"member-only-in-a", m.Group.Name, m.Group.Mail, m.Group.IDA, m.Group.IDB, r.MembersCompared, x, ""})
		}
		for _, x := range m.OnlyInB {
			rows = append(rows, []string{"member-only-in-b", m.Group.Name, m.Group.Mail, m.Group.IDA, m.Group.IDB, r.MembersCompared, "", x})
		}
	}
	return rows
}

func diffCSV(w io.Writer, r *audit.Drift) error {
	cw := csv.NewWriter(w)
	err := cw.Write(diffHeader)
	for _, row := range diffRows(r) {
		if err != nil {
			break
		}
		for i := range row {
			row[i] = neutralize(row[i])
		}
		err = cw.Write(row)
	}
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		return fmt.Errorf("diff csv: %w", err)
	}
	return nil
}

func diffXLSX(w io.Writer, r *audit.Drift) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("diff xlsx: close workbook: %w", cerr)
		}
	}()
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("diff xlsx: create styles: %w", err)
	}
	about := newTable(f, st, "Comparison", []column{{title: "What", width: 28}, {title: "Value", width: 90}})
	facts := [][]any{
		{"A", fmt.Sprintf("%s (%s, %d groups)", r.A.Label, r.A.Kind, r.A.Groups)},
		{"B", fmt.Sprintf("%s (%s, %d groups)", r.B.Label, r.B.Kind, r.B.Groups)},
		{"Groups paired by", string(r.MatchedBy)},
		{"Paired groups", r.Matched},
		{"Paired groups without differences", r.Same},
		{"Only in A", len(r.OnlyInA)},
		{"Only in B", len(r.OnlyInB)},
		{"Membership compared", r.MembersCompared},
	}
	for _, n := range r.Notes {
		facts = append(facts, []any{"Note", n})
	}
	// The Comparison sheet comes first and is streamed, so whether a
	// difference will be cut to Excel's cell limit is found out before,
	// by readying the rows once on the side.
	rows := diffRows(r)
	var probe cellCuts
	for _, row := range rows {
		for _, v := range row {
			probe.text("Differences", v)
		}
	}
	if note := probe.note("The JSON comparison (-o drift.json) has the full values."); note != "" {
		facts = append(facts, []any{"Note", note})
	}
	for _, row := range facts {
		if err := about.add(row); err != nil {
			return fmt.Errorf("diff xlsx: %w", err)
		}
	}
	if err := about.close(); err != nil {
		return fmt.Errorf("diff xlsx: %w", err)
	}
	cols := make([]column, len(diffHeader))
	for i, h := range diffHeader {
		cols[i] = column{title: h, width: 28}
	}
	t := newTable(f, st, "Differences", cols)
	for _, row := range rows {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = v
		}
		if err := t.add(cells); err != nil {
			return fmt.Errorf("diff xlsx: %w", err)
		}
	}
	if err := t.close(); err != nil {
		return fmt.Errorf("diff xlsx: %w", err)
	}
	// The tables made their own sheets; the new workbook's empty first one
	// goes.
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return fmt.Errorf("diff xlsx: %w", err)
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("diff xlsx: write workbook: %w", err)
	}
	return nil
}
