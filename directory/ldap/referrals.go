package ldap

import (
	"net/url"
	"slices"
	"strings"
	"sync"

	"dgaudit/directory/adattr"
)

// referrals collects the continuation references of a search, each once
// (a retried search returns them again). Safe for concurrent use.
type referrals struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (r *referrals) add(ref string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[ref] = true
}

// sorted returns the references, sorted so that a snapshot's gaps are in a
// fixed order.
func (r *referrals) sorted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.seen))
	for ref := range r.seen {
		out = append(out, ref)
	}
	slices.Sort(out)
	return out
}

// referralDN is the DN a continuation reference points at: the path of its
// LDAP URL ("ldap://child.corp.example/DC=child,DC=corp,DC=example"), or
// the reference itself when it is not one.
func referralDN(ref string) string {
	u, err := url.Parse(ref)
	if err != nil || u.Path == "" {
		return ref
	}
	return strings.TrimPrefix(u.Path, "/")
}

// mayHoldRecipients reports whether a continuation reference may lead to
// recipients. A subtree search of a forest root domain is referred to the
// configuration and schema partitions and the DNS application partitions
// (DC=DomainDnsZones, DC=ForestDnsZones), which Active Directory places
// below it and which hold no recipients; any other reference is another
// domain (a child domain below the base DN) or a partition dgaudit cannot
// rule out.
func (nc naming) mayHoldRecipients(ref string) bool {
	dn := adattr.NormalizeDN(referralDN(ref))
	if (nc.config != "" && dn == adattr.NormalizeDN(nc.config)) || (nc.schema != "" && dn == adattr.NormalizeDN(nc.schema)) {
		return false
	}
	rdn, _, _ := strings.Cut(dn, ",")
	return rdn != "dc=domaindnszones" && rdn != "dc=forestdnszones"
}
