package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"
)

// Per-request time limits of a --m365 run, the ones the Graph and Exchange
// Online adapters apply when given no client of their own.
const (
	graphTimeout    = 100 * time.Second
	exchangeTimeout = 2 * time.Minute
)

// m365Transport is the one HTTPS transport of a --m365 run: sign-in, Graph
// and Exchange Online all go through it, so --ca-file is read and the system
// pool copied once, and the three share their connections. Certificates are
// always verified; caFile only adds CAs to trust (a TLS-inspecting proxy's or
// a private endpoint's), it never replaces the system roots.
func m365Transport(caFile string) (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile == "" {
		return tr, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// Without system roots (some containers) only caFile is trusted,
		// which is still a verifying pool.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s: no PEM certificates in it", caFile)
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr, nil
}
