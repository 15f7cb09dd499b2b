package exchange

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dgaudit/directory"
)

// Export file base names. Each holds the output of one cmdlet, as
// scripts/Export-DgauditData.ps1 writes it, with the extension .json
// (ConvertTo-Json) or .csv (Export-Csv).
const (
	FileDistributionGroup        = "DistributionGroup"
	FileDynamicDistributionGroup = "DynamicDistributionGroup"
	FileUnifiedGroup             = "UnifiedGroup"
	FileRecipient                = "Recipient"
	FileMailContact              = "MailContact"
	FileMailUser                 = "MailUser"
	FileAcceptedDomain           = "AcceptedDomain"
	FileRemoteDomain             = "RemoteDomain"
	// FileGroupMember holds one row per member of every group (the output
	// of Get-DistributionGroupMember, Get-DynamicDistributionGroupMember
	// or Get-UnifiedGroupLinks) with the group's GroupGuid,
	// GroupExternalDirectoryObjectId and GroupPrimarySmtpAddress added; a
	// group with no members has one row with only those columns, so that
	// "no members" and "not exported" differ.
	FileGroupMember = "GroupMember"
	// FileManifest says where the export was made (Environment:
	// "OnPremises" or "ExchangeOnline"), for which organization and when.
	FileManifest = "Manifest"
)

// Environments a manifest names.
const (
	EnvOnPremises     = "OnPremises"
	EnvExchangeOnline = "ExchangeOnline"
)

// exportFile describes one file of an export.
type exportFile struct {
	base     string
	cmdlet   string
	required bool
	// coverWhat is the coverage entry a missing optional file leaves a
	// gap in; "" means its absence loses nothing (the data is also in
	// Recipient).
	coverWhat string
}

var exportFiles = []exportFile{
	{FileDistributionGroup, CmdDistributionGroup, true, ""},
	{FileRecipient, CmdRecipient, true, ""},
	{FileGroupMember, CmdDistributionGroupMember, true, ""},
	{FileDynamicDistributionGroup, CmdDynamicDistributionGroup, false, "dynamic-groups"},
	{FileUnifiedGroup, CmdUnifiedGroup, false, "microsoft365-groups"},
	{FileMailContact, CmdMailContact, false, ""},
	{FileMailUser, CmdMailUser, false, ""},
	{FileAcceptedDomain, CmdAcceptedDomain, false, directory.CoverAcceptedDomains},
	{FileRemoteDomain, CmdRemoteDomain, false, directory.CoverRemoteDomains},
}

// Export reads the files scripts/Export-DgauditData.ps1 writes (or the same
// cmdlets' output saved by hand with ConvertTo-Json or Export-Csv) from a
// directory. DistributionGroup, Recipient and GroupMember are required; a
// missing optional file is a coverage gap. A malformed file is an error that
// names the file and the element or line.
type Export struct {
	// Dir is the export directory.
	Dir string
	// Now is the clock for CollectedAt when the manifest has no ExportedAt;
	// nil means time.Now.
	Now func() time.Time
}

// manifest is the optional Manifest.json.
type manifest struct {
	Environment  string    `json:"Environment"`
	Organization string    `json:"Organization"`
	ExportedAt   time.Time `json:"ExportedAt"`
}

