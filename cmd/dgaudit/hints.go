package main

// hintFor suggests what to do about a runtime error, when there is a known
// remedy. Adapters' sentinel errors are mapped here.
func hintFor(err error) string {
	if h := ldapHint(err); h != "" {
		return h
	}
	return exchangeHint(err)
}
