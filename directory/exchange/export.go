package exchange

import (
	"bufio"
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
	"dgaudit/directory/internal/textenc"
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
	{FileDynamicDistributionGroup, CmdDynamicDistributionGroup, false, directory.CoverDynamicGroups},
	{FileUnifiedGroup, CmdUnifiedGroup, false, directory.CoverMicrosoft365Groups},
	{FileMailContact, CmdMailContact, false, ""},
	{FileMailUser, CmdMailUser, false, ""},
	{FileAcceptedDomain, CmdAcceptedDomain, false, directory.CoverAcceptedDomains},
	{FileRemoteDomain, CmdRemoteDomain, false, directory.CoverRemoteDomains},
}

// fileNames names both forms a file of the export can take: the script
// writes .json, or .csv with -Format Csv, and the manifest does not say
// which, so a message about a missing file names both.
func fileNames(base string) string { return base + ".json or " + base + ".csv" }

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
	// Unread names the files the script left out because their cmdlet
	// failed or is not available, with the reason.
	Unread map[string]string `json:"Unread"`
}

// Snapshot reads and maps the export.
func (e Export) Snapshot(ctx context.Context) (*directory.Snapshot, error) {
	if fi, err := os.Stat(e.Dir); err != nil {
		return nil, fmt.Errorf("exchange export: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("exchange export: %s is not a directory", e.Dir)
	}
	files, err := listFolder(e.Dir)
	if err != nil {
		return nil, err
	}
	source := "exchange-export:" + e.Dir
	var man manifest
	if path, ok, err := files.find(FileManifest); err != nil {
		return nil, err
	} else if ok {
		b, err := readText(path)
		if err != nil {
			return nil, fmt.Errorf("exchange export: %s: %w", filepath.Base(path), err)
		}
		if err := json.Unmarshal(b, &man); err != nil {
			return nil, fmt.Errorf("exchange export: %s: %w", filepath.Base(path), err)
		}
		switch man.Environment {
		case "", EnvOnPremises, EnvExchangeOnline:
		default:
			return nil, fmt.Errorf("exchange export: %s: Environment is %q, want %s or %s", filepath.Base(path), man.Environment, EnvOnPremises, EnvExchangeOnline)
		}
	}

	paths := map[string]string{}
	var gaps []directory.Gap
	for _, f := range exportFiles {
		path, ok, err := files.find(f.base)
		if err != nil {
			return nil, err
		}
		if ok {
			paths[f.base] = path
			continue
		}
		if f.required {
			return nil, fmt.Errorf("exchange export: %s: %s is missing; it holds the output of %s, which the audit cannot do without (run scripts/Export-DgauditData.ps1 again)", e.Dir, fileNames(f.base), f.cmdlet)
		}
		if f.coverWhat != "" {
			gaps = append(gaps, directory.Gap{What: f.coverWhat, Reason: fmt.Sprintf("%s is not in the export (the output of %s)", fileNames(f.base), f.cmdlet)})
		}
	}

	online := man.Environment == EnvExchangeOnline
	if man.Environment == "" {
		var err error
		if online, err = looksOnline(ctx, paths[FileDistributionGroup]); err != nil {
			return nil, fmt.Errorf("exchange export: %w", err)
		}
	}
	b := newBuilder(source, online)
	b.org.Name = man.Organization
	// Files are streamed one record at a time, in an order that lets each
	// reference resolve as it is read: groups, then recipients, then the
	// member rows that point at both.
	steps := []struct {
		base string
		add  func(Record)
	}{
		{FileDistributionGroup, func(r Record) { b.addGroup(CmdDistributionGroup, r) }},
		{FileDynamicDistributionGroup, func(r Record) { b.addGroup(CmdDynamicDistributionGroup, r) }},
		{FileUnifiedGroup, func(r Record) { b.addGroup(CmdUnifiedGroup, r) }},
		{FileRecipient, b.addRecipient},
		{FileMailContact, b.addRecipient},
		{FileMailUser, b.addRecipient},
		{FileGroupMember, b.addMemberRow},
		{FileAcceptedDomain, b.addAcceptedDomain},
		{FileRemoteDomain, b.addRemoteDomain},
	}
	counts := map[string]int{}
	for _, st := range steps {
		path, ok := paths[st.base]
		if !ok {
			continue
		}
		err := eachRecord(ctx, path, func(r Record) error {
			counts[st.base]++
			st.add(r)
			if len(b.errs) > maxErrors {
				return b.err()
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("exchange export: %w", err)
		}
	}
	if err := e.readHygiene(ctx, b, files, man.Unread, online); err != nil {
		return nil, err
	}
	if err := b.err(); err != nil {
		return nil, fmt.Errorf("exchange export: %s: %w", e.Dir, err)
	}
	if _, ok := paths[FileAcceptedDomain]; ok {
		b.cover.AddRead(directory.CoverAcceptedDomains, counts[FileAcceptedDomain], source)
	}
	if _, ok := paths[FileRemoteDomain]; ok {
		b.cover.AddRead(directory.CoverRemoteDomains, counts[FileRemoteDomain], source)
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
// Exchange Online stamps ExternalDirectoryObjectId on every distribution
// group, on-premises Exchange on (nearly) none. The first onlineSample
// groups decide, so that a large file is not read twice in full; the
// main read checks all of it.
func looksOnline(ctx context.Context, path string) (bool, error) {
	with, total := 0, 0
	err := eachRecord(ctx, path, func(r Record) error {
		total++
		if s, _ := r.Str("ExternalDirectoryObjectId"); s != "" {
			with++
		}
		if total == onlineSample {
			return errSampled
		}
		return nil
	})
	if errors.Is(err, errSampled) {
		err = nil
	}
	return total > 0 && with*2 > total, err
}

const onlineSample = 1000

var errSampled = errors.New("sampled enough")

// addMemberRow adds one GroupMember row to the group its Group* columns
// name. A row naming a group that is not in the group files is a gap: the
// group was removed between the two cmdlets, or its file is missing.
func (b *builder) addMemberRow(r Record) {
	var keys []string
	for _, p := range []string{"GroupExternalDirectoryObjectId", "GroupGuid", "GroupPrimarySmtpAddress", "GroupIdentity"} {
		s, err := r.Str(p)
		if err != nil {
			b.errs = append(b.errs, err)
			return
		}
		if p == "GroupGuid" || p == "GroupExternalDirectoryObjectId" {
			s = normID(s)
		}
		if s != "" {
			keys = append(keys, s)
		}
	}
	if len(keys) == 0 {
		b.errs = append(b.errs, fmt.Errorf("%s: no GroupGuid, GroupExternalDirectoryObjectId or GroupPrimarySmtpAddress: the row does not say which group it belongs to", r.Where()))
		return
	}
	for _, k := range keys {
		if v, amb := b.lookup(k); v != "" && !amb {
			if i, isGroup := b.groupIdx[v]; isGroup {
				b.addMember(i, r)
				return
			}
		}
	}
	b.cover.AddGap(directory.CoverGroupMembers, keys[0], r.Where()+": the group is not in the exported group files")
}

// folder is the export folder's regular files, listed once.
type folder struct {
	dir   string
	names []string
}

func listFolder(dir string) (folder, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return folder{}, fmt.Errorf("exchange export: %w", err)
	}
	f := folder{dir: dir}
	for _, de := range entries {
		if de.Type()&fs.ModeType != 0 && !de.Type().IsRegular() {
			continue
		}
		f.names = append(f.names, de.Name())
	}
	return f, nil
}

// find returns the path of base.json or base.csv (matched without regard to
// case, since exports move between Windows and other systems).
func (f folder) find(base string) (string, bool, error) {
	var found []string
	for _, n := range f.names {
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
		return filepath.Join(f.dir, found[0]), true, nil
	}
	return "", false, fmt.Errorf("exchange export: %s: both %s are present; keep one", f.dir, strings.Join(found, " and "))
}

// readText reads a small file whole, as UTF-8 (see eachRecord).
func readText(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br, _, err := textenc.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(br)
}

// eachRecord streams a JSON or CSV export file, calling fn for each object.
// The file may be UTF-8, with or without a byte order mark, or UTF-16 after
// one: the script writes UTF-8, but an administrator who runs a cmdlet by
// hand gets UTF-16 from Windows PowerShell's Out-File and ">" (their
// default) and from Export-Csv -Encoding Unicode.
func eachRecord(ctx context.Context, path string, fn func(Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	name := filepath.Base(path)
	br, _, err := textenc.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return eachCSV(ctx, name, br, fn)
	}
	return eachJSON(ctx, path, name, br, fn)
}

// eachJSON reads what ConvertTo-Json writes: an array of objects, a single
// object (PowerShell does not wrap one result in an array), or nothing at
// all (no results). Errors name the element and the line.
func eachJSON(ctx context.Context, path, name string, r io.Reader, fn func(Record) error) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	fail := func(what string, err error) error {
		if errors.Is(err, io.ErrUnexpectedEOF) || (errors.Is(err, io.EOF) && what != "start") {
			return fmt.Errorf("%s: %s: the file ends in the middle of the JSON (a partial export?)", name, what)
		}
		off := dec.InputOffset()
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		}
		return fmt.Errorf("%s: %s at %s: %v", name, what, position(path, off), err)
	}
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil // no results: ConvertTo-Json wrote nothing
	}
	if err != nil {
		return fail("start", err)
	}
	switch tok {
	case nil:
		return nil // "null"
	case json.Delim('{'):
		// A single object: read its members by hand, the decoder is past
		// the opening brace.
		obj, err := decodeObjectRest(dec)
		if err != nil {
			return fail("element 1", err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: unexpected data after the object at %s", name, position(path, dec.InputOffset()))
		}
		return fn(newRecord(path, 1, 0, locElement, obj))
	case json.Delim('['):
	default:
		return fmt.Errorf("%s: expected an array of objects (ConvertTo-Json output), found %v at the start", name, tok)
	}
	for i := int64(1); dec.More(); i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		start := dec.InputOffset()
		var v any
		if err := dec.Decode(&v); err != nil {
			return fail(fmt.Sprintf("element %d", i), err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: element %d at %s: expected an object, found %s", name, i, position(path, start), describe(v))
		}
		if err := fn(newRecord(path, i, start, locElement, obj)); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail("end of array", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: unexpected data after the array at %s", name, position(path, dec.InputOffset()))
	}
	return nil
}

// decodeObjectRest reads the members of an object whose opening brace the
// decoder has consumed.
func decodeObjectRest(dec *json.Decoder) (map[string]any, error) {
	obj := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("expected a property name, found %v", tok)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		obj[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return obj, nil
}

// position turns a byte offset into "line L (byte N)". Only error paths call
// it, so reading the file again is cheap enough. The offset is the
// decoder's, in the text as eachRecord decoded it, so the file is decoded
// the same way again.
func position(path string, off int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("byte %d", off)
	}
	defer f.Close()
	line := 1
	text, enc, err := textenc.NewReader(f)
	if err != nil {
		return fmt.Sprintf("byte %d", off)
	}
	br := bufio.NewReader(io.LimitReader(text, off))
	for {
		b, err := br.ReadByte()
		if err != nil {
			break
		}
		if b == '\n' {
			line++
		}
	}
	if enc.IsUTF16() {
		// The offset counts bytes of the decoded text, not of the file.
		return fmt.Sprintf("line %d", line)
	}
	return fmt.Sprintf("line %d (byte %d)", line, off)
}

// eachCSV reads what Export-Csv writes: an optional "#TYPE ..." line, a
// header, one row per object.
func eachCSV(ctx context.Context, name string, br *bufio.Reader, fn func(Record) error) error {
	line0 := 0
	if p, err := br.Peek(5); err == nil && string(p) == "#TYPE" {
		if _, err := br.ReadString('\n'); err != nil {
			return nil
		}
		line0 = 1
	}
	r := csv.NewReader(br)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return csvError(name, line0, err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
	}
	for n := 1; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(name, line0, err)
		}
		line, _ := r.FieldPos(0)
		if err := fn(newCSVRecord(name, line+line0, header, row)); err != nil {
			return err
		}
	}
}

func csvError(name string, line0 int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s line %d column %d: %v", name, pe.Line+line0, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}