// Snapshot reads and maps the export.
func (e Export) Snapshot(ctx context.Context) (*directory.Snapshot, error) {
	if fi, err := os.Stat(e.Dir); err != nil {
		return nil, fmt.Errorf("exchange export: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("exchange export: %s is not a directory", e.Dir)
	}
	source := "exchange-export:" + e.Dir
	var man manifest
	if path, ok, err := e.find(FileManifest); err != nil {
		return nil, err
	} else if ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("exchange export: %w", err)
		}
		if err := json.Unmarshal(bytes.TrimPrefix(b, utf8BOM), &man); err != nil {
			return nil, fmt.Errorf("exchange export: %s: %w", filepath.Base(path), err)
		}
		switch man.Environment {
		case "", EnvOnPremises, EnvExchangeOnline:
		default:
			return nil, fmt.Errorf("exchange export: %s: Environment is %q, want %s or %s", filepath.Base(path), man.Environment, EnvOnPremises, EnvExchangeOnline)
		}
	}

	records := map[string][]Record{}
	var gaps []directory.Gap
	for _, f := range exportFiles {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path, ok, err := e.find(f.base)
		if err != nil {
			return nil, err
		}
		if !ok {
			if f.required {
				return nil, fmt.Errorf("exchange export: %s: %s.json or %s.csv is missing; it holds the output of %s, which the audit cannot do without (run scripts/Export-DgauditData.ps1 again)", e.Dir, f.base, f.base, f.cmdlet)
			}
			if f.coverWhat != "" {
				gaps = append(gaps, directory.Gap{What: f.coverWhat, Reason: fmt.Sprintf("%s.json is not in the export (the output of %s)", f.base, f.cmdlet)})
			}
			continue
		}
		recs, err := readFile(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("exchange export: %w", err)
		}
		records[f.base] = recs
	}

	online := man.Environment == EnvExchangeOnline
	if man.Environment == "" {
		online = looksOnline(records)
	}
	b := newBuilder(source, online)
	b.org.Name = man.Organization
	for _, r := range records[FileDistributionGroup] {
		b.addGroup(CmdDistributionGroup, r)
	}
	for _, r := range records[FileDynamicDistributionGroup] {
		b.addGroup(CmdDynamicDistributionGroup, r)
	}
	for _, r := range records[FileUnifiedGroup] {
		b.addGroup(CmdUnifiedGroup, r)
	}
	for _, base := range []string{FileRecipient, FileMailContact, FileMailUser} {
		for _, r := range records[base] {
			b.addRecipient(r)
		}
	}
	if err := b.addMemberRows(records[FileGroupMember]); err != nil {
		return nil, fmt.Errorf("exchange export: %w", err)
	}
	for _, r := range records[FileAcceptedDomain] {
		b.addAcceptedDomain(r)
	}
	for _, r := range records[FileRemoteDomain] {
		b.addRemoteDomain(r)
	}
	if err := b.err(); err != nil {
		return nil, fmt.Errorf("exchange export: %s: %w", e.Dir, err)
	}
	if recs, ok := records[FileAcceptedDomain]; ok {
		b.cover.AddRead(directory.CoverAcceptedDomains, len(recs), source)
	}
	if recs, ok := records[FileRemoteDomain]; ok {
		b.cover.AddRead(directory.CoverRemoteDomains, len(recs), source)
	}
	b.cover.Gaps = append(b.cover.Gaps, gaps...)
	at := man.ExportedAt
	if at.IsZero() {
		at = time.Now()
		if e.Now != nil {
			at = e.Now()
		}
	}
	return b.finish(at.UTC(), true), nil
}

// looksOnline guesses the environment of an export without a manifest:
// Exchange Online stamps ExternalDirectoryObjectId on (nearly) every
// recipient, on-premises Exchange on (nearly) none.
func looksOnline(records map[string][]Record) bool {
	with, total := 0, 0
	for _, base := range []string{FileDistributionGroup, FileRecipient} {
		for _, r := range records[base] {
			total++
			if s, _ := r.Str("ExternalDirectoryObjectId"); s != "" {
				with++
			}
		}
	}
	return total > 0 && with*2 > total
}

// addMemberRows groups the GroupMember rows by group and hands them to the
// builder. A row naming a group that is not in the group files is a gap:
// the group was removed between the two cmdlets, or its file is missing.
func (b *builder) addMemberRows(rows []Record) error {
	byGroup := map[string][]Record{}
	var order []string
	for _, r := range rows {
		var keys []string
		for _, p := range []string{"GroupExternalDirectoryObjectId", "GroupGuid", "GroupPrimarySmtpAddress", "GroupIdentity"} {
			s, err := r.Str(p)
			if err != nil {
				return err
			}
			if p == "GroupGuid" || p == "GroupExternalDirectoryObjectId" {
				s = normID(s)
			}
			if s != "" {
				keys = append(keys, s)
			}
		}
		if len(keys) == 0 {
			return fmt.Errorf("%s: no GroupGuid, GroupExternalDirectoryObjectId or GroupPrimarySmtpAddress: the row does not say which group it belongs to", r.Where)
		}
		id := ""
		for _, k := range keys {
			if v, amb := b.lookup(k); v != "" && !amb {
				if _, isGroup := b.groupIdx[v]; isGroup {
					id = v
					break
				}
			}
		}
		if id == "" {
			b.cover.AddGap(directory.CoverGroupMembers, keys[0], r.Where+": the group is not in the exported group files")
			continue
		}
		if _, ok := byGroup[id]; !ok {
			order = append(order, id)
		}
		byGroup[id] = append(byGroup[id], r)
	}
	for _, id := range order {
		b.setMembers(id, byGroup[id])
	}
	return nil
}

