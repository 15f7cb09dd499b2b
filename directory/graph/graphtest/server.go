package graphtest

import (
	"compress/gzip"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dgaudit/directory"
)

// Options configure the emulator. Zero values give a tenant "tenant-1" with
// client "client-1" and secret "secret-1", and Graph's page sizes.
type Options struct {
	TenantID     string
	ClientID     string
	ClientSecret string
	// MaxPageSize caps $top (Graph: 999); DefaultPageSize applies without
	// $top (Graph: 100). Small values make tests page.
	MaxPageSize     int
	DefaultPageSize int
	// TokenLifetime is the expires_in of issued tokens (default 1 hour).
	TokenLifetime time.Duration
	// MaxTracePageSize caps $top of message trace below Graph's 5000;
	// small values make tests page.
	MaxTracePageSize int
	// ClientCertificate, when set, is the application's registered
	// certificate: client assertions signed by its key are accepted.
	ClientCertificate *x509.Certificate
}

// Stats count what the emulator served.
type Stats struct {
	// Requests counts Graph HTTP requests (a $batch counts once), not
	// sign-in requests.
	Requests int
	// Batches and SubRequests count $batch posts and the requests in them.
	Batches     int
	SubRequests int
	// TokenRequests counts token-endpoint calls.
	TokenRequests int
	// Faults counts requests and sub-requests answered with a fault.
	Faults int
	// MaxInFlight is the most Graph requests handled at once.
	MaxInFlight int
}

// Server is a TLS httptest server emulating the Entra ID token endpoint and
// the Graph v1.0 endpoints dgaudit reads, serving a tenant built from a
// snapshot.
type Server struct {
	// URL is the server's base (https://127.0.0.1:PORT): the authority
	// host. GraphURL is URL + "/v1.0".
	URL      string
	GraphURL string

	srv  *httptest.Server
	opts Options
	t    *tenant

	mu       sync.Mutex
	fault    FaultFunc
	tokens   map[string]bool // issued and still valid
	tokenSeq int
	inFlight int
	stats    Stats

	traces       []MessageTrace
	traceFilters []string
}

// New starts an emulator serving snap's organization. Close it when done.
func New(snap *directory.Snapshot, opts Options) *Server {
	if opts.TenantID == "" {
		opts.TenantID = "tenant-1"
	}
	if opts.ClientID == "" {
		opts.ClientID = "client-1"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "secret-1"
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 999
	}
	if opts.DefaultPageSize <= 0 {
		opts.DefaultPageSize = min(100, opts.MaxPageSize)
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	s := &Server{opts: opts, t: newTenant(snap), tokens: map[string]bool{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	s.GraphURL = s.srv.URL + "/v1.0"
	return s
}

// Close shuts the server down, cutting connections still held by slow
// answers.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Client is an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// WriteCA writes the server's certificate as a PEM CA file into dir and
// returns its path, for clients configured with a CA file.
func (s *Server) WriteCA(dir string) (string, error) {
	p := filepath.Join(dir, "graphtest-ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	return p, os.WriteFile(p, b, 0o600)
}

// Issued reports whether tok is a token the emulator issued and has not
// expired: other emulated services (Exchange Online) accept them.
func (s *Server) Issued(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[tok]
}

// Options returns the effective options (tenant, client and secret).
func (s *Server) Options() Options { return s.opts }

// SetFaults installs the function deciding each request's fault (nil for
// none).
func (s *Server) SetFaults(f FaultFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/v2.0/.well-known/openid-configuration"):
		s.discovery(w, r)
	case strings.HasSuffix(p, "/oauth2/v2.0/token"):
		s.token(w, r)
	case strings.HasPrefix(p, "/v1.0/"):
		s.graph(w, r)
	default:
		writeError(w, http.StatusNotFound, "Request_ResourceNotFound", "no such endpoint "+p)
	}
}

func (s *Server) tenantOf(p string) string {
	p = strings.TrimPrefix(p, "/")
	t, _, _ := strings.Cut(p, "/")
	return t
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	tenant := s.tenantOf(r.URL.Path)
	base := s.URL + "/" + tenant
	writeJSON(w, http.StatusOK, nil, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"issuer":                                base + "/v2.0",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "token"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt"},
		"tenant_region_scope":                   "EU",
	})
}

// token is the client-credentials grant. Wrong tenants, clients and secrets
// get Entra's error bodies with their AADSTS codes.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.TokenRequests++
	f := s.faultFor(Request{Method: r.Method, Path: r.URL.Path, Token: true})
	s.mu.Unlock()
	if s.applyFault(w, r, f) {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: malformed form")
		return
	}
	switch {
	case s.tenantOf(r.URL.Path) != s.opts.TenantID:
		writeOAuthError(w, http.StatusBadRequest, "invalid_tenant", "AADSTS90002: Tenant '"+s.tenantOf(r.URL.Path)+"' not found. Check to make sure you have the correct tenant ID.")
		return
	case r.PostForm.Get("client_id") != s.opts.ClientID:
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier '"+r.PostForm.Get("client_id")+"' was not found in the directory.")
		return
	case r.PostForm.Get("client_assertion") != "":
		if err := verifyAssertion(r.PostForm.Get("client_assertion"), s.opts.ClientCertificate); err != nil {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS700027: Client assertion failed signature validation: "+err.Error())
			return
		}
	case r.PostForm.Get("client_secret") != s.opts.ClientSecret:
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
		return
	}
	s.mu.Lock()
	s.tokenSeq++
	tok := fmt.Sprintf("emulated-token-%d", s.tokenSeq)
	s.tokens[tok] = true
	s.mu.Unlock()
	secs := int(s.opts.TokenLifetime / time.Second)
	writeJSON(w, http.StatusOK, nil, map[string]any{
		"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok,
	})
}

// caeChallenge is what Graph sends when it revokes a token under continuous
// access evaluation: a 401 with a claims challenge the client must put in a
// fresh token request.
const caeChallenge = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0="`

func (s *Server) graph(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Requests++
	s.inFlight++
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, s.inFlight)
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	valid, known := s.tokens[tok]
	f := s.faultFor(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()})
	if f.ExpireTokens {
		for k := range s.tokens {
			s.tokens[k] = false
		}
		valid = false
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	switch {
	case !known:
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid.")
		return
	case !valid:
		w.Header().Set("WWW-Authenticate", caeChallenge)
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenCreatedWithOutdatedPolicies")
		return
	}
	if s.applyFault(w, r, f) {
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/v1.0/$batch" {
		s.batch(w, r)
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "read-only emulator")
		return
	}
	rep := s.route(strings.TrimPrefix(r.URL.Path, "/v1.0"), r.URL.Query())
	writeJSON(w, rep.status, rep.header, rep.body)
}

