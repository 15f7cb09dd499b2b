package exchange_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"dgaudit/directory"
	"dgaudit/directory/exchange"
	"dgaudit/directory/exchange/exotest"
)

// TestServerFaults reads the demo organization through the emulator, in
// small pages, while it throttles, fails and drops requests: every object
// arrives once, and the audit is the demo's.
func TestServerFaults(t *testing.T) {
	t.Parallel()
	want := demoSnapshot(t)
	wantVerdicts := exportVerdicts(t, want)
	srv := exotest.NewServer(exotest.Shape(want, true))
	defer srv.Close()
	srv.PageSize = 7
	srv.Fault = func(c exotest.Call) exotest.Fault {
		switch {
		case c.N%5 == 0:
			return exotest.Throttle
		case c.N%7 == 0:
			return exotest.Unavailable
		case c.N%11 == 0:
			return exotest.Drop
		case c.N%13 == 0:
			return exotest.ThrottleNoRetryAfter
		case c.N%17 == 0:
			return exotest.Slow
		case c.N == 3:
			// An expired token, refreshed by the retry.
			return exotest.Unauthorized
		}
		return exotest.None
	}
	src := newSource(t, srv, func(c *exchange.Config) { c.Retries = 12 })
	got, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, want, got)
	if d := diffMaps(wantVerdicts, verdicts(t, got)); d != "" {
		t.Errorf("audit differs: %s", d)
	}
	faults := srv.Faults()
	for _, f := range []exotest.Fault{exotest.Throttle, exotest.Unavailable, exotest.Drop, exotest.ThrottleNoRetryAfter, exotest.Unauthorized} {
		if faults[f] == 0 {
			t.Errorf("fault %d never injected: the test proves nothing about it", f)
		}
	}
	if got.Source != "exchange-online:"+srv.Tenant {
		t.Errorf("source = %q", got.Source)
	}
}

func diffMaps(want, got map[string]string) string {
	var b strings.Builder
	for k, v := range want {
		if got[k] != v {
			b.WriteString("\n" + k + ": want " + v + ", got " + got[k])
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			b.WriteString("\n" + k + ": unexpected " + v)
		}
	}
	return b.String()
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	org := exotest.Shape(demoSnapshot(t), true)
	tests := []struct {
		name    string
		fault   func(exotest.Call) exotest.Fault
		token   string
		retries int
		want    error
		substr  []string
	}{
		{"wrong token", nil, "expired", 0, exchange.ErrAuth,
			[]string{"HTTP 401", "invalid bearer token", "for another tenant than contoso.onmicrosoft.com"}},
		{"missing role", func(exotest.Call) exotest.Fault { return exotest.Forbidden }, "", 0, exchange.ErrForbidden,
			[]string{"HTTP 403", "Exchange.ManageAsApp", "View-Only Recipients"}},
		{"malformed JSON", func(c exotest.Call) exotest.Fault {
			if c.Cmdlet == exchange.CmdDistributionGroup {
				return exotest.Malformed
			}
			return exotest.None
		}, "", 0, exchange.ErrResponse, []string{"Get-DistributionGroup page 1", "invalid JSON at byte"}},
		{"always unavailable", func(exotest.Call) exotest.Fault { return exotest.Unavailable }, "", 2, exchange.ErrUnreachable,
			[]string{"gave up after 2 retries", "HTTP 503"}},
		{"always throttled", func(exotest.Call) exotest.Fault { return exotest.Throttle }, "", 1, exchange.ErrThrottled,
			[]string{"gave up after 1 retries", "HTTP 429"}},
		{"always dropped", func(exotest.Call) exotest.Fault { return exotest.Drop }, "", 1, exchange.ErrUnreachable,
			[]string{"gave up after 1 retries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := exotest.NewServer(org)
			defer srv.Close()
			srv.Fault = tt.fault
			src := newSource(t, srv, func(c *exchange.Config) {
				c.Retries = tt.retries
				if tt.retries == 0 {
					c.Retries = -1
				}
				if tt.token != "" {
					c.Token = func(context.Context) (string, error) { return tt.token, nil }
				}
			})
			_, err := src.Snapshot(context.Background())
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if n := strings.Count(msg, "page 1:"); n > 1 {
				t.Errorf("error names the page %d times: %s", n, msg)
			}
			if strings.Contains(msg, "test-token") || strings.Contains(msg, "expired\"") {
				t.Errorf("error shows the token: %s", msg)
			}
			for _, s := range tt.substr {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not say %q", msg, s)
				}
			}
		})
	}
}

