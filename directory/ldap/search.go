package ldap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dgaudit/directory/adattr"

	goldap "github.com/go-ldap/ldap/v3"
)

// pagedSearch runs one search with the paged-results control and streams
// the entries to fn, at most two pages in memory at a time. It uses
// SearchAsync, not SearchWithPaging: the latter buffers every page and takes
// no context. A page that fails transiently restarts the search from its
// first page on a new connection (paging cookies belong to the connection),
// so fn may see an entry twice. page, if not nil, runs after each page.
func (s *Source) pagedSearch(ctx context.Context, op string, req *goldap.SearchRequest, fn func(e *goldap.Entry) error, page func()) error {
	return s.pagedSearchOn(ctx, s.pool, op, req, fn, page, nil)
}

// pageResult is one page read: its entries, the continuation references
// (referrals to other naming contexts below the base) and the cookie for
// the next.
type pageResult struct {
	entries []*goldap.Entry
	refs    []string
	cookie  []byte
	err     error
}

// pagedSearchOn is pagedSearch on the connection of pool p. It asks for
// the next page before it hands the current one to fn, so that the server
// builds a page while the client works through the one before it instead
// of the two taking turns. ref, if not nil, is given each continuation
// reference the server returns instead of following it (a retried search
// gives them again); without it they are dropped.
func (s *Source) pagedSearchOn(ctx context.Context, p *pool, op string, req *goldap.SearchRequest, fn func(e *goldap.Entry) error, page func(), ref func(url string)) error {
	pages := 0
	err := p.do(ctx, op, func(c *goldap.Conn, server string) error {
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		cur := s.readPage(pctx, c, req, nil)
		for {
			if cur.err != nil {
				return cur.err
			}
			var next chan pageResult
			if len(cur.cookie) > 0 {
				next = make(chan pageResult, 1)
				go func(cookie []byte) { next <- s.readPage(pctx, c, req, cookie) }(cur.cookie)
			}
			for _, e := range cur.entries {
				if err := fn(e); err != nil {
					// Abandon the next page, and wait for its reader
					// so that nothing uses the connection after return.
					cancel()
					if next != nil {
						<-next
					}
					return err
				}
			}
			if ref != nil {
				for _, r := range cur.refs {
					ref(r)
				}
			}
			pages++
			s.cfg.Logger.Debug("page read", "op", op, "page", pages)
			if page != nil {
				page()
			}
			if next == nil {
				return nil
			}
			cur = <-next
		}
	})
	if err != nil {
		return s.wrap(op, req.BaseDN, err)
	}
	return nil
}

// readPage reads the page of req that cookie points to (the first if nil).
// Each page gets a paging control of its own: the request of one page is
// still being sent while the previous page is being read.
func (s *Source) readPage(ctx context.Context, c *goldap.Conn, req *goldap.SearchRequest, cookie []byte) pageResult {
	paging := goldap.NewControlPaging(uint32(s.cfg.PageSize))
	paging.SetCookie(cookie)
	r := *req
	r.Controls = append(append([]goldap.Control(nil), req.Controls...), paging)
	// A buffer of a whole page lets go-ldap's goroutine convert the page
	// without waiting for this one.
	res := c.SearchAsync(ctx, &r, s.cfg.PageSize)
	var out pageResult
	done := false
	for res.Next() {
		if e := res.Entry(); e != nil {
			out.entries = append(out.entries, e)
			continue
		}
		// Continuation references (another domain or naming context below
		// the base) are not followed: the caller decides what they mean.
		if r := res.Referral(); r != "" {
			out.refs = append(out.refs, r)
			continue
		}
		if ctl, ok := goldap.FindControl(res.Controls(), goldap.ControlTypePaging).(*goldap.ControlPaging); ok && ctl != nil {
			out.cookie = ctl.Cookie
			done = true
		}
	}
	if err := res.Err(); err != nil {
		return pageResult{err: err}
	}
	// SearchAsync does not report cancellation as an error.
	if err := ctx.Err(); err != nil {
		return pageResult{err: err}
	}
	if !done && len(out.entries) == 0 && c.IsClosing() {
		return pageResult{err: errCutShort}
	}
	return out
}

