package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/demo"
	"dgaudit/directory/graph"
	"dgaudit/directory/graph/graphtest"
	"dgaudit/directory/synthetic"
)

func demoSnapshot(t testing.TB) *directory.Snapshot {
	t.Helper()
	s, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// config points a Source at the emulator through the real client-secret
// flow, with retry waits short enough for tests.
func config(srv *graphtest.Server) graph.Config {
	o := srv.Options()
	return graph.Config{
		TenantID: o.TenantID, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		AuthorityHost: srv.URL, GraphURL: srv.GraphURL, HTTPClient: srv.Client(),
		RetryDelay: 50 * time.Millisecond, MaxRetryWait: 5 * time.Second,
	}
}

func read(t testing.TB, cfg graph.Config) (*directory.Snapshot, error) {
	t.Helper()
	src, err := graph.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return src.Snapshot(context.Background())
}

// view is what Graph can know of an organization, in comparable form:
// groups (without dynamic ones) with their member sets, and the users and
// contacts those members are.
type view struct {
	Groups   map[string][]string
	Kinds    map[string]directory.GroupKind
	Users    map[string]string // ID -> routing address
	Contacts map[string]string
}

// expected derives the view of src that Graph exposes: dynamic groups and
// references that resolve to nothing are invisible to it.
func expected(src *directory.Snapshot) view {
	v := view{Groups: map[string][]string{}, Kinds: map[string]directory.GroupKind{}, Users: map[string]string{}, Contacts: map[string]string{}}
	exists := map[string]string{}
	for _, g := range src.Groups {
		if g.Kind != directory.Dynamic && g.Mail != "" {
			exists[g.ID] = "group"
		}
	}
	users := map[string]directory.User{}
	for _, u := range src.Users {
		exists[u.ID] = "user"
		users[u.ID] = u
	}
	contacts := map[string]directory.Contact{}
	for _, c := range src.Contacts {
		exists[c.ID] = "contact"
		contacts[c.ID] = c
	}
	for _, g := range src.Groups {
		if exists[g.ID] != "group" {
			continue
		}
		ms := []string{}
		for _, m := range g.Members {
			switch exists[m] {
			case "group":
				ms = append(ms, m)
			case "user":
				ms = append(ms, m)
				v.Users[m] = strings.ToLower(graphAddress(users[m]))
			case "contact":
				ms = append(ms, m)
				v.Contacts[m] = strings.ToLower(contacts[m].RoutingAddress())
			}
		}
		slices.Sort(ms)
		v.Groups[g.ID] = slices.Compact(ms)
		v.Kinds[g.ID] = g.Kind
	}
	return v
}

// graphAddress is where Graph says a user's mail goes: a remote mailbox's
// coexistence target is an on-premises attribute Graph does not show.
func graphAddress(u directory.User) string {
	if u.Kind == directory.Guest || u.Kind == directory.MailUser {
		return u.RoutingAddress()
	}
	return u.Mail
}

// got is the same view of what the reader returned; it fails the test on
// duplicates, which a map would hide.
func got(t testing.TB, s *directory.Snapshot) view {
	t.Helper()
	v := view{Groups: map[string][]string{}, Kinds: map[string]directory.GroupKind{}, Users: map[string]string{}, Contacts: map[string]string{}}
	for _, g := range s.Groups {
		if _, dup := v.Groups[g.ID]; dup {
			t.Errorf("group %s returned twice", g.ID)
		}
		if g.MembersUnknown {
			t.Errorf("group %s: members unknown", g.ID)
		}
		v.Groups[g.ID] = g.Members
		v.Kinds[g.ID] = g.Kind
	}
	for _, u := range s.Users {
		if _, dup := v.Users[u.ID]; dup {
			t.Errorf("user %s returned twice", u.ID)
		}
		v.Users[u.ID] = strings.ToLower(u.RoutingAddress())
	}
	for _, c := range s.Contacts {
		if _, dup := v.Contacts[c.ID]; dup {
			t.Errorf("contact %s returned twice", c.ID)
		}
		v.Contacts[c.ID] = strings.ToLower(c.RoutingAddress())
	}
	return v
}

func gapsOf(s *directory.Snapshot) []string {
	var out []string
	for _, g := range s.Coverage.Gaps {
		out = append(out, g.What)
	}
	slices.Sort(out)
	return out
}

func TestSnapshotMatchesTenant(t *testing.T) {
	t.Parallel()
	big := synthetic.Generate(400, 7)
	tests := []struct {
		name string
		src  *directory.Snapshot
		opts graphtest.Options
	}{
		{"demo organization", demoSnapshot(t), graphtest.Options{}},
		// Pages of 7 make every group over 7 members page, inside batches.
		{"synthetic, small pages", big, graphtest.Options{MaxPageSize: 7}},
		// A security group without mail nested in a list: Graph shows it
		// as a member, but it receives nothing and is left out.
		{"nested security group without mail", withSecurityGroup(demoSnapshot(t)), graphtest.Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(tt.src, tt.opts)
			defer srv.Close()
			snap, err := read(t, config(srv))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(expected(tt.src), got(t, snap)); diff != "" {
				t.Errorf("snapshot differs from the tenant (-want +got):\n%s", diff)
			}
			want := []string{graph.GapDynamicGroups, graph.GapDeliverySettings, directory.CoverRemoteDomains}
			slices.Sort(want)
			if diff := cmp.Diff(want, gapsOf(snap)); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			if err := snap.Validate(); err != nil {
				t.Errorf("invalid snapshot: %v", err)
			}
			st := srv.Stats()
			if st.Batches == 0 || st.SubRequests < len(snap.Groups) {
				t.Errorf("stats %+v: members were not read through batches", st)
			}
		})
	}
}

