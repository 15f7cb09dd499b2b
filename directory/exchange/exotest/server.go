package exotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dgaudit/directory/exchange"
)

// Fault is what the emulator does instead of answering a request.
type Fault int

// Faults.
const (
	None Fault = iota
	// Throttle answers 429 with Retry-After: 0.
	Throttle
	// ThrottleNoRetryAfter answers 429 without Retry-After.
	ThrottleNoRetryAfter
	// ThrottleHour answers 429 asking to wait an hour.
	ThrottleHour
	// Unavailable answers 503.
	Unavailable
	// Malformed answers 200 with a truncated JSON body.
	Malformed
	// Drop closes the connection without an answer.
	Drop
	// Unauthorized answers 401, as for an expired token.
	Unauthorized
	// Forbidden answers 403, as for an app without an Exchange role.
	Forbidden
	// Slow answers normally after SlowDelay.
	Slow
)

// SlowDelay is how long a Slow fault waits.
const SlowDelay = 50 * time.Millisecond

// Call describes a request, for a fault policy.
type Call struct {
	// N numbers the requests the server received, from 1.
	N int64
	// Cmdlet and Page (from 1) of the request.
	Cmdlet string
	Page   int
}

// Server emulates the Exchange Online admin endpoint over TLS.
type Server struct {
	*httptest.Server
	// Tenant is the tenant in the path; Token the bearer token accepted.
	Tenant, Token string
	// Accept, when set, accepts further tokens: those a sign-in emulator
	// issued, for tests that run the real credential flow.
	Accept func(token string) bool
	// PageSize caps the page size a client asks for.
	PageSize int
	// Fault, when set, is asked about every request before it is served.
	Fault func(Call) Fault

	org      *Org
	requests atomic.Int64
	mu       sync.Mutex
	byCmdlet map[string]int
	faults   map[Fault]int
}

var pathRE = regexp.MustCompile(`^/adminapi/beta/([^/]+)/InvokeCommand$`)

// NewServer starts an emulator serving org. Close it when done.
func NewServer(org *Org) *Server {
	s := &Server{Tenant: "contoso.onmicrosoft.com", Token: "test-token", PageSize: 1000, org: org,
		byCmdlet: map[string]int{}, faults: map[Fault]int{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// Requests returns how many requests the server received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// CmdletRequests returns how many requests named each cmdlet.
func (s *Server) CmdletRequests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.byCmdlet))
	for k, v := range s.byCmdlet {
		out[k] = v
	}
	return out
}

// Faults returns how many times each fault was injected.
func (s *Server) Faults() map[Fault]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Fault]int, len(s.faults))
	for k, v := range s.faults {
		out[k] = v
	}
	return out
}

