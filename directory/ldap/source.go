package ldap

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dgaudit/directory"
	"dgaudit/directory/adattr"

	goldap "github.com/go-ldap/ldap/v3"
)

// Source reads a snapshot from Active Directory over LDAP. It only ever
// reads: binds, searches, nothing else.
type Source struct {
	cfg  Config
	pool *pool
	// Now is the clock for CollectedAt; nil means time.Now.
	Now func() time.Time
}

// New checks cfg and returns a source. It does not connect; Snapshot does.
func New(cfg Config) (*Source, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	roots, err := cfg.rootCAs()
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg}
	s.pool = &pool{cfg: &s.cfg, roots: roots}
	return s, nil
}

func (s *Source) server() string {
	s.pool.mu.Lock()
	defer s.pool.mu.Unlock()
	if s.pool.server != "" {
		return s.pool.server
	}
	return s.cfg.URLs[0]
}

const configFilter = "(|(objectClass=msExchAcceptedDomain)(objectClass=msExchDomainContentConfig)(objectClass=msExchOrganizationContainer)" +
	"(objectClass=" + adattr.RecipientFilterClass + "))"

// maxLookups bounds the one-by-one reads of referenced objects that the
// main scan did not return (plain users in mail-enabled security groups,
// members in other OUs or domains).
const maxLookups = 20000

