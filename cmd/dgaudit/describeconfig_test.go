package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCheckDescribesSource: config check names the source the file
// selects, Microsoft 365 included.
func TestConfigCheckDescribesSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A secret file, so the check does not depend on the environment.
	writeFile(t, dir, "secret", "s3cret\n")
	tests := []struct{ name, body, want string }{
		{"m365", "source:\n  m365:\n    tenant: contoso.onmicrosoft.com\n    client-id: 11111111-2222-3333-4444-555555555555\n    client-secret-file: secret\n",
			"source m365 tenant contoso.onmicrosoft.com; 0 outputs"},
		{"m365 national cloud", "source:\n  m365:\n    tenant: contoso.onmicrosoft.us\n    client-id: 11111111-2222-3333-4444-555555555555\n    client-secret-file: secret\n    cloud: usgov\n",
			"source m365 tenant contoso.onmicrosoft.us (usgov cloud)"},
		{"demo", "source:\n  demo: true\noutputs: [r.json]\n", "source demo; 1 outputs"},
		{"none", "fail-on: high\n", "no source (give one on the command line)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml", tt.body)
			code, stdout, stderr := dgaudit(t, "config", "check", cfg)
			if code != exitOK || !strings.Contains(stdout, filepath.Base(cfg)) || !strings.Contains(stdout, tt.want) {
				t.Errorf("exit %d, stdout %q, want %q\n%s", code, stdout, tt.want, stderr)
			}
		})
	}
}
