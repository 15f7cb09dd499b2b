package graph

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dgaudit/directory"
)

// Cloud names a Microsoft cloud: it decides the sign-in authority, the Graph
// endpoint and the Exchange Online endpoint.
type Cloud string

// Clouds. USGov is GCC, which signs in and calls Graph on the public
// endpoints; USGovHigh (GCC High, Graph L4) and DoD (Graph L5) have their own;
// China is the 21Vianet-operated cloud.
const (
	Public    Cloud = "public"
	USGov     Cloud = "usgov"
	USGovHigh Cloud = "usgovhigh"
	DoD       Cloud = "dod"
	China     Cloud = "china"
)

// Endpoints are the three hosts a scan talks to and the token scopes for
// them. Graph is the versioned base URL (".../v1.0").
type Endpoints struct {
	AuthorityHost string
	Graph         string
	Exchange      string
	// GraphScope and ExchangeScope are the ".default" scopes of the cloud's
	// resources. They stay the cloud's even when an endpoint is overridden,
	// because a private endpoint fronts the same resource.
	GraphScope    string
	ExchangeScope string
}

// cloudEndpoints returns the published national-cloud endpoints (authority,
// Graph, Exchange Online) from learn.microsoft.com/graph/deployments and
// Exchange Online PowerShell's -ExchangeEnvironmentName.
func cloudEndpoints(c Cloud) ([3]string, bool) {
	switch c {
	case Public, USGov:
		return [3]string{"https://login.microsoftonline.com/", "https://graph.microsoft.com", "https://outlook.office365.com"}, true
	case USGovHigh:
		return [3]string{"https://login.microsoftonline.us/", "https://graph.microsoft.us", "https://outlook.office365.us"}, true
	case DoD:
		return [3]string{"https://login.microsoftonline.us/", "https://dod-graph.microsoft.us", "https://webmail.apps.mil"}, true
	case China:
		return [3]string{"https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn", "https://partner.outlook.cn"}, true
	}
	return [3]string{}, false
}

// Clouds lists the known cloud names, for help texts.
func Clouds() []string { return []string{"public", "usgov", "usgovhigh", "dod", "china"} }

// AuthKind selects how the tool signs in.
type AuthKind string

// Authentication methods. AuthDefault is azidentity's default chain
// (environment, workload identity, managed identity, Azure CLI, ...).
const (
	AuthSecret           AuthKind = "secret"
	AuthCertificate      AuthKind = "cert"
	AuthManagedIdentity  AuthKind = "managed-identity"
	AuthWorkloadIdentity AuthKind = "workload-identity"
	AuthAzureCLI         AuthKind = "azure-cli"
	AuthDeviceCode       AuthKind = "device-code"
	AuthDefault          AuthKind = "default"
)

// AuthKinds lists the methods, for help texts.
func AuthKinds() []string {
	return []string{"secret", "cert", "managed-identity", "workload-identity", "azure-cli", "device-code", "default"}
}

// Config configures a Source. Secrets are values here; the CLI reads them
// from the environment or files, never from flags.
type Config struct {
	TenantID string
	ClientID string

	Cloud Cloud
	// AuthorityHost, GraphURL and ExchangeURL override the cloud's
	// endpoints (private endpoints, tests). GraphURL is the ".../v1.0" base.
	AuthorityHost string
	GraphURL      string
	ExchangeURL   string

	// Auth is the sign-in method; empty picks secret when ClientSecret is
	// set, certificate when CertificatePath is set, else the default chain.
	Auth               AuthKind
	ClientSecret       string
	CertificatePath    string // PEM or PKCS#12 with the private key
	CertificatePass    string
	FederatedTokenFile string // workload identity; default AZURE_FEDERATED_TOKEN_FILE
	// DeviceCodePrompt shows the device-code message; required for AuthDeviceCode.
	DeviceCodePrompt func(message string)

	// Concurrency bounds the requests in flight (default 4). PageSize is
	// $top for list requests (default and maximum 999). Retries bounds the
	// retries of one request (default 5). MaxRetryWait caps what a
	// Retry-After may ask for (default 2 minutes): a server that asks for
	// longer gets an error instead of a stalled scan. RetryDelay is the
	// first back-off when a throttled response carries no Retry-After
	// (default 2 s; doubled on each retry).
	Concurrency int
	PageSize    int
	// TracePageSize is $top for message trace (default and maximum
	// 5000).
	TracePageSize int
	Retries       int
	MaxRetryWait  time.Duration
	RetryDelay    time.Duration

	// HTTPClient carries every request (Graph and sign-in); its Transport
	// is wrapped by the SDK middleware and its Timeout bounds each request.
	// Nil means one trusting the system roots, with a 100 s timeout. The
	// CLI passes its own so that extra CAs (a TLS-inspecting proxy's) are
	// loaded once for sign-in, Graph and Exchange Online.
	HTTPClient *http.Client

	Logger *slog.Logger

	// Exchange supplies what Graph cannot read (see package doc). Nil
	// leaves those settings unset and records coverage gaps.
	Exchange directory.Source

	// Tokens, when set, is used instead of building a credential from the
	// fields above, so the caller can share one sign-in with the Exchange
	// client.
	Tokens *TokenSource
}

