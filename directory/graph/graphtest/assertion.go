package graphtest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// verifyAssertion checks a client assertion (a JWT the client signs with its
// certificate's key, RFC 7523) against the registered certificate. Only the
// signature is checked: that is what proves the client holds the key.
func verifyAssertion(jwt string, cert *x509.Certificate) error {
	if cert == nil {
		return errors.New("no certificate is registered for the application")
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("the registered certificate has no RSA key")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch h.Alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, nil)
	}
	return fmt.Errorf("unsupported alg %q", h.Alg)
}
