package tracking

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// A saved answer of the Graph message-trace API (Graph Explorer's
// download, Invoke-MgGraphRequest -OutputFilePath, curl) is a page: a JSON
// object whose value array holds exchangeMessageTrace rows, with an
// @odata.nextLink when more pages follow. A file may hold one page,
// several written one after another, or a JSON array of them; the pages
// of one file are taken as one query's, in the order they were fetched.
// Its rows mean what the live API's rows mean (GraphTrace,
// GraphMessages): the analysis cannot tell the two apart.

// nextPagesLack is what a file lacks whose last page says more follow.
const nextPagesLack = "the Graph message-trace pages that follow the saved ones (the last saved page has an @odata.nextLink, so more follow: " +
	"save every page into the file, one after another or as a JSON array, or read the live source with trace --m365)"

// jsonStart reports whether text (a file's first bytes, past a byte order
// mark) begins, past white space, as JSON pages do. No tracking log or
// CSV export begins with a brace or a bracket.
func jsonStart(text []byte) bool {
	b := bytes.TrimLeft(text, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// graphPages reads the rest of the file, r, as saved message-trace pages
// (see above). base is how many bytes of the file come before r (a byte
// order mark), so that an error names the file's own offset; decoded
// names the text offsets are in when it is not the file's.
func (p *parser) graphPages(ctx context.Context, r io.Reader, base int64, decoded string) error {
	f := p.file()
	f.Format = FormatTrace
	var msgs GraphMessages
	next := ""
	emit := func(ev *Event) error {
		if p.slot != nil {
			// The parallel reader keeps the event in its batch.
			s := p.slot()
			*s = *ev
			ev = s
		}
		p.file().Events++
		p.st.Events++
		if err := p.fn(ev); err != nil {
			return errStop{err}
		}
		if p.renew != nil && p.file().Events%batchEvents == 0 {
			// Hands the batch over: the rows are not read into the
			// batch's buffer, which would hand it over when full.
			p.renew(nil)
		}
		return nil
	}
	err := decodeGraphPages(r, pageWalk{
		row: func(w *GraphTrace, at int64, err error) error {
			p.line++
			p.file().Lines++
			p.st.Lines++
			if p.line&0xfff == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
			}
			if p.file().Lines == 1 && err == nil && w.ReceivedDateTime == "" && w.SenderAddress == "" && w.RecipientAddress == "" && w.MessageID == "" {
				// A page of other rows, saved without its @odata.context.
				return &pageError{off: at, reason: "its first row has none of a message trace's values (receivedDateTime, senderAddress, recipientAddress, messageId)", notPage: true}
			}
			if err == nil {
				t, terr := w.Received()
				if terr == nil {
					return msgs.Add(w, t, p.name, p.line, emit)
				}
				err = terr
			}
			p.bad(p.line, p.line, "row %d (byte offset %d%s): %v", p.line, base+at, decoded, err)
			return nil
		},
		page: func(nextLink string) { next = nextLink },
	})
	var stop errStop
	if errors.As(err, &stop) || ctx.Err() != nil {
		return err
	}
	// The rows read stand, also when the file is cut short.
	if ferr := msgs.Flush(emit); ferr != nil {
		return ferr
	}
	if pe, ok := errors.AsType[*pageError](err); ok {
		what := "saved Graph message-trace page"
		if pe.notPage {
			what = "not a " + what
			if pe.off == 0 {
				// The whole file: no place to name.
				return fmt.Errorf("%s: %s", what, pe.reason)
			}
		}
		return fmt.Errorf("%s: byte offset %d%s: %s", what, base+pe.off, decoded, pe.reason)
	}
	if err != nil {
		return err
	}
	if next != "" {
		p.lack(nextPagesLack)
	}
	return nil
}
