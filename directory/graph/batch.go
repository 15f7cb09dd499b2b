package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"golang.org/x/sync/errgroup"

	"dgaudit/directory"
	"dgaudit/directory/httpretry"
)

// maxBatch is Graph's limit of requests in one JSON batch.
const maxBatch = 20

type jobKind uint8

const (
	jobMembers jobKind = iota
	jobSettings
)

func (k jobKind) String() string {
	if k == jobSettings {
		return "group settings"
	}
	return "group members"
}

// job is one GET for one group: a page of its members, or its Microsoft 365
// settings. tries counts the throttled or failed attempts so far.
type job struct {
	group int
	kind  jobKind
	url   string // relative to the Graph base, as batch sub-requests want
	tries int
}

// itemResult is a batch sub-response, or the failure of its whole batch.
type itemResult struct {
	job    job
	status int
	header map[string]string
	body   json.RawMessage
	err    error // the batch as a whole failed (transport, malformed)
	// final marks an err the client already retried: retrying it again
	// per round would multiply the attempts.
	final bool
}

// perGroupResult is what the per-group reads produced.
type perGroupResult struct {
	users       []directory.User
	contacts    []directory.Contact
	memberships int
	batches     int
	gaps        []directory.Gap
}

// perGroup reads every group's direct members and, for Microsoft 365 groups,
// the settings Graph returns only per group. Requests go in JSON batches of
// twenty, several batches at a time; each round sends what is pending, then
// queues the next pages and the throttled sub-requests, which Graph rejects
// one by one inside a successful batch and the SDK does not retry. Before a
// round with throttled work it waits as long as the longest Retry-After.
func (s *Source) perGroup(ctx context.Context, groups []directory.Group, domains []directory.AcceptedDomain) (*perGroupResult, error) {
	res := &perGroupResult{}
	users := map[string]directory.User{}
	contacts := map[string]directory.Contact{}
	limitedIDs := 0
	var pending []job
	for i, g := range groups {
		pending = append(pending, job{group: i, kind: jobMembers,
			url: fmt.Sprintf("/groups/%s/members?$select=%s&$top=%d", g.ID, memberFields, s.cfg.PageSize)})
		if g.Kind == directory.Microsoft365 {
			// allowExternalSenders and friends come back only from a
			// single-group GET, and only for Unified groups (others
			// answer MailboxNotEnabledForRESTAPI).
			pending = append(pending, job{group: i, kind: jobSettings,
				url: fmt.Sprintf("/groups/%s?$select=%s", g.ID, settingsFields)})
		}
	}
	failed := make([]bool, len(groups))
	gap := func(j job, reason string) {
		res.gaps = append(res.gaps, directory.Gap{What: gapWhat(j.kind), Object: groups[j.group].ID, Reason: reason})
		if j.kind == jobMembers {
			groups[j.group].MembersUnknown = true
			failed[j.group] = true
		}
	}
	var batchCount atomic.Int64
	// down is set while the $batch endpoint gives no answer at all.
	var down atomic.Bool
	for round := 1; len(pending) > 0; round++ {
		batches := chunk(pending, maxBatch)
		results := make([][]itemResult, len(batches))
		eg, ectx := errgroup.WithContext(ctx)
		eg.SetLimit(s.cfg.Concurrency)
		for i, b := range batches {
			eg.Go(func() error {
				batchCount.Add(1)
				r, err := s.batch(ectx, b, &down)
				results[i] = r
				return err
			})
		}
		if err := eg.Wait(); err != nil {
			return nil, err
		}
		pending = pending[:0:0]
		var wait time.Duration
		throttled := 0
		for _, rs := range results {
			for _, r := range rs {
				j := r.job
				retry := func(reason string, d time.Duration) {
					j.tries++
					if j.tries > s.cfg.Retries {
						gap(j, fmt.Sprintf("%s after %d attempts", reason, j.tries))
						return
					}
					throttled++
					wait = max(wait, d)
					pending = append(pending, j)
				}
				switch {
				case r.err != nil && r.final:
					gap(j, r.err.Error())
				case r.err != nil:
					retry(r.err.Error(), backoff(s.cfg.RetryDelay, j.tries+1))
				case r.status == http.StatusOK:
					next, err := s.apply(j, r.body, groups, domains, users, contacts, &limitedIDs, &res.memberships)
					if err != nil {
						retry(err.Error(), backoff(s.cfg.RetryDelay, j.tries+1))
					} else if next != "" {
						pending = append(pending, job{group: j.group, kind: j.kind, url: next})
					}
				case r.status == http.StatusTooManyRequests || r.status == http.StatusServiceUnavailable || r.status == http.StatusGatewayTimeout:
					d, ok := httpretry.ParseRetryAfter(header(r.header, "Retry-After"), time.Now())
					if !ok {
						d = backoff(s.cfg.RetryDelay, j.tries+1)
					}
					if d > s.cfg.MaxRetryWait {
						gap(j, fmt.Sprintf("%v (HTTP %d), asking to wait %s, more than the %s allowed", busyErr(r.status), r.status, d, s.cfg.MaxRetryWait))
						continue
					}
					retry(fmt.Sprintf("%v (HTTP %d)", busyErr(r.status), r.status), d)
				case r.status == http.StatusUnauthorized:
					return nil, statusError("read "+j.kind.String()+" of group "+groups[j.group].ID, s.c.base+"/$batch", r.status, nil, r.body, s.cfg.MaxRetryWait)
				case r.status == http.StatusForbidden:
					// The application could read the group list, so a 403
					// here is about this one group (hidden membership, an
					// administrative unit): the other groups still count.
					gap(j, forbiddenReason(j.kind, r.body))
				case r.status == http.StatusNotFound:
					gap(j, notFoundReason(j))
				default:
					gap(j, statusError("read "+j.kind.String(), s.c.base+"/$batch", r.status, nil, r.body, s.cfg.MaxRetryWait).Error())
				}
			}
		}
		s.log.Debug("batch round", "round", round, "batches", len(batches), "next", len(pending), "throttled", throttled, "wait", wait)
		if throttled > 0 {
			s.log.Info("retrying throttled or failed requests", "requests", throttled, "wait", wait)
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
	}
	if limitedIDs > 0 {
		res.gaps = append(res.gaps, directory.Gap{What: "member-details", Reason: fmt.Sprintf(
			"%d members came back with their ID only, which Graph does for object types the application may not read: grant User.Read.All and OrgContact.Read.All", limitedIDs)})
	}
	for i := range groups {
		if failed[i] {
			// A partial member list would understate the group: audit it
			// as unknown instead.
			groups[i].Members = nil
		}
	}
	for _, u := range users {
		res.users = append(res.users, u)
	}
	for _, c := range contacts {
		res.contacts = append(res.contacts, c)
	}
	res.batches = int(batchCount.Load())
	return res, nil
}

// notFoundReason explains a 404 on one group's sub-request. A later member
// page may be missing because its link expired, not only because the group
// went away.
func notFoundReason(j job) string {
	path := strings.SplitN(j.url, "?", 2)[0]
	if j.kind == jobMembers {
		return fmt.Sprintf("the member page was not found (HTTP 404) at %s: the group may have been deleted during the scan, or the page's link expired", path)
	}
	return fmt.Sprintf("the group was not found (HTTP 404) at %s: it may have been deleted during the scan", path)
}

// forbiddenReason explains a 403 on one group's sub-request.
func forbiddenReason(k jobKind, body []byte) string {
	reason := fmt.Sprintf("%v: HTTP %d%s", ErrPermission, http.StatusForbidden, errorDetail(body))
	if k == jobMembers {
		return reason + "; membership unknown: groups with hidden membership need Member.Read.Hidden"
	}
	return reason + "; the group's delivery settings stay unknown"
}

func gapWhat(k jobKind) string {
	if k == jobSettings {
		return "group-settings"
	}
	return directory.CoverGroupMembers
}

// apply folds one successful sub-response into the result and returns the
// relative URL of the next page, if any.
func (s *Source) apply(j job, body json.RawMessage, groups []directory.Group, domains []directory.AcceptedDomain,
	users map[string]directory.User, contacts map[string]directory.Contact, limitedIDs, memberships *int) (string, error) {
	g := &groups[j.group]
	endpoint := s.c.base + strings.SplitN(j.url, "?", 2)[0]
	if j.kind == jobSettings {
		var o wireObject
		if err := decode("read group settings", endpoint, body, &o); err != nil {
			return "", err
		}
		if o.AllowExternalSenders != nil {
			g.RequireSenderAuth = directory.TriOf(!*o.AllowExternalSenders)
		}
		if o.HideFromAddressLists != nil {
			g.HiddenFromGAL = *o.HideFromAddressLists
		}
		return "", nil
	}
	var p page
	if err := decode("read group members", endpoint, body, &p); err != nil {
		return "", err
	}
	// Check the nextLink before taking the page, so that a retry of this
	// page cannot count its members twice.
	next := ""
	if p.NextLink != "" {
		rel, ok := s.c.relative(p.NextLink)
		if !ok {
			return "", fmt.Errorf("graph: members of group %s: %w: nextLink %q is not under %s", g.ID, ErrMalformed, p.NextLink, s.c.base)
		}
		next = rel
	}
	for _, o := range p.Value {
		if o.ID == "" {
			continue
		}
		switch o.Type {
		case "#microsoft.graph.group":
			if o.MailEnabled != nil && !*o.MailEnabled {
				// A security group without mail receives nothing
				// through the list, as in Exchange's expansion.
				continue
			}
			g.Members = append(g.Members, o.ID)
			*memberships++
			continue
		case "#microsoft.graph.user", "#microsoft.graph.orgContact":
		default:
			continue // devices and service principals receive no mail
		}
		g.Members = append(g.Members, o.ID)
		*memberships++
		if limited(o) {
			*limitedIDs++
			continue
		}
		u, c := mapMember(o, domains)
		if u != nil {
			users[u.ID] = *u
		}
		if c != nil {
			contacts[c.ID] = *c
		}
	}
	return next, nil
}

func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func chunk(jobs []job, n int) [][]job {
	var out [][]job
	for len(jobs) > 0 {
		k := min(n, len(jobs))
		out = append(out, jobs[:k:k])
		jobs = jobs[k:]
	}
	return out
}

// Batch wire format (learn.microsoft.com/graph/json-batching).
type batchRequest struct {
	Requests []batchItem `json:"requests"`
}

type batchItem struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	URL    string `json:"url"`
}