// errCutShort is a page that brought nothing, not even the server's final
// message, on a connection that has closed. go-ldap's SearchAsync returns no
// entries and no error when the connection was already closing as the
// request started, which would otherwise read as the last page: a search
// that stopped half way, silently. (A connection lost after the request
// went out is reported as an error.) The closed connection makes pool.do
// retry it.
var errCutShort = goldap.NewError(goldap.ErrorNetwork, errors.New("connection closed before the search finished"))

// wrap turns an operation's error into a one-line message that names the
// server, unless it already is one (a connection error from the pool).
func (s *Source) wrap(op, base string, err error) error {
	if errors.Is(err, ErrAuth) || errors.Is(err, ErrKerberos) || errors.Is(err, ErrUnreachable) || errors.Is(err, ErrTLS) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return searchError(serverName(s.server()), op, base, err)
}

// memberAttr is the member attribute to request in a search: plain, or the
// first range when RangeStep forces ranged retrieval.
func (s *Source) memberAttr() string {
	if s.cfg.RangeStep > 0 {
		return fmt.Sprintf("member;range=0-%d", s.cfg.RangeStep-1)
	}
	return "member"
}

// toEntry converts a go-ldap entry. It returns, for every attribute the
// server sent as an incomplete range (Windows DCs cut member at MaxValRange
// values, or RangeStep asked for ranges), the low bound to continue from.
func toEntry(e *goldap.Entry) (*adattr.Entry, map[string]int, error) {
	out := adattr.NewEntry(e.DN)
	var more map[string]int
	for _, a := range e.Attributes {
		out.Add(a.Name, a.ByteValues...)
		base, r, err := adattr.ParseRange(a.Name)
		switch {
		case errors.Is(err, adattr.ErrNoRange):
			continue
		case err != nil:
			return nil, nil, err
		}
		if !r.Last {
			if more == nil {
				more = map[string]int{}
			}
			more[strings.ToLower(base)] = r.High + 1
		}
	}
	return out, more, nil
}

// rangedValues reads the rest of a ranged attribute of dn from low on,
// reading the high bound the server returns each time rather than assuming
// one. It stops at the range that ends in "*".
func (s *Source) rangedValues(ctx context.Context, dn, attr string, low int) ([][]byte, error) {
	var all [][]byte
	for {
		spec := fmt.Sprintf("%s;range=%d-*", attr, low)
		if s.cfg.RangeStep > 0 {
			spec = fmt.Sprintf("%s;range=%d-%d", attr, low, low+s.cfg.RangeStep-1)
		}
		req := goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=*)", []string{spec}, nil)
		var got [][]byte
		var rng adattr.Range
		found := false
		err := s.pool.do(ctx, "ranged "+attr, func(c *goldap.Conn, _ string) error {
			res, err := c.Search(req)
			if err != nil {
				return err
			}
			got, found = nil, false
			for _, e := range res.Entries {
				for _, a := range e.Attributes {
					base, r, err := adattr.ParseRange(a.Name)
					if !strings.EqualFold(base, attr) {
						continue
					}
					switch {
					case errors.Is(err, adattr.ErrNoRange):
						// The server ignored the range and sent the rest.
						got, rng, found = a.ByteValues, adattr.Range{Low: low, Last: true}, true
					case err != nil:
						return err
					default:
						got, rng, found = a.ByteValues, r, true
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, s.wrap("read "+attr+" of "+dn, dn, err)
		}
		if !found {
			// Asked past the last value: nothing more.
			return all, nil
		}
		all = append(all, got...)
		if rng.Last {
			return all, nil
		}
		if rng.High < low {
			return nil, fmt.Errorf("ldap: %s: read %s of %q: server returned range %d-%d for a request from %d", serverName(s.server()), attr, dn, rng.Low, rng.High, low)
		}
		low = rng.High + 1
	}
}
