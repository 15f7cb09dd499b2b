package mailflow

import (
	"strings"
	"testing"
)

// mayHavePrefix must let through every subject a prefix could match: the
// first letters it knows must cover all of them, in either case.
func TestMayHavePrefixCoversEveryPrefix(t *testing.T) {
	var all []string
	for _, p := range prefixes {
		all = append(all, p.text)
	}
	all = append(all, replyPrefixes...)
	for _, p := range all {
		for _, s := range []string{p + " x", strings.ToUpper(p[:1]) + p[1:] + " x"} {
			if !mayHavePrefix(s) {
				t.Errorf("mayHavePrefix(%q) = false", s)
			}
		}
	}
	if mayHavePrefix("Invoice 2026-03") || mayHavePrefix("") {
		t.Error("mayHavePrefix lets everything through")
	}
}
