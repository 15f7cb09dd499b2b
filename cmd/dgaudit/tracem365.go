package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"dgaudit/audit"
	"dgaudit/directory/graph"
	"dgaudit/directory/tracking"
)

// traceM365Options are trace's flags for reading Exchange Online message
// trace through Microsoft Graph: the Microsoft 365 sign-in flags that apply
// to Graph alone, and the time range.
type traceM365Options struct {
	m365   m365Options
	caFile string
	since  time.Duration
	from   string
	to     string
}

func (o *traceM365Options) register(cmd *cobra.Command) {
	f := cmd.Flags()
	m := &o.m365
	f.BoolVar(&m.enabled, "m365", false, "read Exchange Online message trace through Microsoft Graph instead of files (needs ExchangeMessageTrace.Read.All)")
	f.StringVar(&m.tenant, "tenant", "", "with --m365: Entra tenant ID or verified domain (default "+envTenantID+")")
	f.StringVar(&m.clientID, "client-id", "", "with --m365: application (client) ID (default "+envClientID+")")
	f.StringVar(&m.auth, "auth", "", "with --m365: sign-in method: "+strings.Join(graph.AuthKinds(), ", "))
	f.StringVar(&m.clientCert, "client-cert", "", "with --m365: certificate FILE for certificate sign-in (default "+envCertPath+"); its password comes from "+envCertPassword)
	f.StringVar(&m.secretFile, "client-secret-file", "", "with --m365: file holding the client secret (its first line) instead of "+envClientSecret)
	f.StringVar(&m.cloud, "cloud", "public", "with --m365: Microsoft cloud (the message-trace API exists in the global service only)")
	f.StringVar(&m.authorityHost, "authority-host", "", "with --m365: sign-in authority URL override (default "+envAuthorityHost+")")
	f.StringVar(&m.graphURL, "graph-url", "", "with --m365: Microsoft Graph base URL override, the .../v1.0 URL")
	f.StringVar(&o.caFile, "ca-file", "", "with --m365: PEM file of extra CA certificates to trust (a TLS-inspecting proxy)")
	o.since = 48 * time.Hour
	f.Var(daySpan{&o.since}, "since", "with --m365: read the message trace of this long before --to, such as 72h or 30d (at most 90 days back)")
	f.StringVar(&o.from, "from", "", "with --m365: start of the range, RFC 3339 or YYYY-MM-DD (UTC), instead of --since")
	f.StringVar(&o.to, "to", "", "with --m365: end of the range, RFC 3339 or YYYY-MM-DD (UTC) (default now)")
}

// rangeOf resolves --since, --from and --to against now.
func (o *traceM365Options) rangeOf(cmd *cobra.Command, now time.Time) (time.Time, time.Time, error) {
	parse := func(flag, v string) (time.Time, error) {
		for _, l := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(l, v); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, usagef("--%s %q: want RFC 3339 (2026-03-05T09:00:00Z) or a date (2026-03-05)", flag, v)
	}
	to := now
	if o.to != "" {
		t, err := parse("to", o.to)
		if err != nil {
			return to, to, err
		}
		to = t
	}
	if o.from != "" && cmd.Flags().Changed("since") {
		return to, to, usagef("give --since or --from, not both")
	}
	if o.since <= 0 {
		return to, to, usagef("--since %s: want a positive duration", o.since)
	}
	from := to.Add(-o.since)
	if o.from != "" {
		t, err := parse("from", o.from)
		if err != nil {
			return to, to, err
		}
		from = t
	}
	if !from.Before(to) {
		return to, to, usagef("the range %s to %s is empty", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

// m365TraceReader builds the Graph reader for trace --m365 and names what
// it reads, for the report's source.
func (a *app) m365TraceReader(cmd *cobra.Command, o *traceM365Options) (trackingReader, string, error) {
	from, to, err := o.rangeOf(cmd, time.Now())
	if err != nil {
		return nil, "", err
	}
	cfg, err := a.m365Config(&o.m365, o.caFile)
	if err != nil {
		return nil, "", err
	}
	src, err := graph.New(cfg)
	if err != nil {
		return nil, "", usageError{err}
	}
	read := func(ctx context.Context, fn func(*tracking.Event) error) (tracking.Stats, error) {
		st, err := src.MessageTraces(ctx, from, to, fn)
		if errors.Is(err, graph.ErrTraceRange) {
			return st, usageError{err}
		}
		return st, err
	}
	label := fmt.Sprintf("Exchange Online message trace (Microsoft Graph, tenant %s) from %s to %s", cfg.TenantID, from.Format(time.RFC3339), to.Format(time.RFC3339))
	return read, label, nil
}

// graphTrace reports whether the input was read from the Graph
// message-trace API (package graph names each window by its endpoint).
func graphTrace(files []audit.TrafficFile) bool {
	for _, f := range files {
		if !strings.Contains(f.Path, graph.MessageTracePath) {
			return false
		}
	}
	return len(files) > 0
}