// Snapshot connects, reads the directory and returns the snapshot. A failure
// to connect or to read the recipients is an error; anything narrower that
// still fails after retries (one group's ranged members, a dynamic group's
// filter, the configuration partition, a member in another domain) becomes
// a gap in the snapshot's coverage, never a silently smaller result.
func (s *Source) Snapshot(ctx context.Context) (*directory.Snapshot, error) {
	defer s.pool.close()
	log := s.cfg.Logger
	start := time.Now()

	nc, err := s.rootDSE(ctx)
	if err != nil {
		return nil, err
	}
	server := serverName(s.server())
	b := adattr.NewBuilder(server)

	// 0. What deciding whether each group's settings are readable needs;
	// without it, one gap says the settings could not be vouched for.
	groupSD := s.settingsReadCheck(ctx, b, nc)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// 1. Every recipient under the base DN, streamed page by page.
	var pending []pendingRange
	pendingSeen := map[string]bool{}
	attrs := append(append([]string(nil), adattr.Attributes...), s.memberAttr())
	// The searches run concurrently; mu guards b, pending and n.
	var mu sync.Mutex
	var refs referrals
	n, reported := 0, 0
	err = s.concurrentSearch(ctx, "search recipients", nc.base, recipientBranches(groupSD), attrs, func(le *goldap.Entry) error {
		e, more, err := toEntry(le)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			b.AddGap(adattr.CoverAttributes, le.DN, err.Error())
			return nil
		}
		n++
		if len(more) > 0 {
			if k := adattr.NormalizeDN(e.DN); !pendingSeen[k] {
				pendingSeen[k] = true
				pending = append(pending, pendingRange{e, more})
			}
			return nil
		}
		b.Add(e)
		return nil
	}, func() {
		// Under mu, and only when the count grew, so that the counts
		// reported only ever grow although pages end concurrently.
		mu.Lock()
		defer mu.Unlock()
		if n > reported {
			reported = n
			s.progress("recipients", n)
		}
	}, refs.add)
	if err != nil {
		return nil, err
	}
	s.notFollowed(b, nc, refs.sorted())
	log.Info("read recipients", "count", n, "ranged", len(pending), "elapsed", time.Since(start).Round(time.Millisecond))

	// 2. The rest of every attribute the server sent as a partial range.
	rangeErrs := make([]error, len(pending))
	s.parallel(ctx, "ranged members", len(pending), func(i int) {
		rangeErrs[i] = s.readRest(ctx, pending[i].e, pending[i].more)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, p := range pending {
		addRead(b, p.e, rangeErrs[i])
	}

	// 3. Dynamic groups: run each stored filter, read-only.
	if err := s.dynamicGroups(ctx, b, nc); err != nil {
		return nil, err
	}

	// 4. Referenced objects the scan did not return.
	if err := s.lookups(ctx, b); err != nil {
		return nil, err
	}

	// 4b. The permissions of the groups found by 3 and 4.
	if groupSD {
		if err := s.groupDescriptors(ctx, b); err != nil {
			return nil, err
		}
	}

	// 5. Groups read without a member value: does anything name them in
	// memberOf? A member attribute the account may not read comes back
	// absent, like an empty one.
	if err := s.memberOfChecks(ctx, b, nc.domain); err != nil {
		return nil, err
	}

	// 6. Accepted and remote domains and the recipient filter
	// configuration from the configuration partition.
	cfgCounts, cfgErr := s.config(ctx, b, nc.config)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// 7. Receive connectors and whether anonymous senders may relay.
	nConns, connErr := s.receiveConnectors(ctx, b, nc.config)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	snap := b.Finish(now())
	// The concurrent searches add entries in no fixed order, and the gaps
	// follow that order: sort them so that two reads of the same
	// directory give the same file.
	slices.SortStableFunc(snap.Coverage.Gaps, func(x, y directory.Gap) int {
		return cmp.Or(cmp.Compare(x.What, y.What), cmp.Compare(x.Object, y.Object), cmp.Compare(x.Reason, y.Reason))
	})
	recordConfig(snap, cfgCounts, cfgErr, server, nc.config)
	recordConnectors(snap, nConns, connErr, server)
	log.Info("snapshot read", "server", server, "groups", len(snap.Groups), "users", len(snap.Users),
		"contacts", len(snap.Contacts), "gaps", len(snap.Coverage.Gaps), "elapsed", time.Since(start).Round(time.Millisecond))
	return snap, nil
}

// notFollowed records as a gap every continuation reference of the
// recipient search that may lead to recipients: a child domain below the
// base DN is returned as a reference, not searched, and its groups would
// otherwise be missing from the audit without a word. The references to
// partitions without recipients are only logged.
func (s *Source) notFollowed(b *adattr.Builder, nc naming, refs []string) {
	for _, ref := range refs {
		if !nc.mayHoldRecipients(ref) {
			s.cfg.Logger.Debug("referral not followed: a partition without recipients", "ref", ref)
			continue
		}
		b.AddGap(directory.CoverGroups, ref, fmt.Sprintf("the search of %q was referred to %s (another domain or naming context "+
			"below the base DN), which is not followed: recipients there are not in this snapshot; scan a global catalog "+
			"(ldaps://<gc>:3269), which holds every domain of the forest, or narrow --base-dn to OUs that do not hold that domain", nc.base, ref))
	}
}

// pendingRange is an entry with attributes the server sent as partial
// ranges, and where each continues.
type pendingRange struct {
	e    *adattr.Entry
	more map[string]int
}

// readRest reads the rest of every attribute of e that the server sent as
// a partial range (more, from toEntry) and adds it to e.
func (s *Source) readRest(ctx context.Context, e *adattr.Entry, more map[string]int) error {
	for attr, low := range more {
		vals, err := s.rangedValues(ctx, e.DN, attr, low)
		if err != nil {
			return err
		}
		e.Add(attr, vals...)
	}
	return nil
}

// addRead adds e once readRest has run on it. When that failed (err), half
// a member list would understate the group: it is dropped and the
// membership is unknown, with the reason.
func addRead(b *adattr.Builder, e *adattr.Entry, err error) {
	if err != nil {
		e.Set("member", nil)
	}
	b.Add(e)
	if err != nil {
		b.MembersUnknown(e.DN, err.Error())
	}
}

// naming is what the rootDSE says about the directory, with the base DN
// the configuration asks for.
type naming struct {
	// base is where recipients are searched: BaseDN, or else the domain.
	base string
	// domain is defaultNamingContext, or base when the server names none.
	domain string
	// config and schema are configurationNamingContext and
	// schemaNamingContext.
	config, schema string
}

// rootDSE reads the naming contexts from the rootDSE.
func (s *Source) rootDSE(ctx context.Context) (naming, error) {
	var nc naming
	err := s.pool.do(ctx, "read rootDSE", func(c *goldap.Conn, _ string) error {
		req := goldap.NewSearchRequest("", goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=*)", []string{"defaultNamingContext", "configurationNamingContext", "schemaNamingContext"}, nil)
		res, err := c.Search(req)
		if err != nil {
			return err
		}
		if len(res.Entries) == 1 {
			nc.domain = res.Entries[0].GetAttributeValue("defaultNamingContext")
			nc.config = res.Entries[0].GetAttributeValue("configurationNamingContext")
			nc.schema = res.Entries[0].GetAttributeValue("schemaNamingContext")
		}
		return nil
	})
	if err != nil {
		return nc, s.wrap("read rootDSE", "", err)
	}
	nc.base = cmp.Or(s.cfg.BaseDN, nc.domain)
	if nc.base == "" {
		return nc, fmt.Errorf("ldap: %s: the rootDSE names no defaultNamingContext: pass --base-dn", serverName(s.server()))
	}
	nc.domain = cmp.Or(nc.domain, nc.base)
	return nc, nil
}

// dynamicGroups runs every dynamic group's stored LDAP filter under its
// base DN (as Exchange does at expansion time) and records the matches as
// its members. Objects the filter finds that the main scan did not are
// added too. A filter that fails becomes a gap for that group.
func (s *Source) dynamicGroups(ctx context.Context, b *adattr.Builder, nc naming) error {
	var dyn []directory.Group
	b.Groups(func(g directory.Group) {
		if g.Kind == directory.Dynamic {
			dyn = append(dyn, g)
		}
	})
	for _, g := range dyn {
		if g.DynamicFilter == "" {
			b.MembersUnknown(g.DN, "dynamic group has no msExchDynamicDLFilter")
			continue
		}
		if _, err := goldap.CompileFilter(g.DynamicFilter); err != nil {
			b.MembersUnknown(g.DN, fmt.Sprintf("dynamic group filter %q does not parse: %v", g.DynamicFilter, err))
			continue
		}
		base := cmp.Or(g.DynamicBaseDN, nc.base)
		var members []string
		var ranged []pendingRange
		var refs referrals
		seen := map[string]bool{}
		attrs := append(append([]string(nil), adattr.Attributes...), s.memberAttr())
		req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, g.DynamicFilter, attrs, nil)
		err := s.pagedSearchOn(ctx, s.pool, "run filter of dynamic group "+g.Name, req, func(le *goldap.Entry) error {
			e, more, err := toEntry(le)
			if err != nil {
				return err
			}
			k := adattr.NormalizeDN(e.DN)
			first := !seen[k] // a retried search starts again from its first page
			if first {
				seen[k] = true
				members = append(members, e.DN)
			}
			if !e.Has("objectClass") {
				b.Missing(e.DN, noClass)
				return nil
			}
			// A group the filter finds (filters may select groups) is
			// added once its whole member list is read, below.
			if len(more) > 0 {
				if first && !b.Seen(e.DN) {
					ranged = append(ranged, pendingRange{e, more})
				}
				return nil
			}
			b.Add(e)
			return nil
		}, nil, refs.add)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Whether or not the filter ran to its end, what it found is
		// read in full or marked unknown, never cut at the first range.
		for _, p := range ranged {
			addRead(b, p.e, s.readRest(ctx, p.e, p.more))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			b.MembersUnknown(g.DN, err.Error())
			continue
		}
		// Exchange expands a dynamic group against a global catalog, so
		// recipients in a domain the search was referred to are members.
		if far := slices.DeleteFunc(refs.sorted(), func(r string) bool { return !nc.mayHoldRecipients(r) }); len(far) > 0 {
			b.MembersUnknown(g.DN, fmt.Sprintf("the search of its filter under %q was referred to %s (another domain), which is not "+
				"followed: its members there are unknown; scan a global catalog (ldaps://<gc>:3269)", base, strings.Join(far, ", ")))
			continue
		}
		b.SetMembers(g.DN, members)
	}
	return nil
}

