package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// TokenSource signs in once and hands out access tokens for any scope of the
// same tenant, so the Graph reader and the Exchange Online client share one
// credential and one token cache. It hides azidentity from callers.
type TokenSource struct {
	cred      azcore.TokenCredential
	kind      AuthKind
	tenant    string
	authority string
	last      *lastStatus
}

// lastStatus remembers the status of the authority's latest answer. When
// MSAL's own deadline cuts the retries short, the error it returns keeps
// neither the response nor the deadline, and this is what is left to say
// whether the authority was refusing or unavailable.
type lastStatus struct{ code atomic.Int32 }

func (l *lastStatus) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if resp != nil {
		l.code.Store(int32(resp.StatusCode))
	}
	return resp, err
}

// NewTokenSource builds the credential cfg asks for. It does not contact the
// authority: the first token request does.
func NewTokenSource(cfg Config) (*TokenSource, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ep, err := cfg.Endpoints()
	if err != nil {
		return nil, err
	}
	last := &lastStatus{}
	opts := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: ep.AuthorityHost},
		Transport: cfg.HTTPClient,
		// Sign-in retries follow the same budget as Graph requests.
		Retry:            policy.RetryOptions{MaxRetries: int32(cfg.Retries), RetryDelay: cfg.RetryDelay, MaxRetryDelay: cfg.MaxRetryWait},
		PerRetryPolicies: []policy.Policy{last},
	}
	// Instance discovery asks login.microsoftonline.com whether the authority
	// is known; a private or test authority is not, and an offline one cannot
	// be asked, so an explicit authority host turns it off.
	noDiscovery := cfg.AuthorityHost != ""
	var cred azcore.TokenCredential
	switch cfg.Auth {
	case AuthSecret:
		cred, err = azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
	case AuthCertificate:
		cred, err = certificateCredential(cfg, opts, noDiscovery)
	case AuthManagedIdentity:
		mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if cfg.ClientID != "" {
			mo.ID = azidentity.ClientID(cfg.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(mo)
	case AuthWorkloadIdentity:
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: opts, TenantID: cfg.TenantID, ClientID: cfg.ClientID,
			TokenFilePath: cfg.FederatedTokenFile, DisableInstanceDiscovery: noDiscovery})
	case AuthAzureCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: cfg.TenantID})
	case AuthDeviceCode:
		prompt := cfg.DeviceCodePrompt
		cred, err = azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: opts, TenantID: cfg.TenantID, ClientID: cfg.ClientID, DisableInstanceDiscovery: noDiscovery,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				prompt(m.Message)
				return nil
			}})
	default:
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: opts, TenantID: cfg.TenantID, DisableInstanceDiscovery: noDiscovery})
	}
	if err != nil {
		return nil, fmt.Errorf("graph: set up %s sign-in: %w", cfg.Auth, err)
	}
	return &TokenSource{cred: cred, kind: cfg.Auth, tenant: cfg.TenantID, authority: ep.AuthorityHost, last: last}, nil
}

func certificateCredential(cfg Config, opts azcore.ClientOptions, noDiscovery bool) (azcore.TokenCredential, error) {
	data, err := os.ReadFile(cfg.CertificatePath)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	var pass []byte
	if cfg.CertificatePass != "" {
		pass = []byte(cfg.CertificatePass)
	}
	certs, key, err := azidentity.ParseCertificates(data, pass)
	if err != nil {
		return nil, fmt.Errorf("client certificate %s: %w (want PEM with the certificate and its private key, or PKCS#12/PFX; the password comes from AZURE_CLIENT_CERTIFICATE_PASSWORD)", cfg.CertificatePath, err)
	}
	return azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
}

// Func returns a function giving a bearer token for scope, for example
// "https://outlook.office365.com/.default" (Endpoints.ExchangeScope) for the
// Exchange Online admin API. Errors are explained like the Graph reader's.
func (t *TokenSource) Func(scope string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		tok, err := t.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
		if err != nil {
			return "", t.explain(ctx, scope, err)
		}
		return tok.Token, nil
	}
}

