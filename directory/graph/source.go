package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"dgaudit/directory"
)

// Source reads a snapshot from Microsoft Graph. It is safe to call Snapshot
// more than once; calls do not share state beyond the token cache.
type Source struct {
	cfg Config
	ep  Endpoints
	ts  *TokenSource
	c   *client
	log *slog.Logger
}

// New checks cfg and builds the credential and the Graph client. It does not
// contact anything.
func New(cfg Config) (*Source, error) {
	cfg = cfg.withDefaults()
	ep, err := cfg.Endpoints()
	if err != nil {
		return nil, err
	}
	ts := cfg.Tokens
	if ts == nil {
		if ts, err = NewTokenSource(cfg); err != nil {
			return nil, err
		}
	}
	c, err := newClient(cfg, ep, ts)
	if err != nil {
		return nil, err
	}
	return &Source{cfg: cfg, ep: ep, ts: ts, c: c, log: cfg.Logger}, nil
}

// Tokens is the source's credential, for handing a token function to the
// Exchange Online client: s.Tokens().Func(s.Endpoints().ExchangeScope).
func (s *Source) Tokens() *TokenSource { return s.ts }

// Endpoints are the resolved endpoints and scopes.
func (s *Source) Endpoints() Endpoints { return s.ep }

// Fields requested from Graph: only what the model maps. Members are read
// with the fields of users, contacts and groups at once, so the scan needs
// no separate user or contact listing.
const (
	groupFields    = "id,displayName,mail,mailNickname,proxyAddresses,groupTypes,mailEnabled,securityEnabled,onPremisesSyncEnabled"
	memberFields   = "id,displayName,mail,proxyAddresses,userType,accountEnabled,mailEnabled"
	settingsFields = "id,allowExternalSenders,hideFromAddressLists"
	domainFields   = "id,isVerified,isDefault,isInitial"
)

// Snapshot reads the tenant. Sign-in, permission and listing failures are
// errors; a group whose members or settings could not be read after the
// retries becomes a coverage gap.
func (s *Source) Snapshot(ctx context.Context) (*directory.Snapshot, error) {
	start := time.Now()
	snap := &directory.Snapshot{
		SchemaVersion: directory.SchemaVersion,
		Source:        "graph:" + s.cfg.TenantID,
		CollectedAt:   start.UTC(),
	}
	from := s.ep.Graph
	domains, err := s.domains(ctx)
	if err != nil {
		return nil, err
	}
	snap.Org.AcceptedDomains = domains
	snap.Coverage.AddRead(directory.CoverAcceptedDomains, len(domains), from+"/domains")

	groups, err := s.groups(ctx)
	if err != nil {
		return nil, err
	}
	s.log.Info("listed groups", "count", len(groups), "elapsed", time.Since(start).Round(time.Millisecond))

	pg, err := s.perGroup(ctx, groups, domains)
	if err != nil {
		return nil, err
	}
	snap.Groups = groups
	snap.Users = pg.users
	snap.Contacts = pg.contacts
	snap.Coverage.AddRead(directory.CoverGroups, len(groups), from+"/groups")
	snap.Coverage.AddRead(directory.CoverGroupMembers, pg.memberships, from+"/groups/{id}/members")
	snap.Coverage.AddRead(directory.CoverUsers, len(pg.users), from+"/groups/{id}/members")
	snap.Coverage.AddRead(directory.CoverContacts, len(pg.contacts), from+"/groups/{id}/members")
	snap.Coverage.Gaps = append(snap.Coverage.Gaps, pg.gaps...)
	s.log.Info("read members", "groups", len(groups), "memberships", pg.memberships,
		"batches", pg.batches, "gaps", len(pg.gaps), "elapsed", time.Since(start).Round(time.Millisecond))

	if err := s.addExchange(ctx, snap); err != nil {
		return nil, err
	}
	snap.Normalize()
	return snap, nil
}

// wireObject is every directory object shape this package reads: groups,
// users, contacts (as members) and domains. Absent and null fields decode
// as zero values.
type wireObject struct {
	Type            string   `json:"@odata.type"`
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	Mail            string   `json:"mail"`
	MailNickname    string   `json:"mailNickname"`
	ProxyAddresses  []string `json:"proxyAddresses"`
	GroupTypes      []string `json:"groupTypes"`
	MailEnabled     *bool    `json:"mailEnabled"`
	SecurityEnabled bool     `json:"securityEnabled"`
	// OnPremisesSyncEnabled is null for an object that was never
	// synchronized and false for one that no longer is.
	OnPremisesSyncEnabled *bool  `json:"onPremisesSyncEnabled"`
	UserType              string `json:"userType"`
	AccountEnabled        *bool  `json:"accountEnabled"`
	AllowExternalSenders  *bool  `json:"allowExternalSenders"`
	HideFromAddressLists  *bool  `json:"hideFromAddressLists"`
	IsVerified            bool   `json:"isVerified"`
	IsDefault             bool   `json:"isDefault"`
}

// page is one page of a collection.
type page struct {
	Value    []wireObject `json:"value"`
	NextLink string       `json:"@odata.nextLink"`
}

