package main

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"dgaudit/directory"
	"dgaudit/directory/exchange"
	"dgaudit/directory/graph"
)

// Environment variables of the Microsoft 365 source: azidentity's standard
// names, so that the same environment serves other Azure tools.
const (
	envTenantID      = "AZURE_TENANT_ID"
	envClientID      = "AZURE_CLIENT_ID"
	envAuthorityHost = "AZURE_AUTHORITY_HOST"
	envClientSecret  = "AZURE_CLIENT_SECRET"
	envCertPath      = "AZURE_CLIENT_CERTIFICATE_PATH"
	envCertPassword  = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
	envFederatedFile = "AZURE_FEDERATED_TOKEN_FILE"
)

// m365Options are the Microsoft 365 (Graph + Exchange Online) flags.
type m365Options struct {
	enabled       bool
	tenant        string
	clientID      string
	auth          string
	clientCert    string
	secretFile    string
	cloud         string
	authorityHost string
	graphURL      string
	exchangeURL   string
	concurrency   int
	// skipExchange reads Graph only; what only Exchange Online knows is
	// then reported as gaps.
	skipExchange bool
	// secretEnv is the variable the client secret is read from; a config
	// file may name another than AZURE_CLIENT_SECRET.
	secretEnv string
}

func (o *m365Options) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.enabled, "m365", false, "read a Microsoft 365 tenant through Microsoft Graph (and Exchange Online)")
	f.StringVar(&o.tenant, "tenant", "", "Entra tenant ID or verified domain (default "+envTenantID+")")
	f.StringVar(&o.clientID, "client-id", "", "application (client) ID of the app registration (default "+envClientID+")")
	f.StringVar(&o.auth, "auth", "", "sign-in method: "+strings.Join(graph.AuthKinds(), ", ")+" (default: secret when "+envClientSecret+" or --client-secret-file is set, cert with --client-cert, else default)")
	f.StringVar(&o.clientCert, "client-cert", "", "certificate FILE (PEM with key, or PFX) for certificate sign-in (default "+envCertPath+"); its password comes from "+envCertPassword)
	f.StringVar(&o.secretFile, "client-secret-file", "", "file holding the client secret (its first line) instead of "+envClientSecret)
	f.StringVar(&o.cloud, "cloud", "public", "Microsoft cloud: "+strings.Join(graph.Clouds(), ", "))
	f.StringVar(&o.authorityHost, "authority-host", "", "sign-in authority URL override (default "+envAuthorityHost+", else the cloud's)")
	f.StringVar(&o.graphURL, "graph-url", "", "Microsoft Graph base URL override, the .../v1.0 URL (default: the cloud's)")
	f.StringVar(&o.exchangeURL, "exchange-url", "", "Exchange Online admin endpoint override: the host in front of /adminapi/beta/{tenant}/InvokeCommand (default: the cloud's)")
	f.IntVar(&o.concurrency, "graph-concurrency", 4, "Graph requests in flight at once")
	f.BoolVar(&o.skipExchange, "skip-exchange", false, "read Microsoft Graph only; the delivery settings only Exchange Online holds are then reported as gaps (exit 4)")
}

func (o *m365Options) chosen() bool { return o.enabled }

// m365Config turns flags and environment into a graph.Config. Secrets come
// only from the environment or a file.
func (a *app) m365Config(o *m365Options, caFile string) (graph.Config, error) {
	or := func(flag, env string) string {
		if flag != "" {
			return flag
		}
		return a.env(env)
	}
	cfg := graph.Config{
		TenantID:           or(o.tenant, envTenantID),
		ClientID:           or(o.clientID, envClientID),
		Cloud:              graph.Cloud(o.cloud),
		AuthorityHost:      or(o.authorityHost, envAuthorityHost),
		GraphURL:           o.graphURL,
		ExchangeURL:        o.exchangeURL,
		Auth:               graph.AuthKind(o.auth),
		CertificatePath:    or(o.clientCert, envCertPath),
		CertificatePass:    a.env(envCertPassword),
		FederatedTokenFile: a.env(envFederatedFile),
		Concurrency:        o.concurrency,
		Logger:             a.log.With("source", "graph"),
		DeviceCodePrompt:   func(msg string) { fmt.Fprintln(a.stderr, printableLines(msg)) }, // the sign-in service's text
	}
	secret, err := readSecret(secretSource{what: "client secret", fileFlag: "--client-secret-file",
		file: o.secretFile, envName: cmp.Or(o.secretEnv, envClientSecret)}, a.env)
	if err != nil {
		return cfg, err
	}
	// A secret in the environment must not override an explicit choice of
	// another method.
	if cfg.Auth == "" || cfg.Auth == graph.AuthSecret {
		if cfg.Auth == "" && cfg.CertificatePath != "" {
			secret = ""
		}
		cfg.ClientSecret = secret
	}
	tr, err := m365Transport(caFile)
	if err != nil {
		return cfg, usageError{err}
	}
	// Set here so that trace --m365, which takes only this config, shares
	// the transport between sign-in and Graph too.
	cfg.HTTPClient = &http.Client{Transport: tr, Timeout: graphTimeout}
	return cfg, nil
}

func (a *app) m365Source(o *m365Options, caFile string) (directory.Source, string, error) {
	cfg, err := a.m365Config(o, caFile)
	if err != nil {
		return nil, "", err
	}
	ep, err := cfg.Endpoints()
	if err != nil {
		return nil, "", usageError{err}
	}
	// One sign-in serves Graph and Exchange Online: the Exchange Online
	// source reads the delivery settings, dynamic groups and remote domains
	// Graph does not have, and Graph overlays them by Entra object ID.
	ts, err := graph.NewTokenSource(cfg)
	if err != nil {
		return nil, "", usageError{err}
	}
	cfg.Tokens = ts
	if !o.skipExchange {
		exo, err := exchange.New(exchange.Config{
			URL:         ep.Exchange,
			Tenant:      cfg.TenantID,
			Token:       ts.Func(ep.ExchangeScope),
			HTTPClient:  &http.Client{Transport: cfg.HTTPClient.Transport, Timeout: exchangeTimeout},
			SkipMembers: true,
			Logger:      a.log.With("source", "exchange-online"),
		})
		if err != nil {
			return nil, "", usageError{err}
		}
		cfg.Exchange = exo
	}
	src, err := graph.New(cfg)
	if err != nil {
		return nil, "", usageError{err}
	}
	a.log.Debug("microsoft 365 endpoints", "authority", ep.AuthorityHost, "graph", ep.Graph, "exchange", ep.Exchange)
	return src, "graph:" + cfg.TenantID, nil
}

// graphHint suggests what to do about a Microsoft 365 failure. The errors
// already name the endpoint and the usual fix; the hint adds where
// credentials come from.
func graphHint(err error) string {
	switch {
	case errors.Is(err, graph.ErrAuth):
		return "the secret comes from " + envClientSecret + " or --client-secret-file, a certificate from --client-cert (password in " + envCertPassword + "); national clouds need --cloud"
	case errors.Is(err, graph.ErrPermission):
		return "application permissions need admin consent; see the README section Microsoft 365 for the least-privilege list"
	case errors.Is(err, graph.ErrUnreachable):
		return "check the network and proxy (HTTPS_PROXY), --cloud, --graph-url and --authority-host; a TLS-inspecting proxy's CA goes in --ca-file"
	case errors.Is(err, graph.ErrUnavailable):
		return "Microsoft Graph is unavailable; run again later"
	case errors.Is(err, graph.ErrThrottled):
		return "the tenant is throttling this application; run again later (scan: or lower --graph-concurrency)"
	}
	return ""
}
