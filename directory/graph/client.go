package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	coreauth "github.com/microsoftgraph/msgraph-sdk-go-core/authentication"

	"dgaudit/directory/httpretry"
)

// Sentinel errors the CLI branches on. Returned errors wrap them with the
// endpoint and the operation.
var (
	// ErrAuth: sign-in failed or Graph refused the token (401).
	ErrAuth = errors.New("authentication failed")
	// ErrPermission: the application lacks a permission (403).
	ErrPermission = errors.New("permission denied")
	// ErrUnreachable: the endpoint could not be reached.
	ErrUnreachable = errors.New("endpoint unreachable")
	// ErrThrottled: still throttled (429) after the retries, or asked to
	// wait longer than MaxRetryWait.
	ErrThrottled = errors.New("throttled")
	// ErrUnavailable: the service answered 503 or 504 through the retries,
	// or asked to wait longer than MaxRetryWait.
	ErrUnavailable = errors.New("unavailable")
	// ErrMalformed: a response body was not the JSON Graph sends.
	ErrMalformed = errors.New("malformed response")
)

// client sends requests through the Graph SDK core's request adapter: it
// attaches the token (and re-authenticates on a claims challenge), retries
// 429/503/504 honouring Retry-After, and adds the Graph telemetry headers.
// Responses are handed back raw and decoded here, because the five shapes
// this package reads do not justify the generated models.
type client struct {
	adapter *core.GraphRequestAdapterBase
	base    string // the Graph ".../v1.0" URL, no trailing slash
	retries int
	delay   time.Duration
	maxWait time.Duration
}

func newClient(cfg Config, ep Endpoints, ts *TokenSource) (*client, error) {
	base := cfg.HTTPClient
	gu, err := url.Parse(ep.Graph)
	if err != nil {
		return nil, fmt.Errorf("graph: Graph URL %q: %w", ep.Graph, err)
	}
	maxWait := cfg.MaxRetryWait
	retry := &khttp.RetryHandlerOptions{
		MaxRetries:   cfg.Retries,
		DelaySeconds: max(1, int(cfg.RetryDelay/time.Second)),
		// A Retry-After beyond the cap ends the retries: the error then
		// says how long the service asked for, instead of a silent stall.
		ShouldRetry: func(_ time.Duration, _ int, _ *http.Request, resp *http.Response) bool {
			d, ok := httpretry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			return !ok || d <= maxWait
		},
	}
	kiota, err := khttp.GetDefaultMiddlewaresWithOptions(retry)
	if err != nil {
		return nil, fmt.Errorf("graph: middleware: %w", err)
	}
	opts := core.GraphClientOptions{GraphServiceVersion: "v1.0", GraphServiceLibraryVersion: "dgaudit"}
	mw := append([]khttp.Middleware{core.NewGraphTelemetryHandler(&opts)}, kiota...)
	hc := &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(base.Transport, mw...),
		Timeout:       base.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// The valid-hosts list is what makes the provider attach the token at
	// all: for any other host it silently sends none.
	auth, err := coreauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(explainingCredential{ts}, []string{ep.GraphScope}, []string{gu.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph: auth provider: %w", err)
	}
	adapter, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, opts, jsonser.NewJsonParseNodeFactory(), jsonser.NewJsonSerializationWriterFactory(), hc)
	if err != nil {
		return nil, fmt.Errorf("graph: request adapter: %w", err)
	}
	adapter.SetBaseUrl(ep.Graph)
	return &client{adapter: adapter, base: strings.TrimRight(ep.Graph, "/"), retries: cfg.Retries, delay: cfg.RetryDelay, maxWait: maxWait}, nil
}

// noStatusRetries is the SDK retry option of a request whose 429, 503 and
// 504 answers its caller retries itself.
var noStatusRetries = &khttp.RetryHandlerOptions{
	ShouldRetry: func(time.Duration, int, *http.Request, *http.Response) bool { return false },
}

// response is a raw HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request through the adapter and returns the raw answer,
// whatever its status. Transport failures (a dropped connection, a body cut
// short) are retried with back-off here, because the SDK retries only on
// status codes.
func (c *client) send(ctx context.Context, method abs.HttpMethod, rawURL string, body []byte) (*response, error) {
	return c.sendRetrying(ctx, method, rawURL, body, c.retries, true)
}

// sendRetrying is send with its own number of retries of transport
// failures. With sdkRetries false the SDK does not retry a 429, 503 or 504
// either, and the answer is returned as it came: the caller retries it in
// its own budget, so that two retry loops do not nest.
func (c *client) sendRetrying(ctx context.Context, method abs.HttpMethod, rawURL string, body []byte, retries int, sdkRetries bool) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", rawURL, err)
	}
	var lastErr error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, backoff(c.delay, attempt)); err != nil {
				return nil, err
			}
		}
		resp, err := c.sendOnce(ctx, method, u, body, sdkRetries)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !transient(err) {
			return nil, err
		}
		lastErr = err
	}
	if retries == 0 {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, lastErr)
	}
	return nil, fmt.Errorf("%w: %v (after %d attempts)", ErrUnreachable, lastErr, retries+1)
}

