package ldap

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeDC accepts connections, completes the TLS handshake when it has a
// certificate, and then hangs up: enough for a connection to get as far as
// its bind, which is where the transport warnings have been logged.
func fakeDC(t *testing.T, withTLS bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var tc *tls.Config
	if withTLS {
		tc = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}, MinVersion: tls.VersionTLS12}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if tc != nil {
				tconn := tls.Server(c, tc)
				_ = tconn.SetDeadline(time.Now().Add(5 * time.Second))
				_ = tconn.Handshake()
			}
			_ = c.Close()
		}
	}()
	return ln.Addr().String()
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "dc.test"},
		DNSNames:     []string{"dc.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestTransportWarnings checks that the warnings about plain LDAP and
// unverified TLS say what is actually exposed: a simple bind's password, but
// with Kerberos no password at all, rather the directory data and, since
// go-ldap's GSSAPI client neither signs nor seals, the session itself.
func TestTransportWarnings(t *testing.T) {
	t.Parallel()
	plain, secure := fakeDC(t, false), fakeDC(t, true)
	tests := []struct {
		name     string
		url      string
		kerberos bool
		insecure bool
		want     []string // each must be in the log
		notWant  []string
	}{
		{"plain, simple bind", "ldap://" + plain, false, false,
			[]string{"plain LDAP without TLS", "the password and the directory data"}, []string{"NOT verified", "Kerberos"}},
		{"plain, Kerberos", "ldap://" + plain, true, false,
			[]string{"plain LDAP without TLS", "Kerberos ticket", "directory data", "neither signs nor seals"}, []string{"password", "NOT verified"}},
		// Without TLS there is no certificate to leave unverified.
		{"plain, insecure ignored", "ldap://" + plain, true, true,
			[]string{"plain LDAP without TLS"}, []string{"NOT verified", "password"}},
		{"unverified TLS, simple bind", "ldaps://" + secure, false, true,
			[]string{"TLS certificate NOT verified", "password"}, []string{"plain LDAP", "Kerberos"}},
		{"unverified TLS, Kerberos", "ldaps://" + secure, true, true,
			[]string{"TLS certificate NOT verified", "directory data", "Kerberos", "session"}, []string{"password", "plain LDAP"}},
		{"verified TLS, Kerberos", "ldaps://" + secure, true, false,
			nil, []string{"NOT verified", "plain LDAP", "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			cfg := Config{
				URLs: []string{tt.url}, AllowPlaintext: true, InsecureSkipVerify: tt.insecure,
				Timeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(&log, nil)),
			}
			if tt.kerberos {
				// A krb5.conf that does not exist stops the bind before
				// any KDC is asked, after the warnings.
				cfg.Kerberos = true
				cfg.Krb5Conf = filepath.Join(t.TempDir(), "missing-krb5.conf")
				cfg.CCache = filepath.Join(t.TempDir(), "ccache")
			} else {
				cfg.BindDN, cfg.Password = "svc-audit@corp.example", "secret"
			}
			if err := cfg.validate(); err != nil {
				t.Fatal(err)
			}
			p := &pool{cfg: &cfg}
			c, err := p.connectOne(context.Background(), tt.url)
			if err == nil {
				_ = c.Close()
				t.Fatal("connected to a server that hangs up")
			}
			got := log.String()
			if strings.Contains(got, "secret") {
				t.Fatalf("the password was logged:\n%s", got)
			}
			var warnings []string
			for _, line := range strings.Split(got, "\n") {
				if strings.Contains(line, "level=WARN") {
					warnings = append(warnings, line)
				}
			}
			all := strings.Join(warnings, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("warnings lack %q:\n%s", w, all)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(all, w) {
					t.Errorf("warnings mention %q:\n%s", w, all)
				}
			}
		})
	}
}
