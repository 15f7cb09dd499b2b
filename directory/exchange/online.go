package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dgaudit/directory"
	"dgaudit/directory/httpretry"

	"golang.org/x/sync/errgroup"
)

// DefaultURL is the Exchange Online endpoint of the public cloud. National
// clouds have their own (outlook.office365.us for GCC High,
// webmail.apps.mil for DoD, partner.outlook.cn for 21Vianet); the caller
// sets Config.URL for them.
const DefaultURL = "https://outlook.office365.com"

// Sentinel errors the CLI branches on (exit codes and hints). Returned errors
// wrap them with the cmdlet and the endpoint.
var (
	// ErrAuth: the endpoint refused the access token (401): expired, for
	// another resource, or for another tenant.
	ErrAuth = errors.New("access token refused")
	// ErrForbidden: the token is valid but the application may not run the
	// cmdlet (403): it lacks Exchange.ManageAsApp or an Exchange role.
	ErrForbidden = errors.New("not allowed to run the cmdlet")
	// ErrThrottled: throttling outlasted the retries.
	ErrThrottled = errors.New("throttled")
	// ErrUnreachable: the endpoint could not be reached, or kept failing.
	ErrUnreachable = errors.New("endpoint unreachable")
	// ErrResponse: the endpoint answered with something that is not the
	// expected JSON.
	ErrResponse = errors.New("malformed response")
)

// RoleHint says what the application needs to read the cmdlets; it ends the
// message of a 403.
const RoleHint = "the app registration needs the Office 365 Exchange Online application permission Exchange.ManageAsApp " +
	"(admin-consented) and an Exchange role on its service principal: the View-Only Recipients role (through a custom role group) " +
	"or the Global Reader Entra role"

// Config says how to reach and read Exchange Online.
type Config struct {
	// URL is the Exchange Online host in front of
	// /adminapi/beta/{tenant}/InvokeCommand; empty means DefaultURL.
	URL string
	// Tenant is the tenant ID or its initial domain
	// (contoso.onmicrosoft.com).
	Tenant string
	// Token returns an access token for the resource
	// https://outlook.office365.com (scope "<URL>/.default"). It is called
	// for every request so that the caller's credential can refresh it, and
	// it is never logged.
	Token func(ctx context.Context) (string, error)
	// HTTPClient sends the requests; nil means a client with a 2-minute
	// timeout.
	HTTPClient *http.Client
	// Concurrency bounds the requests in flight; 0 means 4. Exchange Online
	// allows few concurrent requests per tenant.
	Concurrency int
	// PageSize is asked for with "Prefer: odata.maxpagesize"; 0 means 1000,
	// which is also the most the endpoint gives.
	PageSize int
	// Retries is how many times a throttled (429), unavailable (503, 504,
	// 408) or dropped request is retried; 0 means 5, negative means none.
	Retries int
	// RetryWait is the first wait when the response has no Retry-After; it
	// doubles on each retry. 0 means 2 s.
	RetryWait time.Duration
	// MaxRetryWait caps any single wait; a Retry-After beyond it ends the
	// retries with an error that says how long was asked. 0 means 2 minutes,
	// as for Graph.
	MaxRetryWait time.Duration
	// SkipMembers leaves the membership of groups Graph lists unread: for
	// a caller that reads those members elsewhere (the Graph adapter) and
	// only needs their settings. They are then MembersUnknown with no gap.
	// Dynamic groups' members are still read: Graph does not know them.
	SkipMembers bool
	// AnchorMailbox is sent as X-AnchorMailbox; empty means the system
	// mailbox app-only requests use.
	AnchorMailbox string
	// Logger receives progress and retries; nil discards.
	Logger *slog.Logger
	// Now is the clock for CollectedAt; nil means time.Now.
	Now func() time.Time
}

// Source reads a snapshot from Exchange Online.
type Source struct {
	cfg      Config
	endpoint string
	hc       *http.Client
	log      *slog.Logger
}

// New checks the configuration and returns a source.
func New(cfg Config) (*Source, error) {
	if cfg.Tenant == "" {
		return nil, errors.New("exchange: no tenant: give the tenant ID or its initial domain (contoso.onmicrosoft.com)")
	}
	if cfg.Token == nil {
		return nil, errors.New("exchange: no token source")
	}
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("exchange: URL %q: want https://host[:port]", cfg.URL)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 1000
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = 5
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = 2 * time.Second
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 2 * time.Minute
	}
	if cfg.AnchorMailbox == "" {
		cfg.AnchorMailbox = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + cfg.Tenant
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	endpoint := strings.TrimRight(cfg.URL, "/") + "/adminapi/beta/" + url.PathEscape(cfg.Tenant) + "/InvokeCommand"
	return &Source{cfg: cfg, endpoint: endpoint, hc: hc, log: log}, nil
}

