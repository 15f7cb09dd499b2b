package mailflow

import "strings"

// failWhy is what a failed delivery's status says about its recipient.
// The order matters: when several rows speak of one message, the highest
// wins, since one recipient that does not exist makes its report
// backscatter even if another recipient's mailbox was full.
type failWhy uint8

const (
	// whyUnknown: the row gives no reason (Get-MessageTraceV2 summary rows
	// carry only Status Failed).
	whyUnknown failWhy = iota
	// whyOther: a reason that is not an unknown recipient: a full mailbox,
	// a size limit, a transport rule, a group's delivery restrictions.
	// Reports for those go to real senders who need them.
	whyOther
	// whyNotFound: the recipient does not exist, which is what forged
	// spam to made-up addresses runs into.
	whyNotFound
)

// notFoundCodes are the enhanced status codes of a recipient that does not
// exist: 5.1.1 (Exchange's RESOLVER.ADR.RecipNotFound), 5.1.10 (the
// Recipient Filter agent, and Exchange Online for a recipient not found by
// SMTP address) and 5.4.1 (Exchange Online's directory-based edge blocking,
// "Recipient address rejected").
var notFoundCodes = []string{"5.1.1", "5.1.10", "5.4.1"}

// notFoundWords are the reason names that say the same without a code.
var notFoundWords = []string{"recipnotfound", "recipientnotfound", "recipient not found"}

// whyFailed reads why a delivery failed from the texts a row carries
// (recipient status, Exchange Online's Detail, Status). A text with an
// enhanced status code or a reason name is a reason; one with neither
// (an empty Detail, Status "Failed") says nothing.
func whyFailed(texts ...string) failWhy {
	why := whyUnknown
	for _, s := range texts {
		switch {
		case s == "":
		case containsNotFound(s):
			return whyNotFound
		case hasStatusCode(s):
			why = whyOther
		}
	}
	return why
}

func containsNotFound(s string) bool {
	for _, c := range notFoundCodes {
		if hasCode(s, c) {
			return true
		}
	}
	for _, w := range notFoundWords {
		if containsFold(s, w) {
			return true
		}
	}
	return false
}

// hasCode reports whether s holds code as a whole token: "5.1.1" is not in
// "5.1.10", nor in an IP address such as 10.5.1.1 that a Detail may name.
func hasCode(s, code string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], code)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(code)
		if (start == 0 || !codeByte(s[start-1])) && (end == len(s) || !codeByte(s[end])) {
			return true
		}
		i = start + 1
	}
}

func codeByte(c byte) bool { return c == '.' || c >= '0' && c <= '9' }

// hasStatusCode reports whether s holds an enhanced status code (class 2, 4
// or 5, then two numbers: "5.2.2", "4.4.7") as a whole token.
func hasStatusCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '2' && c != '4' && c != '5' || i > 0 && codeByte(s[i-1]) {
			continue
		}
		j := i + 1
		parts := 0
		for parts < 2 && j < len(s) && s[j] == '.' {
			k := j + 1
			for k < len(s) && k-j <= 3 && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if k == j+1 {
				break
			}
			j, parts = k, parts+1
		}
		if parts == 2 && (j == len(s) || !codeByte(s[j])) {
			return true
		}
	}
	return false
}

// containsFold is strings.Contains ignoring ASCII case; sub is lower-case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if hasPrefixFold(s[i:], sub) {
			return true
		}
	}
	return false
}