// aadstsCode finds the AADSTS error code and its first sentence in an Entra
// error, which azidentity quotes in its multi-line message.
var aadstsCode = regexp.MustCompile(`AADSTS\d+:[^\r\n.]*`)

// explain turns a credential error into a one-line ErrAuth or
// ErrUnreachable error naming the authority and the remedy. An authority
// that is down or throttling is not a credential problem: those answers,
// and retries cut short by MSAL's deadline, are ErrUnreachable.
func (t *TokenSource) explain(ctx context.Context, scope string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	where := fmt.Sprintf("graph: sign in to tenant %q at %s (%s, scope %s)", t.tenant, t.authority, t.kind, scope)
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) {
		msg := err.Error()
		if afe.RawResponse != nil && unavailable(afe.RawResponse.StatusCode) {
			detail := ""
			if m := aadstsCode.FindString(msg); m != "" {
				detail = ": " + m
			}
			return fmt.Errorf("%s: %w: the authority is unavailable (HTTP %d%s) after the retries; run again later", where, ErrUnreachable, afe.RawResponse.StatusCode, detail)
		}
		if afe.RawResponse == nil && strings.Contains(msg, context.DeadlineExceeded.Error()) {
			// MSAL gives each token request 30 s, retries included,
			// and reports only the deadline.
			if code := int(t.last.code.Load()); unavailable(code) {
				return fmt.Errorf("%s: %w: the authority is unavailable (HTTP %d) and the retries ran out of time; run again later", where, ErrUnreachable, code)
			}
			return fmt.Errorf("%s: %w: the authority did not answer in time; check the network, proxy and --authority-host", where, ErrUnreachable)
		}
		if m := aadstsCode.FindString(msg); m != "" {
			return fmt.Errorf("%s: %w: %s; %s", where, ErrAuth, m, authRemedy(m))
		}
		if strings.Contains(msg, "unable to resolve an endpoint") {
			// MSAL could not read the authority's metadata and drops the
			// cause: a wrong host, a network problem or an unknown tenant.
			return fmt.Errorf("%s: %w: could not read the authority's OpenID metadata; check the network and proxy, --cloud, --authority-host and --tenant", where, ErrUnreachable)
		}
		if afe.RawResponse != nil {
			return fmt.Errorf("%s: %w: the authority answered HTTP %d; check the tenant ID, client ID and credential", where, ErrAuth, afe.RawResponse.StatusCode)
		}
		if isNetErr(err) {
			return fmt.Errorf("%s: %w: %s", where, ErrUnreachable, firstLine(msg))
		}
		return fmt.Errorf("%s: %w: %s", where, ErrAuth, firstLine(msg))
	}
	if isNetErr(err) {
		return fmt.Errorf("%s: %w: %s; check the network, proxy and --authority-host", where, ErrUnreachable, firstLine(err.Error()))
	}
	return fmt.Errorf("%s: %w: %s", where, ErrAuth, firstLine(err.Error()))
}

// unavailable reports whether an authority's status says it is down or
// throttling rather than refusing the credential.
func unavailable(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// authRemedy suggests a fix for the common AADSTS codes.
func authRemedy(aadsts string) string {
	code, _, _ := strings.Cut(aadsts, ":")
	switch code {
	case "AADSTS7000215", "AADSTS7000222":
		return "the client secret is wrong or expired: create a new one and set AZURE_CLIENT_SECRET"
	case "AADSTS700016":
		return "no application with that client ID in the tenant: check --client-id and --tenant"
	case "AADSTS90002", "AADSTS900023":
		return "the tenant was not found: check --tenant (a GUID or a verified domain) and --cloud"
	case "AADSTS700027", "AADSTS700024":
		return "the certificate is not registered on the application or the clock is off: upload the certificate's public key"
	case "AADSTS65001", "AADSTS500011":
		return "the application is not consented in this tenant: grant admin consent"
	}
	return "check the tenant ID, client ID and credential"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}
