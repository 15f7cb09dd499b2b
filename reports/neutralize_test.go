package reports

import "testing"

func TestNeutralize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{`=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"", ""},
		{"All Staff", "All Staff"},
		{"a=b", "a=b"},
		{"'already quoted", "'already quoted"},
		{" =1", " =1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := neutralize(tt.in); got != tt.want {
				t.Errorf("neutralize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