func (c *client) sendOnce(ctx context.Context, method abs.HttpMethod, u *url.URL, body []byte, sdkRetries bool) (*response, error) {
	ri := abs.NewRequestInformation()
	ri.Method = method
	ri.SetUri(*u)
	ri.Headers.Add("Accept", "application/json")
	if body != nil {
		ri.SetStreamContentAndContentType(body, "application/json")
	}
	var out *response
	h := abs.NewRequestHandlerOption()
	h.SetResponseHandler(func(r any, _ abs.ErrorMappings) (any, error) {
		hr, ok := r.(*http.Response)
		if !ok {
			return nil, fmt.Errorf("unexpected response type %T", r)
		}
		defer hr.Body.Close()
		b, err := io.ReadAll(hr.Body)
		if err != nil {
			return nil, err
		}
		out = &response{status: hr.StatusCode, header: hr.Header, body: b}
		return nil, nil
	})
	ri.AddRequestOptions([]abs.RequestOption{h})
	if !sdkRetries {
		ri.AddRequestOptions([]abs.RequestOption{noStatusRetries})
	}
	if _, err := c.adapter.SendPrimitive(ctx, ri, "[]byte", nil); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errors.New("no response")
	}
	return out, nil
}

// transient reports whether a transport error is worth retrying.
func transient(err error) bool {
	var ae *authError
	if errors.As(err, &ae) {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		isTimeout(err) || strings.Contains(err.Error(), "connection reset") ||
		strings.Contains(err.Error(), "server closed")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isNetErr(err error) bool {
	var oe *net.OpError
	var de *net.DNSError
	var ue *url.Error
	return errors.As(err, &oe) || errors.As(err, &de) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF)
}

// authError marks a credential failure so it is never retried as a network
// error; it is what TokenSource.explain returned.
type authError struct{ err error }

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// explainingCredential gives the SDK the token source's credential with its
// errors already explained and marked as not worth a network retry.
type explainingCredential struct{ ts *TokenSource }

func (e explainingCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := e.ts.cred.GetToken(ctx, o)
	if err != nil {
		scope := strings.Join(o.Scopes, " ")
		return tok, &authError{e.ts.explain(ctx, scope, err)}
	}
	return tok, nil
}

// backoff is the wait before retry n (1-based): base doubled each time.
func backoff(base time.Duration, n int) time.Duration {
	return base << min(n-1, 6)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// graphError is Graph's error body.
type graphError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// statusError explains a non-2xx answer to a request for what, naming the
// endpoint and what to do about it.
func statusError(what, endpoint string, status int, header http.Header, body []byte, maxWait time.Duration) error {
	detail := errorDetail(body)
	switch status {
	case http.StatusUnauthorized:
		return fmt.Errorf("graph: %s at %s: %w: HTTP 401%s; the token was refused: check --tenant, --client-id, the credential and --cloud", what, endpoint, ErrAuth, detail)
	case http.StatusForbidden:
		return fmt.Errorf("graph: %s at %s: %w: HTTP 403%s; grant the application Group.Read.All (or GroupMember.Read.All), OrgContact.Read.All, User.Read.All and Domain.Read.All (or Directory.Read.All) with admin consent", what, endpoint, ErrPermission, detail)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		d, ok := httpretry.ParseRetryAfter(header.Get("Retry-After"), time.Now())
		if ok && d > maxWait {
			// The retry handler gives up at once on such a wait: no
			// retry happened.
			return fmt.Errorf("graph: %s at %s: %w (HTTP %d)%s, asking to wait %s, more than the %s allowed", what, endpoint, busyErr(status), status, detail, d, maxWait)
		}
		wait := ""
		if ok {
			wait = fmt.Sprintf(", Retry-After %s", d)
		}
		return fmt.Errorf("graph: %s at %s: %w (HTTP %d%s)%s after the retries", what, endpoint, busyErr(status), status, wait, detail)
	}
	return fmt.Errorf("graph: %s at %s: HTTP %d%s", what, endpoint, status, detail)
}

// busyErr is the sentinel for a status Graph retries: only 429 is
// throttling, 503 and 504 say the service is unavailable.
func busyErr(status int) error {
	if status == http.StatusTooManyRequests {
		return ErrThrottled
	}
	return ErrUnavailable
}

// errorDetail is ": code: message" from Graph's error body, or "".
func errorDetail(body []byte) string {
	var ge graphError
	if json.Unmarshal(body, &ge) != nil || ge.Error.Code == "" {
		return ""
	}
	detail := ": " + ge.Error.Code
	if ge.Error.Message != "" {
		detail += ": " + strings.TrimRight(firstLine(ge.Error.Message), ".")
	}
	return detail
}

// decode unmarshals a JSON body, or says which endpoint sent something else.
func decode(what, endpoint string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		snippet := string(bytes.TrimSpace(body))
		if len(snippet) > 60 {
			snippet = snippet[:60] + "..."
		}
		return fmt.Errorf("graph: %s at %s: %w: %v (body starts %q)", what, endpoint, ErrMalformed, err, snippet)
	}
	return nil
}

// relative turns an absolute Graph URL (a nextLink) into the path a batch
// sub-request wants, or reports that it points elsewhere.
func (c *client) relative(abs string) (string, bool) {
	rest, ok := strings.CutPrefix(abs, c.base)
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", false
	}
	return rest, true
}
