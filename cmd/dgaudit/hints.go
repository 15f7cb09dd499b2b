package main

// hintFor suggests what to do about a runtime error, when there is a known
// remedy. Adapters' sentinel errors are mapped here.
func hintFor(err error) string {
	for _, h := range []func(error) string{graphHint, exchangeHint, ldapHint} {
		if s := h(err); s != "" {
			return s
		}
	}
	return ""
}