func withSecurityGroup(s *directory.Snapshot) *directory.Snapshot {
	s.Groups = append(s.Groups, directory.Group{Recipient: directory.Recipient{ID: "ffffffff-0000-0000-0000-00000000000a", Name: "Plain security group"},
		Kind: directory.MailSecurity, Members: []string{s.Users[0].ID}})
	for i := range s.Groups {
		if s.Groups[i].Kind == directory.Distribution {
			s.Groups[i].Members = append(s.Groups[i].Members, "ffffffff-0000-0000-0000-00000000000a")
			break
		}
	}
	return s
}

func TestDemoDetails(t *testing.T) {
	t.Parallel()
	src := demoSnapshot(t)
	srv := graphtest.New(src, graphtest.Options{})
	defer srv.Close()
	snap, err := read(t, config(srv))
	if err != nil {
		t.Fatal(err)
	}
	// Domains: verified ones plus the initial onmicrosoft.com domain; the
	// unverified one is skipped.
	var domains []string
	for _, d := range snap.Org.AcceptedDomains {
		domains = append(domains, d.Domain)
	}
	wantDomains := []string{"corp.example", "sub.corp.example", "contoso-corp.mail.onmicrosoft.com", "contoso-corp.onmicrosoft.com"}
	if diff := cmp.Diff(wantDomains, domains); diff != "" {
		t.Errorf("accepted domains (-want +got):\n%s", diff)
	}
	byID := map[string]directory.Group{}
	for _, g := range snap.Groups {
		byID[g.ID] = g
	}
	m365 := 0
	for _, g := range src.Groups {
		r, ok := byID[g.ID]
		if !ok {
			continue
		}
		switch g.Kind {
		case directory.Microsoft365:
			// allowExternalSenders came from the per-group read.
			m365++
			if r.RequireSenderAuth != directory.TriOf(g.EffectiveRequireSenderAuth()) {
				t.Errorf("%s: RequireSenderAuth %v, want %v", g.Name, r.RequireSenderAuth, g.EffectiveRequireSenderAuth())
			}
			if r.HiddenFromGAL != g.HiddenFromGAL {
				t.Errorf("%s: HiddenFromGAL %v, want %v", g.Name, r.HiddenFromGAL, g.HiddenFromGAL)
			}
		default:
			// Graph cannot tell: the settings stay unset, never assumed.
			if r.RequireSenderAuth.IsSet() || r.ReportToOriginator.IsSet() || r.OOFToOriginator.IsSet() || r.ReportToManager.IsSet() {
				t.Errorf("%s: Exchange-only settings were set from Graph: %+v", g.Name, r)
			}
		}
		if r.Mail != g.Mail || r.Name != g.Name {
			t.Errorf("%s: mail/name %q/%q, want %q/%q", g.ID, r.Mail, r.Name, g.Mail, g.Name)
		}
	}
	if m365 == 0 {
		t.Fatal("demo has no Microsoft 365 group; the settings read is untested")
	}
	guests := 0
	for _, u := range snap.Users {
		if u.Kind == directory.Guest {
			guests++
		}
	}
	if guests == 0 {
		t.Error("no guest user mapped")
	}
}

