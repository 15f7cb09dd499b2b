package remediate

import "testing"

func TestPSQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "'plain'"},
		{"x'; Remove-Mailbox; '", "'x''; Remove-Mailbox; '''"},
		{"a\u2019b\u2018c\u201Ad\u201Be", "'a\u2019\u2019b\u2018\u2018c\u201A\u201Ad\u201B\u201Be'"},
		{"$(Stop-Computer) `n \"x\"", "'$(Stop-Computer) `n \"x\"'"},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := psQuote(tt.in); got != tt.want {
			t.Errorf("psQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCommentAndLDIFLine(t *testing.T) {
	t.Parallel()
	if got := comment("a\nb\rc\u2028d\u0085e"); got != "a b c d e" {
		t.Errorf("comment = %q", got)
	}
	tests := []struct{ in, want string }{
		{"CN=a,DC=x", "dn: CN=a,DC=x\n"},
		{"CN=a\nchangetype: delete", "dn:: Q049YQpjaGFuZ2V0eXBlOiBkZWxldGU=\n"},
		{" CN=lead", "dn:: IENOPWxlYWQ=\n"},
		{"CN=Jürgen", "dn:: Q049SsO8cmdlbg==\n"},
		{":x", "dn:: Ong=\n"},
	}
	for _, tt := range tests {
		if got := ldifLine("dn", tt.in); got != tt.want {
			t.Errorf("ldifLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