// noClass is why an entry that came back without objectClass is not read:
// every object has a class, and every search asks for it, so such an entry
// is an object whose attributes the bind account may not read (a deny-read
// entry for Everyone), not one that is no recipient.
const noClass = "the bind account may not read it (its objectClass did not come back)"

// lookups reads, one base-scope search each, the referenced objects the
// main scan did not return, so that a member can be told apart as a
// non-recipient (skipped), a recipient outside the base DN (added), or
// unreadable (kept as a DN, with the reason as a gap).
func (s *Source) lookups(ctx context.Context, b *adattr.Builder) error {
	dns := b.Unresolved()
	if len(dns) > maxLookups {
		for _, dn := range dns[maxLookups:] {
			b.Missing(dn, fmt.Sprintf("not looked up: more than %d referenced objects outside the scan", maxLookups))
		}
		dns = dns[:maxLookups]
	}
	if len(dns) == 0 {
		return nil
	}
	type result struct {
		e      *adattr.Entry
		more   map[string]int
		reason string
		// rangeErr is why the rest of a ranged attribute (a group's
		// members beyond the first range) could not be read.
		rangeErr error
	}
	results := make([]result, len(dns))
	attrs := append(append([]string(nil), adattr.Attributes...), s.memberAttr())
	s.parallel(ctx, "lookups", len(dns), func(i int) {
		req := goldap.NewSearchRequest(dns[i], goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", attrs, nil)
		err := s.pool.do(ctx, "look up "+dns[i], func(c *goldap.Conn, _ string) error {
			res, err := c.Search(req)
			if err != nil {
				return err
			}
			if len(res.Entries) == 1 {
				e, more, err := toEntry(res.Entries[0])
				if err != nil {
					return err
				}
				results[i].e, results[i].more = e, more
			}
			return nil
		})
		switch {
		case err == nil && results[i].e == nil:
			results[i].reason = "not returned by the server"
		case err == nil && !results[i].e.Has("objectClass"):
			results[i].e = nil
			results[i].reason = noClass
		case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
			results[i].reason = "no such object on " + serverName(s.server())
		case goldap.IsErrorWithCode(err, goldap.LDAPResultReferral):
			results[i].reason = "in another domain (referral): collect from the global catalog (port 3269) or that domain's DC"
		case goldap.IsErrorWithCode(err, goldap.LDAPResultInsufficientAccessRights):
			results[i].reason = "the bind account may not read it"
		case err != nil:
			results[i].reason = err.Error()
		}
		// A group outside the base DN nested in one inside it: its
		// members count as much as any.
		if results[i].e != nil && len(results[i].more) > 0 {
			results[i].rangeErr = s.readRest(ctx, results[i].e, results[i].more)
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, r := range results {
		if r.e != nil {
			addRead(b, r.e, r.rangeErr)
		} else {
			b.Missing(dns[i], r.reason)
		}
	}
	return nil
}

// memberOfChecks asks, for every group read without a member value, whether
// any object in the domain names it in memberOf (one search each, for at
// most one entry). Active Directory checks read access to memberOf on the
// member, not on the group, so a group whose member attribute is withheld
// (Exchange 2000/2003's hidden membership: a deny-read ACE for Everyone)
// is still named by its members, and the builder then reports its
// membership as unknown instead of empty. Members in other domains are not
// seen this way; a group that also hides its membership (hideDLMembership)
// is reported by the builder whatever the search finds. A check that fails
// leaves the membership unknown too: nothing then tells empty from
// withheld.
func (s *Source) memberOfChecks(ctx context.Context, b *adattr.Builder, domainNC string) error {
	dns := b.Memberless()
	if len(dns) == 0 {
		return nil
	}
	found := make([]string, len(dns))
	errs := make([]error, len(dns))
	s.parallel(ctx, "membership checks", len(dns), func(i int) {
		req := goldap.NewSearchRequest(domainNC, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 1, 0, false,
			"(memberOf="+goldap.EscapeFilter(dns[i])+")", []string{"1.1"}, nil)
		errs[i] = s.pool.do(ctx, "check membership of "+dns[i], func(c *goldap.Conn, _ string) error {
			res, err := c.Search(req)
			// One entry is all that was asked for; a server may add
			// sizeLimitExceeded when there are more.
			if res != nil && len(res.Entries) > 0 {
				found[i] = res.Entries[0].DN
				return nil
			}
			return err
		})
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, dn := range dns {
		switch {
		case found[i] != "":
			b.MemberOfClaim(dn, found[i])
		case errs[i] != nil:
			b.MembersUnknown(dn, "no member value came back, and the check whether an object names the group in memberOf failed: "+
				s.wrap("search memberOf="+dn, domainNC, errs[i]).Error())
		}
	}
	return nil
}

// recordConfig records in the snapshot's coverage what config read or why
// it could not. A kind of which the search found nothing is a gap, not a
// count of 0 (adattr.CoverOrg says why): the search returns only what the
// bind account may see.
func recordConfig(snap *directory.Snapshot, counts [3]int, err error, server, configNC string) {
	if err != nil {
		snap.Coverage.AddGap(directory.CoverAcceptedDomains, "", err.Error())
		snap.Coverage.AddGap(directory.CoverRemoteDomains, "", err.Error())
		snap.Coverage.AddGap(directory.CoverRecipientFilter, "", err.Error())
		return
	}
	adattr.CoverOrg(&snap.Coverage, map[string]int{
		directory.CoverAcceptedDomains: counts[0],
		directory.CoverRemoteDomains:   counts[1],
		directory.CoverRecipientFilter: counts[2],
	}, server, fmt.Sprintf("under %q could be read", exchangeBase(configNC)),
		"if the bind account may not see them, grant it read access to the Exchange organization in the configuration partition")
}

// exchangeBase is where the Exchange organization lives in the
// configuration partition.
func exchangeBase(configNC string) string { return "CN=Microsoft Exchange,CN=Services," + configNC }

// config reads the organization's accepted and remote domains and its
// recipient filter configuration, and counts the entries of each.
func (s *Source) config(ctx context.Context, b *adattr.Builder, configNC string) ([3]int, error) {
	var counts [3]int
	if configNC == "" {
		return counts, fmt.Errorf("ldap: %s: the rootDSE names no configurationNamingContext", serverName(s.server()))
	}
	base := exchangeBase(configNC)
	req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, configFilter, adattr.ConfigAttributes, nil)
	err := s.pagedSearch(ctx, "read Exchange organization settings", req, func(le *goldap.Entry) error {
		e, _, err := toEntry(le)
		if err != nil {
			return err
		}
		// A retried search sees its first entries again: count each once.
		kind, added := b.Add(e)
		if !added {
			return nil
		}
		switch kind {
		case adattr.KindAcceptedDomain:
			counts[0]++
		case adattr.KindRemoteDomain:
			counts[1]++
		case adattr.KindRecipientFilter:
			counts[2]++
		}
		return nil
	}, nil)
	if errors.Is(err, ErrBaseDN) {
		return counts, fmt.Errorf("ldap: %s: no Exchange organization in the configuration partition (%q not found)", serverName(s.server()), base)
	}
	return counts, err
}

// progress reports to cfg.Progress, if set.
func (s *Source) progress(stage string, n int) {
	if s.cfg.Progress != nil {
		s.cfg.Progress(stage, n)
	}
}

// parallel runs fn(0..n-1) on up to cfg.Concurrency goroutines, reporting
// the count done as stage. Each call writes only its own slot of the
// caller's result slices.
func (s *Source) parallel(ctx context.Context, stage string, n int, fn func(i int)) {
	if n == 0 {
		return
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(s.cfg.Concurrency, n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
				s.progress(stage, int(done.Add(1)))
			}
		})
	}
loop:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break loop
		}
	}
	close(next)
	wg.Wait()
}

// String names the source for logs: its first server.
func (s *Source) String() string { return "ldap:" + strings.Join(s.cfg.URLs, ",") }
