package ldif

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"dgaudit/directory/adattr"
	"dgaudit/directory/internal/textenc"
)

// Record is one LDIF content record (an entry), or the values a
// "changetype: modify" record adds to one.
type Record struct {
	// Line is the line the record starts on.
	Line  int
	DN    string
	Attrs []Attr
	// Modify is set for a "changetype: modify" record. Only "add"
	// operations are accepted: ldifde writes the rest of a ranged attribute
	// that way, and anything else is a change, not an export.
	Modify bool
}

// Attr is one attribute value as written, options included
// ("member;range=0-1499").
type Attr struct {
	Name  string
	Value []byte
}

// SyntaxError is a malformed line.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// maxLine bounds one logical line (a folded value) so that a corrupt file
// cannot exhaust memory: AD caps values well below it.
const maxLine = 64 << 20

// Parse reads LDIF (RFC 2849, as written by ldifde and ldapsearch) and calls
// fn for every record in file order. It accepts folded lines, base64 values,
// comments, "version: 1", CRLF line ends and ldapsearch's result trailer;
// it rejects URL values and change records other than adds. Errors name the
// line.
//
// The file may be UTF-16 after a byte order mark, as ldifde -u writes it,
// or UTF-8 after one; it is decoded as it is read.
func Parse(r io.Reader, fn func(Record) error) error {
	br, _, err := textenc.NewReader(r)
	if err != nil {
		if te := (*textenc.Error)(nil); errors.As(err, &te) {
			return &SyntaxError{1, te.Error()}
		}
		return err
	}
	p := parser{r: br, fn: fn}
	return p.run()
}

type parser struct {
	r  *bufio.Reader
	fn func(Record) error

	lineNo int
	// The logical line being assembled from a physical line and its
	// continuations.
	logical     []byte
	logicalLine int
	comment     bool
	haveLogical bool

	rec     *Record
	skipRec bool // an ldapsearch "search:/result:" trailer or a "ref:" record
	sawAny  bool // a record or version line was seen
	modAttr string
	inModOp bool
}

func (p *parser) run() error {
	for {
		line, err := p.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long physical line: gather it whole.
			buf := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = p.r.ReadSlice('\n')
				buf = append(buf, line...)
				if len(buf) > maxLine {
					return &SyntaxError{p.lineNo + 1, fmt.Sprintf("line longer than %d bytes", maxLine)}
				}
			}
			line = buf
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if te := (*textenc.Error)(nil); errors.As(err, &te) {
				return &SyntaxError{p.lineNo + 1, te.Error()}
			}
			return fmt.Errorf("line %d: %w", p.lineNo+1, err)
		}
		if len(line) == 0 && errors.Is(err, io.EOF) {
			break
		}
		p.lineNo++
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if perr := p.physical(line); perr != nil {
			return perr
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if err := p.flushLogical(); err != nil {
		return err
	}
	return p.endRecord()
}

func (p *parser) physical(line []byte) error {
	if len(line) > 0 && line[0] == ' ' {
		if !p.haveLogical {
			return &SyntaxError{p.lineNo, "continuation line (starting with a space) with no line to continue"}
		}
		if !p.comment {
			if len(p.logical)+len(line) > maxLine {
				return &SyntaxError{p.logicalLine, fmt.Sprintf("value longer than %d bytes", maxLine)}
			}
			p.logical = append(p.logical, line[1:]...)
		}
		return nil
	}
	if err := p.flushLogical(); err != nil {
		return err
	}
	if len(line) == 0 {
		return p.endRecord()
	}
	p.haveLogical = true
	p.logicalLine = p.lineNo
	p.comment = line[0] == '#'
	p.logical = append(p.logical[:0], line...)
	return nil
}

func (p *parser) flushLogical() error {
	if !p.haveLogical {
		return nil
	}
	p.haveLogical = false
	if p.comment {
		return nil
	}
	return p.logicalLineDone(p.logical, p.logicalLine)
}

func (p *parser) endRecord() error {
	rec, skip := p.rec, p.skipRec
	p.rec, p.skipRec, p.inModOp, p.modAttr = nil, false, false, ""
	if rec == nil || skip {
		return nil
	}
	return p.fn(*rec)
}