// TestFatalErrorStopsOtherCmdlets: a cmdlet refused for want of a role ends
// the read at once; the cmdlets running beside it stop after the page they
// are on instead of paging through the whole tenant first.
func TestFatalErrorStopsOtherCmdlets(t *testing.T) {
	t.Parallel()
	org := exotest.Shape(demoSnapshot(t), true)
	pages := func(fault func(exotest.Call) exotest.Fault) (int, error) {
		srv := exotest.NewServer(org)
		defer srv.Close()
		srv.PageSize = 2
		srv.Fault = fault
		_, err := newSource(t, srv, nil).Snapshot(context.Background())
		return srv.CmdletRequests()[exchange.CmdRecipient], err
	}
	all, err := pages(nil)
	if err != nil {
		t.Fatal(err)
	}
	if all < 10 {
		t.Fatalf("Get-Recipient takes %d pages: too few to tell", all)
	}
	got, err := pages(func(c exotest.Call) exotest.Fault {
		switch c.Cmdlet {
		case exchange.CmdDistributionGroup:
			return exotest.Forbidden
		case exchange.CmdRecipient:
			return exotest.Slow
		}
		return exotest.None
	})
	if !errors.Is(err, exchange.ErrForbidden) {
		t.Fatalf("err = %v, want ErrForbidden", err)
	}
	if got > 2 {
		t.Errorf("Get-Recipient read %d of its %d pages after Get-DistributionGroup was refused", got, all)
	}
}

func TestServerCancel(t *testing.T) {
	t.Parallel()
	srv := exotest.NewServer(exotest.Shape(demoSnapshot(t), true))
	defer srv.Close()
	// Throttled forever with a long Retry-After: only the context ends it.
	srv.Fault = func(exotest.Call) exotest.Fault { return exotest.ThrottleNoRetryAfter }
	src := newSource(t, srv, func(c *exchange.Config) { c.RetryWait = time.Hour; c.Retries = 10 })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := src.Snapshot(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop after the context ended", d)
	}
}

func TestServerTokenError(t *testing.T) {
	t.Parallel()
	srv := exotest.NewServer(exotest.Shape(demoSnapshot(t), true))
	defer srv.Close()
	src := newSource(t, srv, func(c *exchange.Config) {
		c.Token = func(context.Context) (string, error) { return "", errors.New("AADSTS7000215: invalid client secret") }
	})
	_, err := src.Snapshot(context.Background())
	if !errors.Is(err, exchange.ErrAuth) || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("err = %v, want ErrAuth with the credential's reason", err)
	}
	if srv.Requests() != 0 {
		t.Errorf("%d requests sent without a token", srv.Requests())
	}
}

