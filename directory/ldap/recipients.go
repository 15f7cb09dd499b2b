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

// branch is one search of a concurrentSearch: its filter, and what it
// asks for besides the attributes all branches ask for.
type branch struct {
	filter   string
	attrs    []string
	controls []goldap.Control
}

// recipientBranches returns the recipient filters, each searched on its own
// connection at the same time as the others rather than as one OR filter:
// the server works on several searches at once, and the client decodes
// one search's page while the server builds another's, instead of the two
// taking turns on one connection. Likely largest first, so that the
// longest search starts first when Concurrency is low. With groupSD the
// group searches also read each group's DACL (for the settings read
// check) in the same pages, rather than in a second pass over the groups.
func recipientBranches(groupSD bool) []branch {
	groups := func(f string) branch {
		if !groupSD {
			return branch{filter: f}
		}
		return branch{filter: f, attrs: []string{"nTSecurityDescriptor"}, controls: []goldap.Control{sdFlagsDACL()}}
	}
	return []branch{{filter: userFilter}, {filter: contactFilter}, groups(groupFilter), groups(dynamicFilter)}
}

// concurrentSearch runs one paged subtree search per branch under base,
// up to cfg.Concurrency at a time, each on a connection of its own (the
// first on the source's pool, the others on extra pools closed on return).
// fn and page are called from several goroutines at once. An object that
// matches several filters reaches fn once per match. The first failure
// cancels the other searches and is returned, as a single search's would
// be. ref is given the continuation references, from several goroutines
// at once too.
func (s *Source) concurrentSearch(ctx context.Context, op, base string, branches []branch, attrs []string, fn func(e *goldap.Entry) error, page func(), ref func(url string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pools := make([]*pool, min(max(s.cfg.Concurrency, 1), len(branches)))
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
	next := make(chan branch)
	for _, p := range pools {
		wg.Go(func() {
			for br := range next {
				req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, br.filter,
					append(append([]string(nil), attrs...), br.attrs...), br.controls)
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
	for _, br := range branches {
		select {
		case next <- br:
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