const (
	defaultConcurrency  = 4
	maxPageSize         = 999
	defaultRetries      = 5
	defaultMaxRetryWait = 2 * time.Minute
	defaultRetryDelay   = 2 * time.Second
	defaultTimeout      = 100 * time.Second
)

// withDefaults fills unset tuning fields.
func (c Config) withDefaults() Config {
	if c.Cloud == "" {
		c.Cloud = Public
	}
	if c.Concurrency <= 0 {
		c.Concurrency = defaultConcurrency
	}
	if c.PageSize <= 0 || c.PageSize > maxPageSize {
		c.PageSize = maxPageSize
	}
	if c.Retries <= 0 {
		c.Retries = defaultRetries
	}
	if c.MaxRetryWait <= 0 {
		c.MaxRetryWait = defaultMaxRetryWait
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = defaultRetryDelay
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.HTTPClient == nil {
		// Filled here, not where it is used, so that the sign-in and the
		// Graph client New builds share one client and connection pool.
		c.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: defaultTimeout}
	}
	if c.Auth == "" {
		switch {
		case c.ClientSecret != "":
			c.Auth = AuthSecret
		case c.CertificatePath != "":
			c.Auth = AuthCertificate
		default:
			c.Auth = AuthDefault
		}
	}
	return c
}

// Endpoints resolves the cloud and the overrides, or explains what is wrong.
func (c Config) Endpoints() (Endpoints, error) {
	cloud := c.Cloud
	if cloud == "" {
		cloud = Public
	}
	base, ok := cloudEndpoints(cloud)
	if !ok {
		return Endpoints{}, fmt.Errorf("graph: cloud %q: want one of %s", c.Cloud, strings.Join(Clouds(), ", "))
	}
	ep := Endpoints{
		AuthorityHost: base[0],
		Graph:         base[1] + "/v1.0",
		Exchange:      base[2],
		GraphScope:    base[1] + "/.default",
		ExchangeScope: base[2] + "/.default",
	}
	var errs []error
	override := func(name, v string, dst *string) {
		if v == "" {
			return
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			errs = append(errs, fmt.Errorf("graph: %s %q: want an https:// URL (plain http only for localhost)", name, v))
			return
		}
		*dst = strings.TrimRight(v, "/")
	}
	override("authority host", c.AuthorityHost, &ep.AuthorityHost)
	override("Graph URL", c.GraphURL, &ep.Graph)
	override("Exchange URL", c.ExchangeURL, &ep.Exchange)
	if !strings.HasSuffix(ep.AuthorityHost, "/") {
		ep.AuthorityHost += "/"
	}
	return ep, errors.Join(errs...)
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// validate lists every problem with the configuration at once.
func (c Config) validate() error {
	var errs []error
	if _, err := c.Endpoints(); err != nil {
		errs = append(errs, err)
	}
	needApp := func() {
		if c.TenantID == "" {
			errs = append(errs, fmt.Errorf("graph: %s sign-in needs a tenant ID (--tenant or AZURE_TENANT_ID)", c.Auth))
		}
		if c.ClientID == "" {
			errs = append(errs, fmt.Errorf("graph: %s sign-in needs the application's client ID (--client-id or AZURE_CLIENT_ID)", c.Auth))
		}
	}
	switch c.Auth {
	case AuthSecret:
		needApp()
		if c.ClientSecret == "" {
			errs = append(errs, errors.New("graph: secret sign-in needs the client secret (AZURE_CLIENT_SECRET or a secret file)"))
		}
	case AuthCertificate:
		needApp()
		if c.CertificatePath == "" {
			errs = append(errs, errors.New("graph: certificate sign-in needs --client-cert FILE (PEM or PFX)"))
		}
	case AuthWorkloadIdentity:
		needApp()
	case AuthDeviceCode:
		if c.TenantID == "" {
			errs = append(errs, errors.New("graph: device-code sign-in needs a tenant ID (--tenant or AZURE_TENANT_ID)"))
		}
		if c.DeviceCodePrompt == nil {
			errs = append(errs, errors.New("graph: device-code sign-in needs a prompt to show the code"))
		}
	case AuthManagedIdentity, AuthAzureCLI, AuthDefault:
	default:
		errs = append(errs, fmt.Errorf("graph: sign-in method %q: want one of %s", c.Auth, strings.Join(AuthKinds(), ", ")))
	}
	return errors.Join(errs...)
}