type batchResponse struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

// batch posts one JSON batch. A failure of the whole batch is returned in
// each item's err, marked final when the client already spent the retries
// on it; sign-in and permission failures, and cancellation, are returned as
// the error. down is shared by the batches of a scan: once one batch got no
// answer through all its retries, the next ones try once each until one gets
// through, so that a dead endpoint costs one retry budget and not one per
// batch, which at thousands of groups would take hours.
func (s *Source) batch(ctx context.Context, jobs []job, down *atomic.Bool) ([]itemResult, error) {
	req := batchRequest{Requests: make([]batchItem, len(jobs))}
	for i, j := range jobs {
		req.Requests[i] = batchItem{ID: strconv.Itoa(i + 1), Method: "GET", URL: j.url}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("graph: encode batch: %w", err)
	}
	out := make([]itemResult, len(jobs))
	for i, j := range jobs {
		out[i].job = j
	}
	failAll := func(err error) ([]itemResult, error) {
		for i := range out {
			out[i].err = err
		}
		return out, nil
	}
	endpoint := s.c.base + "/$batch"
	retries := s.c.retries
	wasDown := down.Load()
	if wasDown {
		retries = 0
	}
	// The SDK's own retries of a throttled batch would nest inside the
	// rounds' retries of its items (six times six attempts, each waiting
	// out a Retry-After): a 429, 503 or 504 on the whole batch is handed
	// to each item instead, and retried in the item's budget.
	resp, err := s.c.sendRetrying(ctx, abs.POST, endpoint, body, retries, false)
	if err != nil {
		var ae *authError
		if errors.As(err, &ae) {
			return nil, ae.err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, ErrUnreachable) {
			down.Store(true)
			err = wrapSend("batch", endpoint, err)
			if wasDown {
				err = fmt.Errorf("%w (one attempt: earlier batches got no answer through %d attempts)", err, s.c.retries+1)
			}
			for i := range out {
				out[i].err, out[i].final = err, true
			}
			return out, nil
		}
		return failAll(wrapSend("batch", endpoint, err))
	}
	down.Store(false)
	switch {
	case resp.status == http.StatusOK:
	case resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden:
		return nil, statusError("batch", endpoint, resp.status, resp.header, resp.body, s.cfg.MaxRetryWait)
	case resp.status == http.StatusTooManyRequests || resp.status == http.StatusServiceUnavailable || resp.status == http.StatusGatewayTimeout:
		h := map[string]string{}
		if ra := resp.header.Get("Retry-After"); ra != "" {
			h["Retry-After"] = ra
		}
		for i := range out {
			out[i].status, out[i].header, out[i].body = resp.status, h, resp.body
		}
		return out, nil
	default:
		return failAll(statusError("batch", endpoint, resp.status, resp.header, resp.body, s.cfg.MaxRetryWait))
	}
	var br batchResponse
	if err := decode("batch", endpoint, resp.body, &br); err != nil {
		return failAll(err)
	}
	got := make([]bool, len(jobs))
	for _, r := range br.Responses {
		i, err := strconv.Atoi(r.ID)
		if err != nil || i < 1 || i > len(jobs) || got[i-1] {
			return failAll(fmt.Errorf("graph: batch at %s: %w: unexpected response id %q", endpoint, ErrMalformed, r.ID))
		}
		got[i-1] = true
		out[i-1].status, out[i-1].header, out[i-1].body = r.Status, r.Headers, r.Body
	}
	for i, ok := range got {
		if !ok {
			out[i].err = fmt.Errorf("graph: batch at %s: %w: no response for request %d", endpoint, ErrMalformed, i+1)
		}
	}
	return out, nil
}
