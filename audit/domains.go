package audit

import "dgaudit/directory"

// InternalDomainFunc returns the test the engine uses to decide whether mail
// for a domain stays in the organization (accepted domains other than
// external relay, coexistence domains, the extra domains, and mailbox
// domains when accepted domains are unknown), for analyses that classify
// addresses the same way. An empty domain counts as internal, as in the
// engine: it is not an SMTP address.
func InternalDomainFunc(snap *directory.Snapshot, extra []string) func(domain string) bool {
	return newDomainClassifier(snap, extra).internal
}
