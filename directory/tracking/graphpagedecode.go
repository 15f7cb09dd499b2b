package tracking

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// pageError is a saved page's JSON that cannot be read: where (the
// offset of the byte at fault, from 0), and why.
type pageError struct {
	off    int64
	reason string
	// notPage: the JSON is not message-trace pages at all (another API's
	// answer, a report), not pages that break off.
	notPage bool
}

func (e *pageError) Error() string {
	return fmt.Sprintf("byte offset %d: %s", e.off, e.reason)
}

// pageWalk is what decodeGraphPages calls back: row for each row of a page,
// at its offset (err set when its values are not what Graph writes), page
// at the end of each page with its nextLink.
type pageWalk struct {
	row  func(w *GraphTrace, at int64, err error) error
	page func(nextLink string)
}

// pageReader walks saved pages with a JSON decoder, one row at a time, so
// that memory does not grow with the file.
type pageReader struct {
	dec *json.Decoder
	// in counts what the decoder read: a text cut short is placed at its
	// end, which the decoder, still at the value it began, does not know.
	in   *countingReader
	walk pageWalk
}

// decodeGraphPages walks the pages in r. It returns a *pageError when the
// text is not pages (with the offset in r), or the callbacks' error.
func decodeGraphPages(r io.Reader, walk pageWalk) error {
	in := &countingReader{r: r}
	pr := &pageReader{dec: json.NewDecoder(in), in: in, walk: walk}
	return pr.pages()
}

func (pr *pageReader) pages() error {
	dec := pr.dec
	pages := 0
	for {
		at := pr.next()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return pr.fault(err)
		}
		switch tok {
		case json.Delim('{'):
			if err := pr.page(at); err != nil {
				return err
			}
			pages++
		case json.Delim('['):
			// An array of pages: ConvertTo-Json of the pages an
			// admin gathered.
			for dec.More() {
				at := pr.next()
				if err := pr.expect('{', "a page (a JSON object with a value array)"); err != nil {
					return err
				}
				if err := pr.page(at); err != nil {
					return err
				}
				pages++
			}
			if _, err := dec.Token(); err != nil {
				return pr.fault(err)
			}
		default:
			return &pageError{off: at, reason: fmt.Sprintf("%s where a page (a JSON object with a value array) begins", tokenText(tok))}
		}
	}
	if pages == 0 {
		return &pageError{off: dec.InputOffset(), reason: "no page of the Graph message-trace API (a JSON object with a value array)", notPage: true}
	}
	return nil
}

// page reads a page's members after its opening brace, at offset at,
// through its closing one.
func (pr *pageReader) page(at int64) error {
	dec := pr.dec
	var next string
	hasValue := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return pr.fault(err)
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "value"):
			if err := pr.expect('[', "the value array"); err != nil {
				return err
			}
			for dec.More() {
				if err := pr.row(); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return pr.fault(err)
			}
			hasValue = true
		case strings.EqualFold(strings.TrimPrefix(key, "@"), "odata.context"):
			// The API the page is of: another's rows (users, a message's
			// trace details) are no message-trace rows, and each would
			// be reported malformed.
			var ctx string
			if err := dec.Decode(&ctx); err != nil {
				if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok {
					return pr.fault(err)
				}
			}
			if !traceContext(ctx) {
				_, what, _ := strings.Cut(ctx, "#")
				if len(what) > 100 {
					what = what[:100] + "..."
				}
				return &pageError{off: at, reason: fmt.Sprintf("its @odata.context names %q, not the message-trace API's messageTraces", what), notPage: true}
			}
		case strings.EqualFold(strings.TrimPrefix(key, "@"), "odata.nextLink"):
			v := pr.next()
			if err := dec.Decode(&next); err != nil {
				if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
					return &pageError{off: v, reason: "@odata.nextLink is not a string"}
				}
				return pr.fault(err)
			}
		default:
			// Whatever else the page holds, a token at a time: a
			// report's findings are not held whole to be let go.
			if err := pr.skip(); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return pr.fault(err)
	}
	if !hasValue {
		return &pageError{off: at, reason: "a JSON object without a value array", notPage: true}
	}
	pr.walk.page(next)
	return nil
}

// traceContext reports whether a page's @odata.context is the message-trace
// API's (…/$metadata#admin/exchange/tracing/messageTraces, or a collection
// of exchangeMessageTrace), or says nothing; not its details'.
func traceContext(ctx string) bool {
	c := strings.ToLower(ctx)
	if !strings.Contains(c, "#") {
		return true
	}
	return strings.Contains(c, "messagetrace") && !strings.Contains(c, "detail")
}

// skip reads past one value, token by token.
func (pr *pageReader) skip() error {
	depth := 0
	for {
		tok, err := pr.dec.Token()
		if err != nil {
			return pr.fault(err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// row reads one row of a value array. Its text is taken whole first, to
// know where it begins.
func (pr *pageReader) row() error {
	var raw json.RawMessage
	if err := pr.dec.Decode(&raw); err != nil {
		return pr.fault(err)
	}
	start := pr.dec.InputOffset() - int64(len(raw))
	// A new value each time: decoding into the last row would keep what
	// this one lacks.
	var w GraphTrace
	err := json.Unmarshal(raw, &w)
	if typ, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		what := "the row"
		if typ.Field != "" {
			what = typ.Field
		}
		err = fmt.Errorf("%s is a JSON %s, not a %s", what, typ.Value, jsonKind(typ.Type.Kind()))
	}
	return pr.walk.row(&w, start, err)
}

// jsonKind names what Graph writes for a Go kind GraphTrace holds.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Struct:
		return "object"
	}
	return "number"
}

// expect reads the token d, which begins what.
func (pr *pageReader) expect(d json.Delim, what string) error {
	at := pr.next()
	tok, err := pr.dec.Token()
	if err != nil {
		return pr.fault(err)
	}
	if tok != d {
		return &pageError{off: at, reason: fmt.Sprintf("%s where %s begins", tokenText(tok), what)}
	}
	return nil
}

// tokenText names a token for a message.
func tokenText(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %q", clip(v))
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// next is the offset of the next token: past the white space, colon or
// comma before it, when the decoder holds them.
func (pr *pageReader) next() int64 {
	at := pr.dec.InputOffset()
	b, _ := pr.dec.Buffered().(*bytes.Reader)
	for b != nil {
		c, err := b.ReadByte()
		if err != nil || !strings.ContainsRune(" \t\r\n:,", rune(c)) {
			break
		}
		at++
	}
	return at
}

// fault places a decoding error. A syntax error's own offset counts from
// where the decoder last began a value, not from the start of the text:
// the text it holds from there on is decoded again to place it.
func (pr *pageReader) fault(err error) error {
	if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
		at := pr.dec.InputOffset()
		var raw json.RawMessage
		if again, ok := errors.AsType[*json.SyntaxError](json.NewDecoder(pr.dec.Buffered()).Decode(&raw)); ok {
			at += max(again.Offset-1, 0)
		}
		return &pageError{off: at, reason: syn.Error()}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &pageError{off: pr.in.n, reason: "the JSON ends before its pages do (a file cut short?)"}
	}
	return err
}