// Name is the snapshot's Source: "exchange-online:<tenant>".
func (s *Source) Name() string { return "exchange-online:" + s.cfg.Tenant }

// listCmdlets are read in full, each with -ResultSize Unlimited.
var listCmdlets = []struct {
	cmdlet   string
	optional string // Coverage.What of the gap when the cmdlet fails; "" = required
}{
	{CmdDistributionGroup, ""},
	{CmdDynamicDistributionGroup, directory.CoverDynamicGroups},
	{CmdUnifiedGroup, directory.CoverMicrosoft365Groups},
	{CmdRecipient, ""},
	{CmdMailContact, ""},
	{CmdMailUser, ""},
	{CmdAcceptedDomain, directory.CoverAcceptedDomains},
	{CmdRemoteDomain, directory.CoverRemoteDomains},
}

// Snapshot runs the cmdlets and maps their output. Authentication and
// permission failures and failures of the required cmdlets end the read;
// an optional cmdlet or one group's members that still fail after the
// retries become coverage gaps.
func (s *Source) Snapshot(ctx context.Context) (*directory.Snapshot, error) {
	start := time.Now()
	results := make([][]Record, len(listCmdlets))
	errs := make([]error, len(listCmdlets))
	// A failure that ends the read stops the other cmdlets at once rather
	// than after they have paged through the whole tenant.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Concurrency)
	for i, c := range listCmdlets {
		g.Go(func() error {
			results[i], errs[i] = s.Invoke(gctx, c.cmdlet, map[string]any{"ResultSize": "Unlimited"})
			if errs[i] != nil && (c.optional == "" || fatal(errs[i])) {
				return errs[i]
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	b := newBuilder(s.Name(), true)
	for i, c := range listCmdlets {
		if err := errs[i]; err != nil {
			b.cover.AddGap(c.optional, "", err.Error())
			s.log.Warn("not read", "cmdlet", c.cmdlet, "err", err)
		}
	}
	for i, c := range listCmdlets {
		switch c.cmdlet {
		case CmdDistributionGroup, CmdDynamicDistributionGroup, CmdUnifiedGroup:
			for _, r := range results[i] {
				b.addGroup(c.cmdlet, r)
			}
		}
	}
	for i, c := range listCmdlets {
		switch c.cmdlet {
		case CmdRecipient, CmdMailContact, CmdMailUser:
			for _, r := range results[i] {
				b.addRecipient(r)
			}
		case CmdAcceptedDomain:
			for _, r := range results[i] {
				b.addAcceptedDomain(r)
			}
			if errs[i] == nil {
				b.cover.AddRead(directory.CoverAcceptedDomains, len(results[i]), s.Name())
			}
		case CmdRemoteDomain:
			for _, r := range results[i] {
				b.addRemoteDomain(r)
			}
			if errs[i] == nil {
				b.cover.AddRead(directory.CoverRemoteDomains, len(results[i]), s.Name())
			}
		}
	}
	if err := b.err(); err != nil {
		return nil, fmt.Errorf("exchange: %s: %w: %w", s.endpoint, ErrResponse, err)
	}
	// With SkipMembers the caller (Graph) reads membership itself, but
	// Graph does not know dynamic groups, so their members are read here.
	if err := s.readMembers(ctx, b, s.cfg.SkipMembers); err != nil {
		return nil, err
	}
	now := time.Now
	if s.cfg.Now != nil {
		now = s.cfg.Now
	}
	snap := b.finish(now().UTC(), !s.cfg.SkipMembers)
	s.log.Info("read Exchange Online", "tenant", s.cfg.Tenant, "groups", len(snap.Groups), "users", len(snap.Users),
		"contacts", len(snap.Contacts), "gaps", len(snap.Coverage.Gaps), "elapsed", time.Since(start).Round(time.Millisecond))
	return snap, nil
}

// fatal reports whether an error must end the whole read rather than leave
// a gap: a refused token or a missing role fails every other call too.
func fatal(err error) bool {
	return errors.Is(err, ErrAuth) || errors.Is(err, ErrForbidden) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// readMembers reads every group's members, Concurrency at a time. A group
// whose members cannot be read is marked unknown with a gap.
func (s *Source) readMembers(ctx context.Context, b *builder, dynamicOnly bool) error {
	type job struct {
		id, cmdlet string
		params     map[string]any
	}
	jobs := make([]job, 0, len(b.groups))
	for _, pg := range b.groups {
		if dynamicOnly && pg.g.Kind != directory.Dynamic {
			continue
		}
		identity := pg.g.ID
		j := job{id: pg.g.ID, params: map[string]any{"Identity": identity, "ResultSize": "Unlimited"}}
		switch pg.g.Kind {
		case directory.Dynamic:
			j.cmdlet = CmdDynamicDistributionGroupMember
		case directory.Microsoft365:
			j.cmdlet = CmdUnifiedGroupLinks
			j.params["LinkType"] = "Members"
		default:
			j.cmdlet = CmdDistributionGroupMember
		}
		jobs = append(jobs, j)
	}
	results := make([][]Record, len(jobs))
	errs := make([]error, len(jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Concurrency)
	for i, j := range jobs {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			results[i], errs[i] = s.Invoke(gctx, j.cmdlet, j.params)
			if errs[i] != nil && fatal(errs[i]) {
				return errs[i]
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// A cancellation that came between the last job and Wait.
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, j := range jobs {
		if errs[i] != nil {
			s.log.Warn("members not read", "group", j.id, "err", errs[i])
			b.membersFailed(j.id, errs[i].Error())
			continue
		}
		b.setMembers(j.id, results[i])
	}
	return nil
}

// invokeResponse is one page of InvokeCommand output. A cmdlet that finds
// nothing may answer with warnings and no value at all.
type invokeResponse struct {
	Value    []map[string]any `json:"value"`
	NextLink string           `json:"@odata.nextLink"`
	Warnings []string         `json:"@adminapi.warnings"`
}

// Invoke runs one cmdlet through InvokeCommand and returns its output,
// following @odata.nextLink to the last page.
func (s *Source) Invoke(ctx context.Context, cmdlet string, params map[string]any) ([]Record, error) {
	body, err := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
	if err != nil {
		return nil, fmt.Errorf("exchange: %s: %w", cmdlet, err)
	}
	var out []Record
	next := s.endpoint
	seen := map[string]bool{}
	for page := 1; next != ""; page++ {
		if seen[next] {
			return nil, fmt.Errorf("exchange: %s: page %d: %w: @odata.nextLink repeats an earlier page", cmdlet, page, ErrResponse)
		}
		seen[next] = true
		resp, err := s.post(ctx, cmdlet, next, body, page)
		if err != nil {
			return nil, err
		}
		for i, v := range resp.Value {
			out = append(out, newRecord(cmdlet, int64(page), int64(i+1), locPage, v))
		}
		for _, w := range resp.Warnings {
			s.log.Debug("cmdlet warning", "cmdlet", cmdlet, "warning", w)
		}
		next = resp.NextLink
		if next != "" {
			if err := s.sameHost(next); err != nil {
				return nil, fmt.Errorf("exchange: %s: page %d: %w", cmdlet, page, err)
			}
		}
	}
	return out, nil
}

// sameHost refuses a nextLink that leaves the configured endpoint: the token
// must not be sent anywhere else.
func (s *Source) sameHost(link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("%w: @odata.nextLink %q: %v", ErrResponse, link, err)
	}
	base, _ := url.Parse(s.endpoint)
	if !strings.EqualFold(u.Host, base.Host) || u.Scheme != base.Scheme {
		return fmt.Errorf("%w: @odata.nextLink points at %s://%s, not the configured %s://%s", ErrResponse, u.Scheme, u.Host, base.Scheme, base.Host)
	}
	return nil
}

// post sends one page request, retrying throttling, unavailability and
// dropped connections a bounded number of times.
func (s *Source) post(ctx context.Context, cmdlet, target string, body []byte, page int) (*invokeResponse, error) {
	wait := s.cfg.RetryWait
	retried401 := false
	for attempt := 0; ; attempt++ {
		resp, serverAsked, err := s.once(ctx, cmdlet, target, body, page)
		if err == nil {
			return resp, nil
		}
		var rf refused
		if errors.As(err, &rf) && !retried401 {
			// A token can expire between Token and the request; one
			// more try with a fresh one, no more.
			retried401 = true
			attempt--
			continue
		}
		var rt retryable
		if !errors.As(err, &rt) {
			return nil, err
		}
		if attempt >= s.cfg.Retries {
			// rt.err already names the cmdlet and page.
			return nil, fmt.Errorf("%w (gave up after %d retries)", rt.err, s.cfg.Retries)
		}
		d := wait
		if serverAsked > s.cfg.MaxRetryWait {
			// Retrying before the time asked for would only be refused
			// again; the error says how long, as Graph's does.
			return nil, fmt.Errorf("%w, asking to wait %s, more than the %s allowed", rt.err, serverAsked, s.cfg.MaxRetryWait)
		}
		if serverAsked >= 0 {
			d = serverAsked
		} else {
			wait *= 2
		}
		d = min(d, s.cfg.MaxRetryWait)
		s.log.Debug("retrying", "cmdlet", cmdlet, "page", page, "after", d, "reason", rt.err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// refused marks a 401, which is retried once with a fresh token.
type refused struct{ error }

func (r refused) Unwrap() error { return r.error }

// retryable marks an error worth another attempt.
type retryable struct{ err error }

func (r retryable) Error() string { return r.err.Error() }
func (r retryable) Unwrap() error { return r.err }

// once sends one request. The duration is the server's Retry-After, or -1.
func (s *Source) once(ctx context.Context, cmdlet, target string, body []byte, page int) (*invokeResponse, time.Duration, error) {
	where := fmt.Sprintf("exchange: %s page %d", cmdlet, page)
	tok, err := s.cfg.Token(ctx)
	if err != nil {
		return nil, -1, fmt.Errorf("%s: getting an access token: %w: %w", where, ErrAuth, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, -1, fmt.Errorf("%s: %w", where, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CmdletName", cmdlet)
	req.Header.Set("X-ClientApplication", "dgaudit")
	req.Header.Set("X-ResponseFormat", "json")
	req.Header.Set("X-AnchorMailbox", s.cfg.AnchorMailbox)
	req.Header.Set("Prefer", "odata.maxpagesize="+strconv.Itoa(s.cfg.PageSize))
	resp, err := s.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, -1, ctx.Err()
		}
		return nil, -1, retryable{fmt.Errorf("%s: %w: %v", where, ErrUnreachable, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		if ctx.Err() != nil {
			return nil, -1, ctx.Err()
		}
		return nil, -1, retryable{fmt.Errorf("%s: %w: reading the response: %v", where, ErrUnreachable, err)}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, -1, refused{fmt.Errorf("%s: %w (HTTP 401%s): the token is expired, for another resource than %s, or for another tenant than %s",
			where, ErrAuth, serverMessage(data), strings.TrimRight(s.cfg.URL, "/"), s.cfg.Tenant)}
	case resp.StatusCode == http.StatusForbidden:
		return nil, -1, fmt.Errorf("%s: %w (HTTP 403%s): %s", where, ErrForbidden, serverMessage(data), RoleHint)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable ||
		resp.StatusCode == http.StatusGatewayTimeout || resp.StatusCode == http.StatusRequestTimeout ||
		resp.StatusCode == http.StatusBadGateway:
		sentinel := ErrUnreachable
		if resp.StatusCode == http.StatusTooManyRequests {
			sentinel = ErrThrottled
		}
		return nil, serverWait(resp.Header), retryable{fmt.Errorf("%s: %w (HTTP %d%s)", where, sentinel, resp.StatusCode, serverMessage(data))}
	default:
		// Exchange reports a throttled tenant in a 500 body too.
		if strings.Contains(string(data), "maximum number of concurrent requests") {
			return nil, serverWait(resp.Header), retryable{fmt.Errorf("%s: %w (HTTP %d%s)", where, ErrThrottled, resp.StatusCode, serverMessage(data))}
		}
		return nil, -1, fmt.Errorf("%s: HTTP %d%s", where, resp.StatusCode, serverMessage(data))
	}
	var out invokeResponse
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		return nil, -1, fmt.Errorf("%s: %w: invalid JSON at byte %d of %d: %v", where, ErrResponse, off, len(data), err)
	}
	if out.Value == nil && out.Warnings == nil {
		return nil, -1, fmt.Errorf("%s: %w: no \"value\" array in the response", where, ErrResponse)
	}
	return &out, -1, nil
}

// serverWait is the Retry-After of h, or -1 when it has none or an
// unreadable one.
func serverWait(h http.Header) time.Duration {
	if d, ok := httpretry.ParseRetryAfter(h.Get("Retry-After"), time.Now()); ok {
		return d
	}
	return -1
}

// serverMessage extracts the most specific message from an error body, for
// the one-line error: ": <message>" or "". Exchange puts the cmdlet's own
// message in error.details[].message or
// error.innererror.internalException.message, and a generic one in
// error.message.
func serverMessage(data []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Details []struct {
				Message string `json:"message"`
			} `json:"details"`
			InnerError struct {
				InternalException struct {
					Message string `json:"message"`
				} `json:"internalException"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil {
		return ""
	}
	msg := e.Error.Message
	if len(e.Error.Details) > 0 && e.Error.Details[0].Message != "" {
		msg = e.Error.Details[0].Message
	} else if m := e.Error.InnerError.InternalException.Message; m != "" {
		msg = m
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if msg == "" {
		return ""
	}
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return ": " + msg
}
