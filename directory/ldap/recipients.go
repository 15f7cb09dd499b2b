package ldap

import (
	"context"
	"sync"

	goldap "github.com/go-ldap/ldap/v3"
)

// The recipient filters: together they select every object that may be a
// recipient. They are wider than adattr.Classify (which decides), and
// written so that they still work when the schema lacks an Exchange
// attribute: a filter on an undefined attribute matches nothing instead of
// failing.
const (
	groupFilter   = "(&(objectClass=group)(|(mailNickname=*)(proxyAddresses=*)(msExchRecipientTypeDetails=*)))"
	dynamicFilter = "(objectClass=msExchDynamicDistributionList)"
	contactFilter = "(&(objectClass=contact)(|(targetAddress=*)(mailNickname=*)(proxyAddresses=*)))"
	userFilter    = "(&(objectClass=user)(!(objectClass=computer))(|(mailNickname=*)(targetAddress=*)(homeMDB=*)(proxyAddresses=*)(msExchRecipientTypeDetails=*)))"
)

// recipientBranches returns the recipient filters, each searched on its own
// connection at the same time as the others rather than as one OR filter:
// the server works on several searches at once, and the client decodes
// one search's page while the server builds another's, instead of the two
// taking turns on one connection. Likely largest first, so that the
// longest search starts first when Concurrency is low.
func recipientBranches() []string {
	return []string{userFilter, contactFilter, groupFilter, dynamicFilter}
}

// concurrentSearch runs one paged subtree search per filter under base,
// up to cfg.Concurrency at a time, each on a connection of its own (the
// first on the source's pool, the others on extra pools closed on return).
// fn and page are called from several goroutines at once. An object that
// matches several filters reaches fn once per match. The first failure
// cancels the other searches and is returned, as a single search's would
// be. ref is given the continuation references, from several goroutines
// at once too.
func (s *Source) concurrentSearch(ctx context.Context, op, base string, filters, attrs []string, fn func(e *goldap.Entry) error, page func(), ref func(url string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pools := make([]*pool, min(max(s.cfg.Concurrency, 1), len(filters)))
	pools[0] = s.pool
	for i := 1; i < len(pools); i++ {
		pools[i] = s.pool.fork()
		defer pools[i].close()
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan string)
	for _, p := range pools {
		wg.Go(func() {
			for f := range next {
				req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, f, attrs, nil)
				if err := s.pagedSearchOn(ctx, p, op, req, fn, page, ref); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
				}
			}
		})
	}
loop:
	for _, f := range filters {
		select {
		case next <- f:
		case <-ctx.Done():
			break loop
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	// Cancelled before a search could start (the searches that ran
	// returned the cancellation themselves).
	return context.Cause(ctx)
}