// find returns the path of base.json or base.csv (matched without regard to
// case, since exports move between Windows and other systems).
func (e Export) find(base string) (string, bool, error) {
	entries, err := os.ReadDir(e.Dir)
	if err != nil {
		return "", false, fmt.Errorf("exchange export: %w", err)
	}
	var found []string
	for _, de := range entries {
		n := de.Name()
		if de.Type()&fs.ModeType != 0 && !de.Type().IsRegular() {
			continue
		}
		for _, ext := range []string{".json", ".csv"} {
			if strings.EqualFold(n, base+ext) {
				found = append(found, n)
			}
		}
	}
	switch len(found) {
	case 0:
		return "", false, nil
	case 1:
		return filepath.Join(e.Dir, found[0]), true, nil
	}
	return "", false, fmt.Errorf("exchange export: %s: both %s are present; keep one", e.Dir, strings.Join(found, " and "))
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readFile reads a JSON or CSV export file into records.
func readFile(ctx context.Context, path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	name := filepath.Base(path)
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return readCSV(ctx, name, b)
	}
	return readJSON(ctx, name, b)
}

// readJSON reads what ConvertTo-Json writes: an array of objects, a single
// object (PowerShell does not wrap one result in an array), or nothing at
// all (no results).
func readJSON(ctx context.Context, name string, b []byte) ([]Record, error) {
	if len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	pos := func(off int64) string {
		line := 1 + bytes.Count(b[:min(int(off), len(b))], []byte("\n"))
		return fmt.Sprintf("line %d (byte %d)", line, off)
	}
	fail := func(what string, err error) error {
		off := dec.InputOffset()
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%s: %s: the file ends in the middle of the JSON (a partial export?)", name, what)
		}
		return fmt.Errorf("%s: %s at %s: %v", name, what, pos(off), err)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fail("not JSON", err)
	}
	switch tok {
	case json.Delim('{'):
		// A single object: decode it again from the start.
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, fail("element 1", err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: unexpected data after the object", name)
		}
		return []Record{NewRecord(name+" element 1 (line 1)", obj)}, nil
	case json.Delim('['):
	default:
		return nil, fmt.Errorf("%s: expected an array of objects (ConvertTo-Json output), found %v at the start", name, tok)
	}
	var out []Record
	for i := 1; dec.More(); i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		start := dec.InputOffset()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fail(fmt.Sprintf("element %d", i), err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: element %d at %s: expected an object, found %s", name, i, pos(start), describe(v))
		}
		out = append(out, NewRecord(fmt.Sprintf("%s element %d (%s)", name, i, pos(start+1)), obj))
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail("end of array", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: unexpected data after the array at %s", name, pos(dec.InputOffset()))
	}
	return out, nil
}

// readCSV reads what Export-Csv writes: an optional "#TYPE ..." line, a
// header, one row per object.
func readCSV(ctx context.Context, name string, b []byte) ([]Record, error) {
	line0 := 0
	if bytes.HasPrefix(b, []byte("#TYPE")) {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil, nil
		}
		b = b[i+1:]
		line0 = 1
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, csvError(name, line0, err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
	}
	var out []Record
	for n := 1; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, csvError(name, line0, err)
		}
		line, _ := r.FieldPos(0)
		out = append(out, newCSVRecord(fmt.Sprintf("%s line %d", name, line+line0), header, row))
	}
}

func csvError(name string, line0 int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s line %d column %d: %v", name, pe.Line+line0, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}