type invokeBody struct {
	CmdletInput struct {
		CmdletName string         `json:"CmdletName"`
		Parameters map[string]any `json:"Parameters"`
	} `json:"CmdletInput"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if r.Method != http.MethodPost || m == nil {
		writeError(w, http.StatusNotFound, "NotFound", "no such endpoint: "+r.Method+" "+r.URL.Path)
		return
	}
	if !strings.EqualFold(m[1], s.Tenant) {
		writeError(w, http.StatusNotFound, "TenantNotFound", "tenant "+m[1]+" not found")
		return
	}
	var body invokeBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.CmdletInput.CmdletName == "" {
		writeError(w, http.StatusBadRequest, "BadRequest", "the body is not a CmdletInput")
		return
	}
	cmdlet := body.CmdletInput.CmdletName
	if r.Header.Get("X-CmdletName") != cmdlet {
		writeError(w, http.StatusBadRequest, "BadRequest", "X-CmdletName does not match the body")
		return
	}
	skip := 0
	if v := r.URL.Query().Get("$skiptoken"); v != "" {
		var err error
		if skip, err = strconv.Atoi(v); err != nil || skip < 0 {
			writeError(w, http.StatusBadRequest, "BadRequest", "bad $skiptoken")
			return
		}
	}
	size := s.PageSize
	if p := r.Header.Get("Prefer"); strings.HasPrefix(p, "odata.maxpagesize=") {
		if v, err := strconv.Atoi(strings.TrimPrefix(p, "odata.maxpagesize=")); err == nil && v > 0 && v < size {
			size = v
		}
	}
	page := skip/max(size, 1) + 1
	s.mu.Lock()
	s.byCmdlet[cmdlet]++
	s.mu.Unlock()

	fault := None
	if s.Fault != nil {
		fault = s.Fault(Call{N: n, Cmdlet: cmdlet, Page: page})
	}
	if fault != None {
		s.mu.Lock()
		s.faults[fault]++
		s.mu.Unlock()
	}
	switch fault {
	case Throttle:
		w.Header().Set("Retry-After", "0")
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many concurrent requests")
		return
	case ThrottleHour:
		w.Header().Set("Retry-After", "3600")
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests")
		return
	case ThrottleNoRetryAfter:
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "You have reached the maximum number of concurrent requests per tenant")
		return
	case Unavailable:
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable")
		return
	case Unauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "The access token has expired")
		return
	case Forbidden:
		writeError(w, http.StatusForbidden, "Forbidden", "The role assigned to application isn't supported in this scenario")
		return
	case Drop:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("exotest: connection cannot be hijacked")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case Slow:
		time.Sleep(SlowDelay)
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok := tok == s.Token || (s.Accept != nil && s.Accept(tok)); !ok {
		writeError(w, http.StatusUnauthorized, "Unauthorized", "invalid bearer token")
		return
	}

	all, status, msg := s.output(cmdlet, body.CmdletInput.Parameters)
	if status != http.StatusOK {
		writeError(w, status, "CmdletError", msg)
		return
	}
	end := min(skip+size, len(all))
	resp := map[string]any{
		"@odata.context": fmt.Sprintf("https://%s/adminapi/beta/%s/$metadata#Collection(Exchange.GenericHashTable)", r.Host, s.Tenant),
		"value":          all[min(skip, len(all)):end],
	}
	if end < len(all) {
		resp["@odata.nextLink"] = fmt.Sprintf("https://%s/adminapi/beta/%s/InvokeCommand?$skiptoken=%d", r.Host, s.Tenant, end)
	}
	data, err := json.Marshal(resp)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Internal", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	if fault == Malformed {
		data = data[:len(data)/2]
	}
	w.Write(data)
}

// output runs a cmdlet against the organization.
func (s *Server) output(cmdlet string, params map[string]any) ([]Object, int, string) {
	if rs, _ := params["ResultSize"].(string); rs != "Unlimited" {
		return nil, http.StatusBadRequest, "expected -ResultSize Unlimited"
	}
	if out, ok := s.org.Cmdlets[cmdlet]; ok {
		return out, http.StatusOK, ""
	}
	switch cmdlet {
	case exchange.CmdDistributionGroupMember, exchange.CmdDynamicDistributionGroupMember, exchange.CmdUnifiedGroupLinks:
	default:
		return nil, http.StatusBadRequest, "The term '" + cmdlet + "' is not recognized as a cmdlet"
	}
	identity, _ := params["Identity"].(string)
	if cmdlet == exchange.CmdUnifiedGroupLinks {
		if lt, _ := params["LinkType"].(string); lt != "Members" {
			return nil, http.StatusBadRequest, "expected -LinkType Members"
		}
	}
	id, ok := s.org.Groups[strings.ToLower(identity)]
	if !ok {
		return nil, http.StatusNotFound, fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found", identity)
	}
	members, ok := s.org.Members[id]
	if !ok {
		return nil, http.StatusInternalServerError, fmt.Sprintf("The membership of '%s' could not be computed", identity)
	}
	return members, http.StatusOK, ""
}
