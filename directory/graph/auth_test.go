package graph_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dgaudit/directory/graph"
	"dgaudit/directory/graph/graphtest"
	"dgaudit/directory/synthetic"
)

// newCert makes a self-signed RSA certificate and writes it with its key as
// one PEM file, the way a certificate for an app registration is handed to
// dgaudit.
func newCert(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dgaudit test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})...)
	path := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, path
}

func TestCertificateSignIn(t *testing.T) {
	t.Parallel()
	registered, path := newCert(t)
	_, otherPath := newCert(t)
	src := synthetic.Generate(20, 4)
	tests := []struct {
		name    string
		cert    string
		wantErr string
	}{
		{"registered certificate", path, ""},
		{"certificate not registered", otherPath, "AADSTS700027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(src, graphtest.Options{ClientCertificate: registered})
			defer srv.Close()
			cfg := config(srv)
			cfg.ClientSecret = ""
			cfg.CertificatePath = tt.cert
			snap, err := read(t, cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(snap.Groups) == 0 {
					t.Error("no groups read")
				}
				return
			}
			if !errors.Is(err, graph.ErrAuth) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want ErrAuth with %s", err, tt.wantErr)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  graph.Config
		want []string
	}{
		{"secret without tenant and client", graph.Config{ClientSecret: "x"},
			[]string{"needs a tenant ID", "needs the application's client ID"}},
		{"unknown method", graph.Config{Auth: "password"}, []string{`sign-in method "password"`}},
		{"plain http endpoint", graph.Config{Auth: graph.AuthAzureCLI, GraphURL: "http://graph.example/v1.0"},
			[]string{"Graph URL", "https://"}},
		{"bad certificate file", graph.Config{TenantID: "t", ClientID: "c", Auth: graph.AuthCertificate, CertificatePath: "/dev/null"},
			[]string{"client certificate /dev/null", "PEM"}},
		{"device code without prompt", graph.Config{Auth: graph.AuthDeviceCode, TenantID: "t"}, []string{"prompt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := graph.New(tt.cfg)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  graph.Config
		want graph.Endpoints
	}{
		{graph.Config{}, graph.Endpoints{AuthorityHost: "https://login.microsoftonline.com/", Graph: "https://graph.microsoft.com/v1.0",
			Exchange: "https://outlook.office365.com", GraphScope: "https://graph.microsoft.com/.default", ExchangeScope: "https://outlook.office365.com/.default"}},
		{graph.Config{Cloud: graph.USGovHigh}, graph.Endpoints{AuthorityHost: "https://login.microsoftonline.us/", Graph: "https://graph.microsoft.us/v1.0",
			Exchange: "https://outlook.office365.us", GraphScope: "https://graph.microsoft.us/.default", ExchangeScope: "https://outlook.office365.us/.default"}},
		{graph.Config{Cloud: graph.DoD}, graph.Endpoints{AuthorityHost: "https://login.microsoftonline.us/", Graph: "https://dod-graph.microsoft.us/v1.0",
			Exchange: "https://webmail.apps.mil", GraphScope: "https://dod-graph.microsoft.us/.default", ExchangeScope: "https://webmail.apps.mil/.default"}},
		{graph.Config{Cloud: graph.China}, graph.Endpoints{AuthorityHost: "https://login.chinacloudapi.cn/", Graph: "https://microsoftgraph.chinacloudapi.cn/v1.0",
			Exchange: "https://partner.outlook.cn", GraphScope: "https://microsoftgraph.chinacloudapi.cn/.default", ExchangeScope: "https://partner.outlook.cn/.default"}},
		// Overrides move the endpoints, not the token audiences.
		{graph.Config{Cloud: graph.China, AuthorityHost: "https://login.private.example", GraphURL: "https://graph.private.example/v1.0/", ExchangeURL: "https://exo.private.example"},
			graph.Endpoints{AuthorityHost: "https://login.private.example/", Graph: "https://graph.private.example/v1.0",
				Exchange: "https://exo.private.example", GraphScope: "https://microsoftgraph.chinacloudapi.cn/.default", ExchangeScope: "https://partner.outlook.cn/.default"}},
	}
	for _, tt := range tests {
		got, err := tt.cfg.Endpoints()
		if err != nil {
			t.Errorf("%+v: %v", tt.cfg, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.cfg.Cloud, got, tt.want)
		}
	}
}