func TestSkipMembers(t *testing.T) {
	t.Parallel()
	srv := exotest.NewServer(exotest.Shape(demoSnapshot(t), true))
	defer srv.Close()
	src := newSource(t, srv, func(c *exchange.Config) { c.SkipMembers = true })
	got, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.CmdletRequests()[exchange.CmdDistributionGroupMember]; n != 0 {
		t.Errorf("%d member requests with SkipMembers", n)
	}
	if n := srv.CmdletRequests()[exchange.CmdDynamicDistributionGroupMember]; n == 0 {
		t.Error("no dynamic-group member requests: Graph cannot list those members, so they must still be read")
	}
	dynamic := map[string]bool{}
	for _, g := range got.Groups {
		if g.Kind == directory.Dynamic {
			dynamic[g.ID] = true
			continue
		}
		if !g.MembersUnknown || len(g.Members) != 0 {
			t.Fatalf("group %s: MembersUnknown=%v members=%d", g.Name, g.MembersUnknown, len(g.Members))
		}
	}
	withMembers := 0
	for _, g := range got.Groups {
		if dynamic[g.ID] && !g.MembersUnknown && len(g.Members) > 0 {
			withMembers++
		}
	}
	if withMembers == 0 {
		t.Error("no dynamic group came back with its members")
	}
	// The only membership gaps are dynamic groups whose membership the
	// emulated organization itself cannot compute.
	for _, gap := range got.Coverage.Gaps {
		if !dynamic[gap.Object] {
			t.Errorf("gap %+v is not about a dynamic group", gap)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	tok := func(context.Context) (string, error) { return "", nil }
	for _, tt := range []struct {
		cfg    exchange.Config
		substr string
	}{
		{exchange.Config{Token: tok}, "no tenant"},
		{exchange.Config{Tenant: "t"}, "no token source"},
		{exchange.Config{Tenant: "t", Token: tok, URL: "outlook.office365.com"}, "want https://host"},
	} {
		if _, err := exchange.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.substr) {
			t.Errorf("New(%+v) = %v, want %q", tt.cfg, err, tt.substr)
		}
	}
}

// TestInvokeResponses covers answers the emulator does not give: warnings
// without a value, an error body with the cmdlet's own message, a nextLink
// to another host.
func TestInvokeResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   int
		substr string
	}{
		{"warnings only", 200, `{"@adminapi.warnings":["no objects found"]}`, 0, ""},
		{"cmdlet error", 400, `{"error":{"code":"BadRequest","message":"generic","details":[{"message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed"}]}}`, 0, "HTTP 400: Ex6F9304"},
		{"no value", 200, `{"@odata.context":"x"}`, 0, "no \"value\" array"},
		{"foreign nextLink", 200, `{"value":[{"Name":"a"}],"@odata.nextLink":"https://evil.example/adminapi/beta/t/InvokeCommand?$skiptoken=1"}`, 0, "points at https://evil.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			src, err := exchange.New(exchange.Config{URL: srv.URL, Tenant: "t", HTTPClient: srv.Client(),
				Token: func(context.Context) (string, error) { return "x", nil }})
			if err != nil {
				t.Fatal(err)
			}
			recs, err := src.Invoke(context.Background(), exchange.CmdMailContact, map[string]any{"ResultSize": "Unlimited"})
			if tt.substr == "" {
				if err != nil || len(recs) != tt.want {
					t.Fatalf("got %d records, %v; want %d", len(recs), err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.substr) {
				t.Fatalf("err = %v, want %q", err, tt.substr)
			}
		})
	}
}

// A Retry-After longer than MaxRetryWait ends the retries at once: waiting
// the cap and asking again would only be refused again, and the error must
// say how long the service asked for.
func TestServerLongRetryAfter(t *testing.T) {
	t.Parallel()
	srv := exotest.NewServer(exotest.Shape(demoSnapshot(t), true))
	defer srv.Close()
	srv.Fault = func(c exotest.Call) exotest.Fault {
		if c.Cmdlet == exchange.CmdDistributionGroup {
			return exotest.ThrottleHour
		}
		return exotest.None
	}
	src := newSource(t, srv, func(c *exchange.Config) { c.MaxRetryWait = 2 * time.Second })
	start := time.Now()
	_, err := src.Snapshot(context.Background())
	if !errors.Is(err, exchange.ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}
	if want := "asking to wait 1h0m0s, more than the 2s allowed"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
	if n := srv.Faults()[exotest.ThrottleHour]; n != 1 {
		t.Errorf("%d throttled requests, want 1: the client retried before the time asked for", n)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v: the client waited instead of giving up", d)
	}
}
