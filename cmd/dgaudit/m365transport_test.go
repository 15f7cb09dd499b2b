package main

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestM365Transport(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := writeFile(t, dir, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	notPEM := writeFile(t, dir, "ca.der", string(srv.Certificate().Raw))
	tests := []struct {
		name    string
		caFile  string
		wantErr string // from m365Transport
		reaches bool   // whether the test server's certificate is trusted
	}{
		{"system roots only: a private CA stays untrusted", "", "", false},
		{"the CA file is trusted on top", ca, "", true},
		{"missing CA file", filepath.Join(dir, "absent.pem"), "--ca-file: open " + filepath.Join(dir, "absent.pem"), false},
		{"CA file without PEM", notPEM, "--ca-file " + notPEM + ": no PEM certificates in it", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, err := m365Transport(tt.caFile)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("m365Transport error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
				t.Fatal("the transport skips certificate verification")
			}
			resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
			if got := err == nil; got != tt.reaches {
				t.Errorf("GET %s: err = %v, want trusted = %v", srv.URL, err, tt.reaches)
			}
		})
	}
}