func (p *parser) logicalLineDone(l []byte, n int) error {
	if p.rec != nil && p.rec.Modify && string(l) == "-" {
		p.inModOp, p.modAttr = false, ""
		return nil
	}
	name, value, err := splitLine(l, n)
	if err != nil {
		if p.skipRec {
			return nil
		}
		return err
	}
	lname := strings.ToLower(name)
	if p.rec == nil && !p.skipRec {
		switch lname {
		case "version":
			if p.sawAny {
				return &SyntaxError{n, "version line after the first record"}
			}
			p.sawAny = true
			if strings.TrimSpace(string(value)) != "1" {
				return &SyntaxError{n, fmt.Sprintf("LDIF version %q is not supported (want 1)", value)}
			}
			return nil
		case "dn":
			p.sawAny = true
			p.rec = &Record{Line: n, DN: string(value)}
			return nil
		case "search", "result", "ref":
			// ldapsearch writes the search result ("search: 2",
			// "result: 0 Success") and referrals as records without
			// a DN; they carry no entry.
			if lname == "result" {
				if err := searchResult(string(value), n); err != nil {
					return err
				}
			}
			p.skipRec = true
			return nil
		}
		return &SyntaxError{n, fmt.Sprintf("record starts with %q, want \"dn:\"", name)}
	}
	if p.skipRec {
		if lname == "result" {
			return searchResult(string(value), n)
		}
		return nil
	}
	rec := p.rec
	switch {
	case lname == "changetype":
		switch strings.ToLower(strings.TrimSpace(string(value))) {
		case "add":
		case "modify":
			rec.Modify = true
		default:
			return &SyntaxError{n, fmt.Sprintf("changetype %q: dgaudit reads exports (entries, or ldifde's added values), not change files", value)}
		}
		return nil
	case lname == "control":
		return &SyntaxError{n, "LDAP controls in LDIF are not supported: dgaudit reads exports, not change files"}
	case rec.Modify && !p.inModOp:
		switch lname {
		case "add":
			p.inModOp, p.modAttr = true, strings.ToLower(string(value))
			return nil
		case "delete", "replace", "increment":
			return &SyntaxError{n, fmt.Sprintf("modify operation %q: dgaudit reads exports, not change files", name)}
		}
		return &SyntaxError{n, fmt.Sprintf("%q in a modify record where \"add:\" was expected", name)}
	case rec.Modify && !strings.EqualFold(baseOf(name), baseOf(p.modAttr)):
		return &SyntaxError{n, fmt.Sprintf("value for %q inside \"add: %s\"", name, p.modAttr)}
	}
	if strings.Contains(lname, ";range=") {
		// The importer trusts the range to tell a whole attribute from
		// its first chunk: one that does not parse is a broken export.
		if _, _, err := adattr.ParseRange(name); err != nil {
			return &SyntaxError{n, err.Error()}
		}
	}
	rec.Attrs = append(rec.Attrs, Attr{Name: name, Value: value})
	return nil
}

// searchResult checks the result ldapsearch wrote after the entries. Any
// code but 0 means the search stopped early (4, the server's size limit,
// is the usual one: AD answers 1,000 entries to a search without paging),
// so the export holds an arbitrary part of the directory; audited, it would
// look complete.
func searchResult(value string, n int) error {
	value = strings.TrimSpace(value)
	code, _, _ := strings.Cut(value, " ")
	switch code {
	case "0":
		return nil
	case "3", "4", "11": // time, size and administrative limits
		return &SyntaxError{n, fmt.Sprintf("the search that wrote this export ended with %q, not 0 Success: it holds only part of the directory; "+
			"export again with paging (ldapsearch -E pr=1000/noprompt) or a higher limit", value)}
	}
	return &SyntaxError{n, fmt.Sprintf("the search that wrote this export ended with %q, not 0 Success: fix the search and export again", value)}
}

func baseOf(desc string) string {
	b, _, _ := strings.Cut(desc, ";")
	return b
}

// splitLine parses "name: value", "name:: base64" or "name:< url".
func splitLine(l []byte, n int) (string, []byte, error) {
	i := bytes.IndexByte(l, ':')
	if i < 0 {
		return "", nil, &SyntaxError{n, fmt.Sprintf("no ':' in %q", clip(l))}
	}
	name := string(l[:i])
	if err := checkName(name); err != nil {
		return "", nil, &SyntaxError{n, err.Error()}
	}
	rest := l[i+1:]
	switch {
	case len(rest) > 0 && rest[0] == ':':
		enc := bytes.TrimSpace(rest[1:])
		v := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
		m, err := base64.StdEncoding.Decode(v, enc)
		if err != nil {
			return "", nil, &SyntaxError{n, fmt.Sprintf("attribute %s: bad base64 value: %v", name, err)}
		}
		return name, v[:m], nil
	case len(rest) > 0 && rest[0] == '<':
		return "", nil, &SyntaxError{n, fmt.Sprintf("attribute %s: URL values (\":<\") are not supported", name)}
	}
	t := bytes.TrimLeft(rest, " ")
	v := make([]byte, len(t))
	copy(v, t)
	return name, v, nil
}

func checkName(name string) error {
	if name == "" {
		return errors.New("empty attribute name")
	}
	for _, c := range name {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == ';' || c == '=' || c == '.' || c == '*' || c == '_':
		default:
			return fmt.Errorf("attribute name %q has the character %q", clip([]byte(name)), c)
		}
	}
	return nil
}

func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}
