package mailflow

import "testing"

func TestWhyFailed(t *testing.T) {
	tests := []struct {
		texts []string
		want  failWhy
	}{
		{[]string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, whyNotFound},
		{[]string{"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"}, whyNotFound},
		{[]string{"550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"}, whyNotFound},
		{[]string{"", "RecipientNotFound"}, whyNotFound},
		{[]string{"Reason: [{LED=554 5.2.2 mailbox full};{MSG=};{FQDN=};{IP=};{LRT=}];"}, whyOther},
		{[]string{"550 5.3.4 ROUTING.SizeLimit; message size exceeds fixed maximum size for route"}, whyOther},
		{[]string{"550 5.7.1 TRANSPORT.RULES.RejectMessage; the message was rejected by organization policy"}, whyOther},
		{[]string{"432 4.3.2 STOREDRV.Deliver; mailbox database thread limit exceeded"}, whyOther},
		// Neither an IP address nor a longer code is 5.1.1 or 5.4.1.
		{[]string{"550 5.2.2 full [IP=10.5.1.1] via 192.5.4.133"}, whyOther},
		{[]string{"failed to 10.5.1.1"}, whyUnknown},
		{[]string{"5.1.12 hop count"}, whyOther},
		// Summary rows say only that the message failed.
		{[]string{"", "Failed"}, whyUnknown},
		{nil, whyUnknown},
		{[]string{"Message failed version 15.1.1234"}, whyUnknown},
	}
	for _, tt := range tests {
		if got := whyFailed(tt.texts...); got != tt.want {
			t.Errorf("whyFailed(%q) = %d, want %d", tt.texts, got, tt.want)
		}
	}
}
