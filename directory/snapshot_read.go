package directory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"dgaudit/directory/internal/textenc"
)

// File is a snapshot file used as a source.
type File struct{ Path string }

// Snapshot reads and validates the file. It streams: objects are decoded one
// at a time from the open file, so reading a snapshot of a large directory
// needs memory for the objects and not for a copy of the file as well.
func (f File) Snapshot(ctx context.Context) (*Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	defer fh.Close()
	s, err := Read(bufio.NewReaderSize(fh, 1<<20))
	if err != nil {
		var pe *positionError
		if errors.As(err, &pe) {
			if _, serr := fh.Seek(0, io.SeekStart); serr == nil {
				pe.line, pe.col = lineColReader(fh, pe.offset)
			}
		}
		return nil, fmt.Errorf("snapshot %s: %w", f.Path, err)
	}
	return s, nil
}

// Decode parses and validates a snapshot held in memory.
func Decode(data []byte) (*Snapshot, error) {
	s, err := Read(bytes.NewReader(data))
	if err != nil {
		var pe *positionError
		if errors.As(err, &pe) {
			pe.line, pe.col = lineColReader(bytes.NewReader(data), pe.offset)
		}
		return nil, err
	}
	return s, nil
}

// Read parses and validates a snapshot from a stream. Unknown fields are
// errors, so a typo or a file from another tool does not pass for an empty
// organization; a newer schema version is refused before anything else is
// read, because Write puts schemaVersion first.
//
// A UTF-8 byte order mark is skipped (an editor may add one); UTF-16 is
// refused with a message that says so, where the decoder would complain
// about the character 'ÿ'. dgaudit writes snapshots in UTF-8 only, so a
// UTF-16 one was re-saved by something else.
func Read(r io.Reader) (*Snapshot, error) {
	br := bufio.NewReader(r)
	enc, err := textenc.Sniff(br)
	if err != nil {
		return nil, err
	}
	if enc.IsUTF16() {
		return nil, fmt.Errorf("the file is %s, so something re-saved it after dgaudit wrote it (Windows PowerShell's Out-File and \">\" write UTF-16 by default): dgaudit writes and reads snapshots as UTF-8; use the file collect wrote, or save this one as UTF-8", enc)
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	var s Snapshot
	sawVersion := false
	// seen catches a key given twice: the decoder would let the second
	// "groups" replace the first unseen, and the audit would judge half the
	// directory as if it were all of it.
	seen := make(map[string]bool, 8)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, positioned(dec, err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, positioned(dec, fmt.Errorf("key %q appears twice in the snapshot object: dgaudit writes each section once, so the file was edited or joined, and reading it would silently drop one of them", key))
		}
		seen[key] = true
		switch key {
		case "schemaVersion":
			if err := dec.Decode(&s.SchemaVersion); err != nil {
				return nil, positioned(dec, err)
			}
			if err := checkVersion(s.SchemaVersion); err != nil {
				return nil, err
			}
			sawVersion = true
		case "source":
			err = dec.Decode(&s.Source)
		case "collectedAt":
			err = dec.Decode(&s.CollectedAt)
		case "collector":
			err = dec.Decode(&s.Collector)
		case "organization":
			err = dec.Decode(&s.Org)
		case "coverage":
			err = dec.Decode(&s.Coverage)
		case "groups":
			s.Groups, err = readArray[Group](dec, "groups")
		case "users":
			s.Users, err = readArray[User](dec, "users")
		case "contacts":
			s.Contacts, err = readArray[Contact](dec, "contacts")
		default:
			if !sawVersion {
				return nil, errors.New("not a dgaudit snapshot: no schemaVersion field before " + quote(key))
			}
			return nil, positioned(dec, fmt.Errorf("json: unknown field %q", key))
		}
		if err != nil {
			return nil, positioned(dec, fmt.Errorf("%s: %w", key, err))
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, positioned(dec, errors.New("trailing data after the snapshot object"))
	}
	if !sawVersion {
		return nil, errors.New("not a dgaudit snapshot: no schemaVersion field")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := checkSections(seen); err != nil {
		return nil, err
	}
	if err := s.checkCounts(); err != nil {
		return nil, err
	}
	s.Normalize()
	s.shareIDs()
	return &s, nil
}

// shareIDs makes member and owner references use the referenced object's own
// ID string. Decoding gives every reference its own copy, and a directory
// with a million memberships would otherwise hold a million duplicate IDs.
func (s *Snapshot) shareIDs() {
	ids := make(map[string]string, len(s.Groups)+len(s.Users)+len(s.Contacts))
	for i := range s.Groups {
		ids[s.Groups[i].ID] = s.Groups[i].ID
	}
	for i := range s.Users {
		ids[s.Users[i].ID] = s.Users[i].ID
	}
	for i := range s.Contacts {
		ids[s.Contacts[i].ID] = s.Contacts[i].ID
	}
	share := func(refs []string) {
		for j, r := range refs {
			if id, ok := ids[r]; ok {
				refs[j] = id
			}
		}
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		share(g.Members)
		share(g.ManagedBy)
	}
}

// sections are the top-level keys Write always writes ("collector" only
// when it is set). A file without one was cut or edited after dgaudit wrote
// it, and reading the absent section as empty would be wrong: with no
// "groups" the audit judges no group and calls itself complete, with no
// "coverage" it loses every gap.
var sections = []string{"schemaVersion", "source", "collectedAt", "organization", "groups", "users", "contacts", "coverage"}

func checkSections(seen map[string]bool) error {
	var missing []string
	for _, k := range sections {
		if !seen[k] {
			missing = append(missing, quote(k))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	keys := "key"
	if len(missing) > 1 {
		keys = "keys"
	}
	return fmt.Errorf("damaged snapshot: no %s %s at the top level: dgaudit writes every section, so the file was edited or cut short after it was written; collect again", strings.Join(missing, ", "), keys)
}

func checkVersion(v int) error {
	switch {
	case v > SchemaVersion:
		return fmt.Errorf("snapshot schema version %d is newer than this dgaudit reads (%d): upgrade dgaudit", v, SchemaVersion)
	case v < 1:
		return fmt.Errorf("snapshot schema version %d is not valid", v)
	}
	return nil
}

// readArray decodes a JSON array one element at a time.
func readArray[T any](dec *json.Decoder, name string) ([]T, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("want an array, got %v", tok)
	}
	var out []T
	for i := 0; dec.More(); i++ {
		var v T
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", name, i, err)
		}
		out = append(out, v)
	}
	_, err = dec.Token() // the closing bracket
	return out, err
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return positioned(dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return positioned(dec, fmt.Errorf("want %q, got %v", want, tok))
	}
	return nil
}

// positionError is an error at a byte offset of the input; the caller that
// can re-read the input fills in the line and column.
type positionError struct {
	offset    int64
	line, col int
	err       error
}

func (e *positionError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d column %d: %v", e.line, e.col, e.err)
	}
	return fmt.Sprintf("byte %d: %v", e.offset, e.err)
}

func (e *positionError) Unwrap() error { return e.err }

func positioned(dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of file: the snapshot is empty or truncated")
	}
	var pe *positionError
	if errors.As(err, &pe) {
		return err
	}
	offset := dec.InputOffset()
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		// The type error's own offset is relative to the element being
		// decoded; the decoder's position (the element's end) is in the file.
		field := strings.TrimPrefix(typ.Field, "Recipient.")
		err = fmt.Errorf("field %q: cannot use JSON %s as %s", field, typ.Value, typ.Type)
	}
	return &positionError{offset: offset, err: err}
}

// lineColReader counts lines up to offset, which Read's decoder counts from
// after a byte order mark.
func lineColReader(r io.Reader, offset int64) (int, int) {
	br := bufio.NewReader(r)
	if _, err := textenc.Sniff(br); err != nil {
		return 0, 0
	}
	br = bufio.NewReader(io.LimitReader(br, offset))
	line, col := 1, 1
	for {
		b, err := br.ReadByte()
		if err != nil {
			return line, col
		}
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
}
