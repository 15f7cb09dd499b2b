package ldap

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The CA file adds to the system roots, as --ca-file does for Microsoft
// 365: a scan naming both sources passes one file for both.
func TestRootCAsAddToTheSystemPool(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	der := selfSigned(t).Certificate[0]
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	ca := filepath.Join(dir, "ca.pem")
	notPEM := filepath.Join(dir, "ca.der")
	for name, b := range map[string][]byte{ca: caPEM, notPEM: der} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	got, err := (&Config{CAFile: ca}).rootCAs()
	if err != nil {
		t.Fatal(err)
	}
	want, err := x509.SystemCertPool()
	if err != nil {
		want = x509.NewCertPool()
	}
	if want.Equal(got) {
		t.Fatal("the pool lacks the CA file's certificate")
	}
	want.AppendCertsFromPEM(caPEM)
	if !want.Equal(got) {
		t.Error("the pool is not the system roots plus the CA file")
	}

	if pool, err := (&Config{}).rootCAs(); pool != nil || err != nil {
		t.Errorf("without a CA file: %v, %v; want nil (the system pool)", pool, err)
	}
	for file, wantErr := range map[string]string{
		filepath.Join(dir, "absent.pem"): "read CA file",
		notPEM:                           "holds no PEM certificate",
	} {
		if _, err := (&Config{CAFile: file}).rootCAs(); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("CA file %s: error %v, want one containing %q", file, err, wantErr)
		}
	}
}
