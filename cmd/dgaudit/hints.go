package main

// hintFor suggests what to do about a runtime error, when there is a known
// remedy. Adapters' sentinel errors are mapped here. Exchange Online's
// failures never end a run (the Graph source turns them into gaps, whose
// reasons carry the remedy), so they need no hint.
func hintFor(err error) string {
	for _, h := range []func(error) string{graphHint, ldapHint} {
		if s := h(err); s != "" {
			return s
		}
	}
	return ""
}