func TestFaultsLoseNothing(t *testing.T) {
	t.Parallel()
	src := synthetic.Generate(120, 3)
	want := expected(src)
	type check func(t *testing.T, st graphtest.Stats)
	faults := func(min int) check {
		return func(t *testing.T, st graphtest.Stats) {
			if st.Faults < min {
				t.Errorf("only %d faults injected, want at least %d", st.Faults, min)
			}
		}
	}
	tests := []struct {
		name  string
		fault graphtest.FaultFunc
		check check
	}{
		{"429 with Retry-After on the group listing",
			graphtest.Times(2, graphtest.Graph("/groups"), graphtest.Fault{Status: 429, RetryAfter: "1"}), faults(2)},
		{"429 without Retry-After on a batch",
			graphtest.Times(1, graphtest.Graph("$batch"), graphtest.Fault{Status: 429}), faults(1)},
		{"503 on domains and a batch",
			graphtest.Chain(graphtest.Times(1, graphtest.Graph("/domains"), graphtest.Fault{Status: 503, RetryAfter: "1"}),
				graphtest.Times(1, graphtest.Graph("$batch"), graphtest.Fault{Status: 504})), faults(2)},
		{"slow answers",
			graphtest.Every(3, graphtest.Graph(""), graphtest.Fault{Delay: 150 * time.Millisecond}), faults(1)},
		{"dropped connections",
			graphtest.Chain(graphtest.Times(1, graphtest.Graph("/groups"), graphtest.Fault{Drop: true}),
				graphtest.Times(2, graphtest.Graph("$batch"), graphtest.Fault{Drop: true})), faults(3)},
		{"malformed batch body",
			graphtest.Times(1, graphtest.Graph("$batch"), graphtest.Fault{Malformed: true}), faults(1)},
		{"throttled items inside batches",
			graphtest.Fraction(0.25, 1, graphtest.InBatch("/members"), graphtest.Fault{Status: 429, RetryAfter: "1"}), faults(10)},
		{"throttled items without Retry-After",
			graphtest.Times(5, graphtest.InBatch("/groups/"), graphtest.Fault{Status: 503}), faults(5)},
		{"token endpoint unavailable once",
			graphtest.Times(1, graphtest.Token(), graphtest.Fault{Status: 503, RetryAfter: "1"}), faults(1)},
		{"expired token",
			graphtest.Times(1, graphtest.Graph("$batch"), graphtest.Fault{ExpireTokens: true}),
			func(t *testing.T, st graphtest.Stats) {
				if st.TokenRequests < 2 {
					t.Errorf("%d token requests: the client did not sign in again after the claims challenge", st.TokenRequests)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(src, graphtest.Options{MaxPageSize: 25})
			defer srv.Close()
			srv.SetFaults(tt.fault)
			start := time.Now()
			snap, err := read(t, config(srv))
			if err != nil {
				t.Fatal(err)
			}
			// Bounded: a handful of 1 s Retry-After waits, never the
			// SDK's default back-off of minutes.
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
			if diff := cmp.Diff(want, got(t, snap)); diff != "" {
				t.Errorf("snapshot differs from the tenant (-want +got):\n%s", diff)
			}
			for _, g := range snap.Coverage.Gaps {
				if g.What == directory.CoverGroupMembers || g.What == "group-settings" {
					t.Errorf("unexpected gap %+v", g)
				}
			}
			tt.check(t, srv.Stats())
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	src := synthetic.Generate(30, 5)
	tests := []struct {
		name    string
		edit    func(*graph.Config)
		fault   graphtest.FaultFunc
		target  error
		substrs []string
	}{
		{"wrong secret", func(c *graph.Config) { c.ClientSecret = "wrong" }, nil, graph.ErrAuth,
			[]string{"AADSTS7000215", "sign in to tenant", "client secret is wrong or expired"}},
		{"unknown tenant", func(c *graph.Config) { c.TenantID = "other" }, nil, graph.ErrAuth,
			[]string{"AADSTS90002", "check --tenant"}},
		{"missing permission", nil, graphtest.Times(100, graphtest.Graph("/groups"), graphtest.Fault{Status: http.StatusForbidden}), graph.ErrPermission,
			[]string{"/v1.0/groups", "HTTP 403", "Authorization_RequestDenied", "Group.Read.All"}},
		{"missing permission on a whole batch", nil, graphtest.Times(100, graphtest.Graph("$batch"), graphtest.Fault{Status: http.StatusForbidden}), graph.ErrPermission,
			[]string{"$batch", "HTTP 403"}},
		{"malformed listing", nil, graphtest.Times(100, graphtest.Graph("/domains"), graphtest.Fault{Malformed: true}), graph.ErrMalformed,
			[]string{"/v1.0/domains", "malformed response", `body starts "{\"value\": [{\"id\": \"truncated"`}},
		{"throttled past the retries", func(c *graph.Config) { c.Retries = 2 },
			graphtest.Times(100, graphtest.Graph("/groups"), graphtest.Fault{Status: 429, RetryAfter: "0"}), graph.ErrThrottled,
			[]string{"/v1.0/groups", "HTTP 429"}},
		// An outage of the sign-in service is not a credential problem.
		{"authority unavailable", func(c *graph.Config) { c.Retries = 2 }, graphtest.Times(100, graphtest.Token(), graphtest.Fault{Status: http.StatusServiceUnavailable}), graph.ErrUnreachable,
			[]string{"sign in to tenant", "the authority is unavailable (HTTP 503)"}},
		{"authority throttling", func(c *graph.Config) { c.Retries = 2 }, graphtest.Times(100, graphtest.Token(), graphtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"}), graph.ErrUnreachable,
			[]string{"sign in to tenant", "the authority is unavailable (HTTP 429)"}},
		{"authority unreachable", func(c *graph.Config) { c.AuthorityHost = "https://127.0.0.1:1" }, nil, graph.ErrUnreachable,
			[]string{"sign in to tenant", "https://127.0.0.1:1/", "--authority-host"}},
		{"unreachable", func(c *graph.Config) { c.GraphURL = "https://127.0.0.1:1/v1.0"; c.Retries = 1 }, nil, graph.ErrUnreachable,
			[]string{"https://127.0.0.1:1/v1.0/domains", "--graph-url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(src, graphtest.Options{})
			defer srv.Close()
			srv.SetFaults(tt.fault)
			cfg := config(srv)
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			_, err := read(t, cfg)
			if !errors.Is(err, tt.target) {
				t.Fatalf("error %v, want %v", err, tt.target)
			}
			if tt.target != graph.ErrAuth && errors.Is(err, graph.ErrAuth) {
				t.Errorf("error %v blames the credential", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
			for _, s := range tt.substrs {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q lacks %q", msg, s)
				}
			}
			if strings.Contains(msg, "secret-1") {
				t.Errorf("error leaks the secret: %q", msg)
			}
		})
	}
}

// A group whose reads stay throttled, or are refused for that group alone,
// becomes a gap with unknown members; the rest of the scan completes.
func TestOneGroupsFailureIsAGap(t *testing.T) {
	t.Parallel()
	src := synthetic.Generate(40, 9)
	victim := ""
	for _, g := range src.Groups {
		if g.Kind != directory.Dynamic && len(g.Members) > 0 {
			victim = g.ID
			break
		}
	}
	tests := []struct {
		name  string
		fault graph.Config
		f     graphtest.Fault
		want  []string
		// absent: wording that would misdescribe the failure.
		absent []string
	}{
		{"retries exhausted", graph.Config{Retries: 2}, graphtest.Fault{Status: 429, RetryAfter: "0"}, []string{"throttled (HTTP 429)", "after 3 attempts"}, nil},
		{"Retry-After over the cap", graph.Config{MaxRetryWait: time.Second}, graphtest.Fault{Status: 429, RetryAfter: "3600"}, []string{"more than the 1s allowed"}, nil},
		{"unavailable through the retries", graph.Config{Retries: 2}, graphtest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "0"},
			[]string{"unavailable (HTTP 503)", "after 3 attempts"}, []string{"throttled"}},
		// Hidden membership: Graph refuses this group's members alone.
		{"403 on one group's members", graph.Config{}, graphtest.Fault{Status: http.StatusForbidden},
			[]string{"HTTP 403", "Authorization_RequestDenied", "Member.Read.Hidden"}, nil},
		// A member page can vanish because its link expired, not only
		// because the group was deleted.
		{"404 on one group's member page", graph.Config{}, graphtest.Fault{Status: http.StatusNotFound},
			[]string{"member page was not found (HTTP 404) at /groups/" + victim + "/members", "link expired"}, []string{"the group was deleted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(src, graphtest.Options{})
			defer srv.Close()
			srv.SetFaults(graphtest.Times(100, graphtest.InBatch("/groups/"+victim+"/members"), tt.f))
			cfg := config(srv)
			if tt.fault.Retries != 0 {
				cfg.Retries = tt.fault.Retries
			}
			if tt.fault.MaxRetryWait != 0 {
				cfg.MaxRetryWait = tt.fault.MaxRetryWait
			}
			start := time.Now()
			snap, err := read(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s", d)
			}
			var found bool
			for _, g := range snap.Coverage.Gaps {
				if g.What == directory.CoverGroupMembers && g.Object == victim {
					found = true
					for _, w := range tt.want {
						if !strings.Contains(g.Reason, w) {
							t.Errorf("gap reason %q lacks %q", g.Reason, w)
						}
					}
					for _, w := range tt.absent {
						if strings.Contains(g.Reason, w) {
							t.Errorf("gap reason %q says %q", g.Reason, w)
						}
					}
				}
			}
			if !found {
				t.Errorf("no gap for %s: %+v", victim, snap.Coverage.Gaps)
			}
			for _, g := range snap.Groups {
				if (g.ID == victim) != g.MembersUnknown {
					t.Errorf("group %s: MembersUnknown=%v", g.ID, g.MembersUnknown)
				}
				if g.ID == victim && len(g.Members) != 0 {
					t.Errorf("victim keeps a partial member list of %d", len(g.Members))
				}
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	srv := graphtest.New(synthetic.Generate(50, 1), graphtest.Options{})
	defer srv.Close()
	srv.SetFaults(graphtest.Times(100, graphtest.Graph("$batch"), graphtest.Fault{Delay: 3 * time.Second}))
	src, err := graph.New(config(srv))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = src.Snapshot(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the context's", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancellation took %s", d)
	}
}

func TestConcurrencyBounded(t *testing.T) {
	t.Parallel()
	srv := graphtest.New(synthetic.Generate(300, 2), graphtest.Options{MaxPageSize: 5})
	defer srv.Close()
	srv.SetFaults(graphtest.Every(1, graphtest.Graph("$batch"), graphtest.Fault{Delay: 20 * time.Millisecond}))
	cfg := config(srv)
	cfg.Concurrency = 3
	if _, err := read(t, cfg); err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	if st.MaxInFlight > 3 {
		t.Errorf("%d requests in flight, limit 3", st.MaxInFlight)
	}
	if st.MaxInFlight < 2 {
		t.Errorf("%d requests in flight: batches were not sent concurrently", st.MaxInFlight)
	}
}

// A $batch endpoint that never answers costs about one retry budget in all,
// not the client's retries inside each of the rounds' retries of each batch.
// The bound is on requests, which the emulator counts; time follows.
func TestDeadBatchEndpointIsBounded(t *testing.T) {
	t.Parallel()
	src := synthetic.Generate(200, 4)
	tests := []struct {
		name        string
		retries     int
		concurrency int
	}{
		{"defaults", 0, 0},
		{"two retries, one at a time", 2, 1},
		{"three retries, four at a time", 3, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(src, graphtest.Options{})
			defer srv.Close()
			posts := failEveryBatch(srv, graphtest.Fault{Drop: true})
			cfg := config(srv)
			cfg.RetryDelay = time.Millisecond
			cfg.Retries, cfg.Concurrency = tt.retries, tt.concurrency
			snap, err := read(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			retries, conc := tt.retries, tt.concurrency
			if retries == 0 {
				retries = 5
			}
			if conc == 0 {
				conc = 4
			}
			batches := batchesFor(snap)
			// The batches in flight when the endpoint died spend the
			// retries; every other batch tries once. Go's transport may
			// send a post a second time by itself, when the kept-alive
			// connection it picked turns out closed before anything was
			// written: once per batch is allowed for that. The nested
			// retries this guards against made 95-394 posts here.
			limit := conc*(retries+1) + 2*batches
			if n := int(posts.Load()); n > limit {
				t.Errorf("%d $batch posts for %d batches, want at most %d", n, batches, limit)
			}
			unknown := 0
			for _, g := range snap.Groups {
				if g.MembersUnknown {
					unknown++
				}
			}
			if unknown != len(snap.Groups) {
				t.Errorf("%d of %d groups with unknown members", unknown, len(snap.Groups))
			}
			for _, g := range snap.Coverage.Gaps {
				if g.What == directory.CoverGroupMembers && !strings.Contains(g.Reason, "endpoint unreachable") {
					t.Errorf("gap reason %q does not say the endpoint was unreachable", g.Reason)
				}
			}
		})
	}
}

// A 503 is not throttling, and a Retry-After over the cap is refused at
// once: the error must not claim retries that never happened.
func TestServiceBusyMessages(t *testing.T) {
	t.Parallel()
	src := synthetic.Generate(10, 5)
	tests := []struct {
		name   string
		fault  graphtest.FaultFunc
		target error
		want   []string
		absent []string
	}{
		{"503 through the retries", graphtest.Times(100, graphtest.Graph("/domains"), graphtest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "0"}),
			graph.ErrUnavailable, []string{"/v1.0/domains", "unavailable (HTTP 503", "after the retries"}, []string{"throttled"}},
		{"429 asking for an hour", graphtest.Times(100, graphtest.Graph("/groups"), graphtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600"}),
			graph.ErrThrottled, []string{"/v1.0/groups", "throttled (HTTP 429)", "asking to wait 1h0m0s, more than the 1s allowed"}, []string{"after the retries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(src, graphtest.Options{})
			defer srv.Close()
			srv.SetFaults(tt.fault)
			cfg := config(srv)
			cfg.Retries, cfg.MaxRetryWait = 2, time.Second
			_, err := read(t, cfg)
			if !errors.Is(err, tt.target) {
				t.Fatalf("error %v, want %v", err, tt.target)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q says %q", err, w)
				}
			}
		})
	}
}

// A batch throttled as a whole is retried in its items' budget: the SDK's
// own retries of it, nested inside the rounds' retries, made 36 attempts of
// each batch, each waiting out the Retry-After.
func TestThrottledBatchIsRetriedInOneBudget(t *testing.T) {
	t.Parallel()
	src := synthetic.Generate(30, 3)
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			srv := graphtest.New(src, graphtest.Options{})
			defer srv.Close()
			posts := failEveryBatch(srv, graphtest.Fault{Status: status, RetryAfter: "0"})
			cfg := config(srv)
			cfg.Retries = 3
			snap, err := read(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			batches := batchesFor(snap)
			// Go's transport may send a post twice by itself (see
			// TestDeadBatchEndpointIsBounded).
			if n, limit := int(posts.Load()), 2*batches*(cfg.Retries+1); n > limit {
				t.Errorf("%d $batch posts for %d batches, want at most %d", n, batches, limit)
			}
			want := fmt.Sprintf("(HTTP %d) after %d attempts", status, cfg.Retries+1)
			n := 0
			for _, g := range snap.Coverage.Gaps {
				if g.What != directory.CoverGroupMembers {
					continue
				}
				n++
				if !strings.Contains(g.Reason, want) {
					t.Errorf("gap reason %q lacks %q", g.Reason, want)
				}
			}
			if n != len(snap.Groups) {
				t.Errorf("%d member gaps for %d groups", n, len(snap.Groups))
			}
		})
	}
}

// failEveryBatch answers every $batch post with f and counts the posts.
func failEveryBatch(srv *graphtest.Server, f graphtest.Fault) *atomic.Int64 {
	var posts atomic.Int64
	srv.SetFaults(func(r graphtest.Request) graphtest.Fault {
		if r.Token || r.InBatch || !strings.HasSuffix(r.Path, "/$batch") {
			return graphtest.Fault{}
		}
		posts.Add(1)
		return f
	})
	return &posts
}

// batchesFor is how many $batch posts one round of a snapshot's per-group
// reads takes: a members job per group and a settings job per Microsoft 365
// group, twenty to a batch.
func batchesFor(snap *directory.Snapshot) int {
	jobs := 0
	for _, g := range snap.Groups {
		jobs++
		if g.Kind == directory.Microsoft365 {
			jobs++
		}
	}
	return (jobs + 19) / 20
}