// list follows a collection's nextLinks to the end, handing each page's
// objects to fn. Any failure is an error: a listing that stops early would
// silently lose objects.
func (s *Source) list(ctx context.Context, what, path string, fn func([]wireObject)) error {
	next := s.c.base + path
	seen := map[string]bool{}
	for pages := 0; next != ""; pages++ {
		if seen[next] {
			return fmt.Errorf("graph: %s: %w: the service returned the same nextLink twice (%s)", what, ErrMalformed, next)
		}
		seen[next] = true
		resp, err := s.c.send(ctx, abs.GET, next, nil)
		if err != nil {
			return wrapSend(what, endpointOf(next), err)
		}
		if resp.status != 200 {
			return statusError(what, endpointOf(next), resp.status, resp.header, resp.body, s.cfg.MaxRetryWait)
		}
		var p page
		if err := decode(what, endpointOf(next), resp.body, &p); err != nil {
			return err
		}
		fn(p.Value)
		s.log.Debug("page", "what", what, "page", pages+1, "count", len(p.Value))
		next = p.NextLink
	}
	return nil
}

// wrapSend explains a request that got no HTTP answer.
func wrapSend(what, endpoint string, err error) error {
	var ae *authError
	switch {
	case errors.As(err, &ae):
		return ae.err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, ErrUnreachable):
		return fmt.Errorf("graph: %s at %s: %w; check the network, the proxy and --graph-url", what, endpoint, err)
	}
	return fmt.Errorf("graph: %s at %s: %w: %v; check the network, the proxy and --graph-url", what, endpoint, ErrUnreachable, err)
}

// endpointOf is a URL without its query, for messages.
func endpointOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.RawQuery = ""
	return u.String()
}

func (s *Source) domains(ctx context.Context) ([]directory.AcceptedDomain, error) {
	var out []directory.AcceptedDomain
	err := s.list(ctx, "list domains", "/domains?$select="+domainFields, func(objs []wireObject) {
		for _, o := range objs {
			// Unverified domains receive no mail; the initial
			// onmicrosoft.com domain is always verified.
			if !o.IsVerified || o.ID == "" {
				continue
			}
			d := strings.ToLower(o.ID)
			out = append(out, directory.AcceptedDomain{
				Domain:      d,
				Type:        directory.Authoritative,
				Default:     o.IsDefault,
				Coexistence: strings.HasSuffix(d, ".mail.onmicrosoft.com"),
			})
		}
	})
	return out, err
}

// groups lists the mail-enabled groups. Graph returns each group once per
// listing; a repeated ID (a service hiccup across pages) is dropped.
func (s *Source) groups(ctx context.Context) ([]directory.Group, error) {
	path := fmt.Sprintf("/groups?$filter=%s&$select=%s&$top=%d",
		url.QueryEscape("mailEnabled eq true"), groupFields, s.cfg.PageSize)
	var out []directory.Group
	seen := map[string]bool{}
	err := s.list(ctx, "list mail-enabled groups", path, func(objs []wireObject) {
		for _, o := range objs {
			if o.ID == "" || seen[o.ID] || (o.MailEnabled != nil && !*o.MailEnabled) {
				continue
			}
			seen[o.ID] = true
			out = append(out, mapGroup(o))
		}
	})
	return out, err
}

func mapGroup(o wireObject) directory.Group {
	g := directory.Group{Recipient: recipient(o)}
	g.DirSynced = o.OnPremisesSyncEnabled != nil && *o.OnPremisesSyncEnabled
	switch {
	case slices.ContainsFunc(o.GroupTypes, func(t string) bool { return strings.EqualFold(t, "Unified") }):
		g.Kind = directory.Microsoft365
	case o.SecurityEnabled:
		g.Kind = directory.MailSecurity
	default:
		g.Kind = directory.Distribution
	}
	return g
}

func recipient(o wireObject) directory.Recipient {
	return directory.Recipient{ID: o.ID, Name: o.DisplayName, Mail: o.Mail, ProxyAddresses: o.ProxyAddresses}
}

// accepted reports whether an address's domain is one of the tenant's.
func accepted(domains []directory.AcceptedDomain, address string) bool {
	d := directory.Domain(address)
	for _, a := range domains {
		if a.Matches(d) {
			return true
		}
	}
	return false
}

// mapMember turns a user or contact member into the model; it returns two
// nils for anything else (groups are listed on their own; devices and
// service principals receive no mail).
func mapMember(o wireObject, domains []directory.AcceptedDomain) (u *directory.User, c *directory.Contact) {
	switch o.Type {
	case "#microsoft.graph.user":
		user := directory.User{Recipient: recipient(o), Kind: directory.Mailbox}
		user.Disabled = o.AccountEnabled != nil && !*o.AccountEnabled
		switch {
		case strings.EqualFold(o.UserType, "Guest"):
			user.Kind = directory.Guest
			user.ExternalAddress = o.Mail
		case o.Mail != "" && !accepted(domains, o.Mail):
			// A member user whose address is outside the tenant's
			// domains is a mail user: mail for it leaves the tenant.
			user.Kind = directory.MailUser
			user.ExternalAddress = o.Mail
		}
		return &user, nil
	case "#microsoft.graph.orgContact":
		// Graph has no targetAddress for contacts: mail is where mail goes.
		return nil, &directory.Contact{Recipient: directory.Recipient{
			ID: o.ID, Name: o.DisplayName, Mail: o.Mail, ProxyAddresses: o.ProxyAddresses, ExternalAddress: o.Mail}}
	}
	return nil, nil
}

// limited reports a member Graph returned with its ID only, which it does
// for object types the application may not read.
func limited(o wireObject) bool {
	return o.DisplayName == "" && o.Mail == "" && len(o.ProxyAddresses) == 0 && o.UserType == ""
}