// applyFault carries out a fault on a top-level request and reports
// whether it answered the request.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return true
		case <-t.C:
		}
	}
	switch {
	case f.Drop:
		hj, ok := w.(http.Hijacker)
		if !ok {
			writeError(w, http.StatusInternalServerError, "EmulatorError", "this connection cannot be dropped")
			return true
		}
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
		return true
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"value": [{"id": "truncated`)
		return true
	case f.Status != 0:
		h := map[string]string{}
		if f.RetryAfter != "" {
			h["Retry-After"] = f.RetryAfter
		}
		code, msg := faultError(f.Status)
		writeJSON(w, f.Status, h, errorBody(code, msg))
		return true
	}
	return false
}

// faultError is Graph's error code and message for an injected status.
func faultError(status int) (code, msg string) {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests", "Too many requests."
	case http.StatusForbidden:
		return "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
	}
	return "UnknownError", http.StatusText(status)
}

// reply is a response to a request or a batch sub-request.
type reply struct {
	status int
	header map[string]string
	body   any
}

func errReply(status int, code, msg string) reply {
	return reply{status: status, body: errorBody(code, msg)}
}

// route answers a GET of a Graph path (without /v1.0).
func (s *Server) route(path string, q url.Values) reply {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	sel := splitList(q.Get("$select"))
	switch {
	case len(parts) == 1 && parts[0] == "groups":
		if f := q.Get("$filter"); f != "" && strings.ToLower(strings.Join(strings.Fields(f), " ")) != "mailenabled eq true" {
			return errReply(http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported query: "+f)
		}
		return s.page(path, q, s.t.groups, sel)
	case len(parts) == 1 && parts[0] == "users":
		return s.page(path, q, s.t.users, sel)
	case len(parts) == 1 && parts[0] == "contacts":
		return s.page(path, q, s.t.contacts, sel)
	case len(parts) == 1 && parts[0] == "domains":
		return s.page(path, q, s.t.domains, sel)
	case len(parts) == 2 && parts[0] == "groups":
		g, ok := s.t.byID[parts[1]]
		if !ok || g["@odata.type"] != typeGroup {
			return errReply(http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+parts[1]+"' does not exist or one of its queried reference-property objects are not present.")
		}
		o := maps(g)
		if set, ok := s.t.settings[parts[1]]; ok {
			for k, v := range set {
				o[k] = v
			}
		} else if slices.ContainsFunc(sel, settingsOnly) {
			return errReply(http.StatusBadRequest, "ErrorInvalidRequest", "MailboxNotEnabledForRESTAPI: the group is not a Microsoft 365 group")
		}
		return reply{status: http.StatusOK, body: project(o, sel)}
	case path == "/admin/exchange/tracing/messageTraces":
		return s.messageTraces(path, q)
	case len(parts) == 3 && parts[0] == "groups" && parts[2] == "members":
		ms, ok := s.t.members[parts[1]]
		if !ok {
			return errReply(http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+parts[1]+"' does not exist or one of its queried reference-property objects are not present.")
		}
		return s.page(path, q, ms, sel)
	}
	return errReply(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+parts[len(parts)-1]+"'.")
}

// settingsOnly reports the group properties Graph serves only for Unified
// groups.
func settingsOnly(f string) bool {
	switch f {
	case "allowExternalSenders", "autoSubscribeNewMembers", "hideFromAddressLists", "hideFromOutlookClients":
		return true
	}
	return false
}

func maps(o object) object {
	c := make(object, len(o))
	for k, v := range o {
		c[k] = v
	}
	return c
}

// page serves one page of a collection: $top (capped), $skiptoken (an
// opaque offset) and an absolute @odata.nextLink, as Graph does.
func (s *Server) page(path string, q url.Values, all []object, sel []string) reply {
	top := s.opts.DefaultPageSize
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errReply(http.StatusBadRequest, "Request_BadRequest", "Invalid value for $top: "+v)
		}
		top = min(n, s.opts.MaxPageSize)
	}
	off := 0
	if v := q.Get("$skiptoken"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "X'"))
		if err != nil || n < 0 || n > len(all) {
			return errReply(http.StatusBadRequest, "Request_BadRequest", "Invalid $skiptoken")
		}
		off = n
	}
	end := min(off+top, len(all))
	vals := make([]object, 0, end-off)
	for _, o := range all[off:end] {
		vals = append(vals, project(o, sel))
	}
	body := map[string]any{"@odata.context": s.GraphURL + "/$metadata#directoryObjects", "value": vals}
	if end < len(all) {
		nq := url.Values{}
		for k, v := range q {
			if k != "$skiptoken" {
				nq[k] = v
			}
		}
		nq.Set("$skiptoken", "X'"+strconv.Itoa(end))
		body["@odata.nextLink"] = s.GraphURL + path + "?" + nq.Encode()
	}
	return reply{status: http.StatusOK, body: body}
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

type batchIn struct {
	Requests []struct {
		ID     string `json:"id"`
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"requests"`
}

// batch answers a JSON batch. Sub-requests get their own faults (a
// throttled item inside a 200 batch); responses come back in reverse order,
// which Graph allows, so clients must match them by id.
func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", "bad gzip body")
			return
		}
		defer zr.Close()
		body = zr
	}
	var in batchIn
	if err := json.NewDecoder(body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid batch payload format.")
		return
	}
	if len(in.Requests) == 0 || len(in.Requests) > 20 {
		writeError(w, http.StatusBadRequest, "BadRequest", "Number of batch request steps exceeds the maximum value of 20.")
		return
	}
	out := make([]map[string]any, 0, len(in.Requests))
	for _, req := range in.Requests {
		u, err := url.Parse(req.URL)
		var rep reply
		switch {
		case err != nil || !strings.HasPrefix(req.URL, "/"):
			rep = errReply(http.StatusBadRequest, "BadRequest", "Invalid request URL "+req.URL)
		case req.Method != http.MethodGet:
			rep = errReply(http.StatusMethodNotAllowed, "BadRequest", "read-only emulator")
		default:
			s.mu.Lock()
			s.stats.SubRequests++
			f := s.faultFor(Request{Method: req.Method, Path: "/v1.0" + u.Path, Query: u.Query(), InBatch: true})
			s.mu.Unlock()
			if f.Status != 0 {
				h := map[string]string{"Content-Type": "application/json"}
				if f.RetryAfter != "" {
					h["Retry-After"] = f.RetryAfter
				}
				code, msg := faultError(f.Status)
				rep = reply{status: f.Status, header: h, body: errorBody(code, msg)}
			} else {
				rep = s.route(u.Path, u.Query())
			}
		}
		h := map[string]string{"Content-Type": "application/json"}
		for k, v := range rep.header {
			h[k] = v
		}
		out = append(out, map[string]any{"id": req.ID, "status": rep.status, "headers": h, "body": rep.body})
	}
	s.mu.Lock()
	s.stats.Batches++
	s.mu.Unlock()
	slices.Reverse(out)
	writeJSON(w, http.StatusOK, nil, map[string]any{"responses": out})
}

func errorBody(code, msg string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "message": msg,
		"innerError": map[string]any{"date": "2026-11-23T00:00:00", "request-id": "00000000-0000-0000-0000-000000000000"}}}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, nil, errorBody(code, msg))
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	n, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(desc, ":", 2)[0], "AADSTS"))
	writeJSON(w, status, nil, map[string]any{"error": code, "error_description": desc, "error_codes": []int{n},
		"timestamp": "2026-11-23 00:00:00Z", "trace_id": "00000000-0000-0000-0000-000000000000", "correlation_id": "00000000-0000-0000-0000-000000000000"})
}

func writeJSON(w http.ResponseWriter, status int, header map[string]string, body any) {
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
