package ldap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/directory/ldap"
	"dgaudit/directory/ldap/sambatest"
	"dgaudit/rules"

	"github.com/google/go-cmp/cmp"
)

// TestMain starts one Samba AD DC for every test in the package and loads
// the fixture organization into it.
func TestMain(m *testing.M) {
	// sambatest.AddrEnv (DGAUDIT_SAMBA_ADDR) moves the server to another
	// loopback address when another run already uses this one.
	os.Exit(sambatest.Main(m, sambatest.Options{Addr: "127.0.0.2"}, func(s *sambatest.Server) error {
		t0 := time.Now()
		err := s.LoadFixture(context.Background(), sambatest.DefaultBigSize)
		fmt.Fprintf(os.Stderr, "sambatest: fixture loaded (%d bulk contacts) in %s\n", sambatest.DefaultBigSize, time.Since(t0).Round(time.Millisecond))
		return err
	}))
}

func config(s *sambatest.Server) ldap.Config {
	return ldap.Config{
		URLs:     []string{s.LDAPSURL()},
		BindDN:   sambatest.AdminDN,
		Password: sambatest.Password,
		CAFile:   s.CAFile,
		PageSize: 100,
		Timeout:  20 * time.Second,
		Logger:   slog.New(slog.DiscardHandler),
	}
}

func collect(t *testing.T, cfg ldap.Config) *directory.Snapshot {
	t.Helper()
	src, err := ldap.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if err := snap.Validate(); err != nil {
		t.Fatalf("snapshot does not validate: %v", err)
	}
	snap.Normalize()
	return snap
}

// index maps the snapshot's objects by name and by ID.
type index struct {
	snap   *directory.Snapshot
	groups map[string]directory.Group
	name   map[string]string // ID -> name
}

func indexOf(t *testing.T, s *directory.Snapshot) index {
	t.Helper()
	ix := index{snap: s, groups: map[string]directory.Group{}, name: map[string]string{}}
	for _, g := range s.Groups {
		ix.groups[g.Name] = g
		ix.name[g.ID] = g.Name
	}
	for _, u := range s.Users {
		ix.name[u.ID] = u.Name
	}
	for _, c := range s.Contacts {
		ix.name[c.ID] = c.Name
	}
	return ix
}

func (ix index) group(t *testing.T, name string) directory.Group {
	t.Helper()
	g, ok := ix.groups[name]
	if !ok {
		t.Fatalf("group %q not in the snapshot", name)
	}
	return g
}

// names turns IDs into names (unresolved references stay as they are),
// sorted.
func (ix index) names(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if n, ok := ix.name[id]; ok {
			out = append(out, n)
		} else {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func TestCollectFixture(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	snap := collect(t, config(s))
	ix := indexOf(t, snap)

	if got := len(snap.Contacts); got != len(sambatest.PartnerContacts)+sambatest.DefaultBigSize {
		t.Errorf("contacts = %d, want %d", got, len(sambatest.PartnerContacts)+sambatest.DefaultBigSize)
	}
	if got := len(snap.Users); got != 4 {
		t.Errorf("users = %d, want 4 (the printer account is not a recipient)", got)
	}
	if !snap.Coverage.Complete() {
		t.Errorf("unexpected gaps: %+v", snap.Coverage.Gaps)
	}

	members := map[string][]string{
		sambatest.GroupOpen:     {"Ann Admin", "Bob Partner", "Carol Partner", "Dave Vendor", "Partner List"},
		sambatest.GroupAuth:     {"Ann Admin", "Carl Clerk"},
		sambatest.GroupOuter:    {"Carl Clerk", "Inner Partners"},
		sambatest.GroupInner:    {"Erin Vendor", "Mia External"},
		sambatest.GroupCycleA:   {"Carl Clerk", "Cycle B"},
		sambatest.GroupCycleB:   {"Cycle A"},
		sambatest.GroupEmpty:    {},
		sambatest.GroupDynamic:  {"Bob Partner", "Carol Partner", "Partner List"},
		sambatest.GroupManaged:  {"Bob Partner", "Rita Remote"},
		sambatest.GroupSecurity: {"Ann Admin"},
	}
	for name, want := range members {
		g := ix.group(t, name)
		if diff := cmp.Diff(want, ix.names(g.Members)); diff != "" {
			t.Errorf("%s members (-want +got):\n%s", name, diff)
		}
		if g.MembersUnknown {
			t.Errorf("%s: MembersUnknown", name)
		}
	}
	if got := len(ix.group(t, sambatest.GroupBig).Members); got != sambatest.DefaultBigSize {
		t.Errorf("big group has %d members, want %d", got, sambatest.DefaultBigSize)
	}

	// Tri-states: absent, FALSE and TRUE are three different things.
	T, F, U := directory.True, directory.False, directory.Unset
	tri := []struct {
		group                                  string
		auth, toOrig, toOwner, oof, moderation directory.Tri
	}{
		{sambatest.GroupOpen, F, T, U, U, U},
		{sambatest.GroupAuth, T, F, F, F, U},
		{sambatest.GroupOuter, U, U, U, U, U},
		{sambatest.GroupManaged, U, U, T, U, T},
	}
	for _, tt := range tri {
		g := ix.group(t, tt.group)
		got := []directory.Tri{g.RequireSenderAuth, g.ReportToOriginator, g.ReportToManager, g.OOFToOriginator, g.Moderation}
		want := []directory.Tri{tt.auth, tt.toOrig, tt.toOwner, tt.oof, tt.moderation}
		if !slices.Equal(got, want) {
			t.Errorf("%s tri-states (auth, toOriginator, toOwner, oof, moderation) = %v, want %v", tt.group, got, want)
		}
	}

	open := ix.group(t, sambatest.GroupOpen)
	if open.Kind != directory.Distribution || open.Mail != "allpartners@corp.example.test" {
		t.Errorf("open group kind %s mail %q", open.Kind, open.Mail)
	}
	if g := ix.group(t, sambatest.GroupSecurity); g.Kind != directory.MailSecurity || !g.HiddenFromGAL {
		t.Errorf("security group kind %s hidden %v", g.Kind, g.HiddenFromGAL)
	}
	dyn := ix.group(t, sambatest.GroupDynamic)
	if dyn.Kind != directory.Dynamic || !strings.Contains(dyn.DynamicFilter, "targetAddress") || dyn.DynamicBaseDN != "OU=Contacts,"+sambatest.BaseDN {
		t.Errorf("dynamic group: kind %s filter %q base %q", dyn.Kind, dyn.DynamicFilter, dyn.DynamicBaseDN)
	}
	managed := ix.group(t, sambatest.GroupManaged)
	// Order matters: ManagedBy[0] is the owner reports go to.
	if got := []string{ix.name[managed.ManagedBy[0]], ix.name[managed.ManagedBy[1]]}; !slices.Equal(got, []string{sambatest.GroupAuth, sambatest.UserCarl}) || len(managed.ManagedBy) != 2 {
		t.Errorf("managedBy = %v", managed.ManagedBy)
	}
	if diff := cmp.Diff([]string{"Ann Admin"}, ix.names(managed.ModeratedBy)); diff != "" {
		t.Errorf("moderatedBy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Ann Admin"}, ix.names(ix.group(t, sambatest.GroupAuth).AcceptOnlyFrom)); diff != "" {
		t.Errorf("authOrig (-want +got):\n%s", diff)
	}

	kinds := map[string]directory.UserKind{}
	for _, u := range snap.Users {
		kinds[u.Name] = u.Kind
	}
	wantKinds := map[string]directory.UserKind{
		sambatest.UserAnn: directory.Mailbox, sambatest.UserCarl: directory.Mailbox,
		sambatest.UserMailUsr: directory.MailUser, sambatest.UserRemote: directory.RemoteMailbox,
	}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("user kinds (-want +got):\n%s", diff)
	}

	recipientFilterFlags := int64(3)
	wantOrg := directory.Organization{
		Name: sambatest.OrgName,
		AcceptedDomains: []directory.AcceptedDomain{
			{Domain: "corp.example.test", Type: directory.Authoritative, Default: true},
			{Domain: "tenant.mail.onmicrosoft.com", Type: directory.Authoritative, Coexistence: true},
		},
		RemoteDomains: []directory.RemoteDomain{
			{Name: "Default", DomainPattern: "*", AllowedOOFType: directory.OOFExternal, AutoReplyEnabled: T, AutoForwardEnabled: T,
				DeliveryReportEnabled: T, NDREnabled: T, IsInternal: F},
			{Name: "Vendor", DomainPattern: "vendor.example"},
		},
		// Read from sambatest.RecipientFilterDN: msExchAgentsFlags 3.
		RecipientFilter: &directory.RecipientFilter{Present: true, AgentsFlags: &recipientFilterFlags,
			Enabled: T, ExternalMailEnabled: T, RecipientValidationEnabled: F},
		ReceiveConnectors: wantConnectors(),
	}
	slices.SortFunc(snap.Org.AcceptedDomains, func(a, b directory.AcceptedDomain) int { return strings.Compare(a.Domain, b.Domain) })
	slices.SortFunc(snap.Org.RemoteDomains, func(a, b directory.RemoteDomain) int { return strings.Compare(a.Name, b.Name) })
	if diff := cmp.Diff(wantOrg, snap.Org); diff != "" {
		t.Errorf("organization (-want +got):\n%s", diff)
	}
	reads := map[string]int{}
	for _, r := range snap.Coverage.Read {
		reads[r.What] = r.Count
	}
	if reads[directory.CoverNonRecipientMembers] != 1 || reads[directory.CoverAcceptedDomains] != 2 || reads[directory.CoverRemoteDomains] != 2 ||
		reads[directory.CoverRecipientFilter] != 1 || reads[directory.CoverReceiveConnectors] != 2 {
		t.Errorf("coverage reads = %v", reads)
	}
}

// TestRangedRetrieval forces ranged reads of member with a small step and
// checks they give exactly what the plain read gives.
func TestRangedRetrieval(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	plain := collect(t, config(s))
	cfg := config(s)
	cfg.RangeStep = 7 // odd, so ranges end mid-list and at the end
	ranged := collect(t, cfg)
	if len(plain.Groups) != len(ranged.Groups) {
		t.Fatalf("groups: plain %d, ranged %d", len(plain.Groups), len(ranged.Groups))
	}
	for i := range plain.Groups {
		if diff := cmp.Diff(plain.Groups[i].Members, ranged.Groups[i].Members); diff != "" {
			t.Errorf("group %s: ranged members differ (-plain +ranged):\n%s", plain.Groups[i].Name, diff)
		}
	}
	big := indexOf(t, ranged).group(t, sambatest.GroupBig)
	if len(big.Members) != sambatest.DefaultBigSize {
		t.Errorf("big group: %d members with ranges, want %d", len(big.Members), sambatest.DefaultBigSize)
	}
}

func TestStartTLS(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	cfg := config(s)
	cfg.URLs = []string{s.LDAPURL()}
	snap := collect(t, cfg)
	if len(snap.Groups) == 0 || !strings.HasPrefix(snap.Source, "ldap://") {
		t.Errorf("StartTLS read %d groups from %q", len(snap.Groups), snap.Source)
	}
}

// TestBaseDNAndLookups reads only OU=Groups: members elsewhere are looked up
// one by one and must resolve exactly as in a full read.
func TestBaseDNAndLookups(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	cfg := config(s)
	cfg.BaseDN = "OU=Groups," + sambatest.BaseDN
	cfg.URLs = []string{"ldaps://127.0.0.1:1", s.LDAPSURL()} // the first is refused: fallback
	snap := collect(t, cfg)
	ix := indexOf(t, snap)
	if diff := cmp.Diff([]string{"Erin Vendor", "Mia External"}, ix.names(ix.group(t, sambatest.GroupInner).Members)); diff != "" {
		t.Errorf("inner members (-want +got):\n%s", diff)
	}
	if !snap.Coverage.Complete() {
		t.Errorf("gaps: %+v", snap.Coverage.Gaps)
	}
}

func TestErrors(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	tests := []struct {
		name     string
		edit     func(*ldap.Config)
		sentinel error
		want     []string
	}{
		{"wrong password", func(c *ldap.Config) { c.Password = "wrong" }, ldap.ErrAuth,
			[]string{s.LDAPSURL(), "bind as", "authentication failed", "DGAUDIT_LDAP_PASSWORD"}},
		{"wrong password UPN", func(c *ldap.Config) { c.BindDN, c.Password = sambatest.AdminUPN, "wrong" }, ldap.ErrAuth,
			[]string{"Administrator@corp.example.test", "authentication failed"}},
		{"unreachable", func(c *ldap.Config) { c.URLs = []string{"ldaps://127.0.0.1:1"}; c.Retries = -1 }, ldap.ErrUnreachable,
			[]string{"ldaps://127.0.0.1:1", "unreachable", "connection refused"}},
		{"unknown CA", func(c *ldap.Config) { c.CAFile = "" }, ldap.ErrTLS,
			[]string{s.LDAPSURL(), "unknown authority", "--ca-file"}},
		{"base DN not found", func(c *ldap.Config) { c.BaseDN = "OU=Nowhere," + sambatest.BaseDN }, ldap.ErrBaseDN,
			[]string{s.LDAPSURL(), "OU=Nowhere", "--base-dn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := config(s)
			tt.edit(&cfg)
			src, err := ldap.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = src.Snapshot(context.Background())
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || strings.Contains(msg, sambatest.Password) {
				t.Errorf("message is not one clean line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not mention %q", msg, w)
				}
			}
		})
	}
}

// TestTLSNameMismatch reaches the server by an address its certificate does
// not list (through a proxy on 127.0.0.1).
func TestTLSNameMismatch(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	p, err := sambatest.NewProxy(s.Port(636), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := config(s)
	cfg.URLs = []string{"ldaps://" + p.Addr()}
	src, err := ldap.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Snapshot(context.Background())
	if !errors.Is(err, ldap.ErrTLS) {
		t.Fatalf("err = %v, want ErrTLS", err)
	}
	for _, w := range []string{"ldaps://" + p.Addr(), "not for \"127.0.0.1\"", s.Addr, s.FQDN} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not mention %q", err, w)
		}
	}
}

// proxied returns a config that reaches the server through p. TLS is not
// verified: the proxy's address is not in the certificate.
func proxied(s *sambatest.Server, p *sambatest.Proxy) ldap.Config {
	cfg := config(s)
	cfg.URLs = []string{"ldaps://" + p.Addr()}
	cfg.CAFile = ""
	cfg.InsecureSkipVerify = true
	return cfg
}

// TestServerKilledMidScan: the connection drops in the middle of the paged
// scan and the server never comes back. The read must fail clearly, never
// return a smaller snapshot.
func TestServerKilledMidScan(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	p, err := sambatest.NewProxy(s.Port(636), 60<<10, true)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := proxied(s, p)
	cfg.Retries = 2
	src, err := ldap.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := src.Snapshot(context.Background())
	if err == nil {
		t.Fatalf("got a snapshot with %d groups and %d contacts from a server that died", len(snap.Groups), len(snap.Contacts))
	}
	if snap != nil {
		t.Error("a snapshot came back with the error")
	}
	msg := err.Error()
	if !strings.Contains(msg, p.Addr()) || !strings.Contains(msg, "gave up after 3 attempts") || strings.Contains(msg, "\n") {
		t.Errorf("message %q should name the server, say it retried, and be one line", msg)
	}
}

// TestConnectionDropRecovers: the connection drops once mid-scan; the retry
// on a new connection gives the same snapshot as an undisturbed read.
func TestConnectionDropRecovers(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	want := collect(t, config(s))
	p, err := sambatest.NewProxy(s.Port(636), 60<<10, false)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	got := collect(t, proxied(s, p))
	if len(got.Groups) != len(want.Groups) || len(got.Contacts) != len(want.Contacts) || len(got.Users) != len(want.Users) {
		t.Fatalf("after a dropped connection: %d/%d/%d groups/contacts/users, want %d/%d/%d",
			len(got.Groups), len(got.Contacts), len(got.Users), len(want.Groups), len(want.Contacts), len(want.Users))
	}
	for i := range want.Groups {
		if diff := cmp.Diff(want.Groups[i], got.Groups[i]); diff != "" {
			t.Errorf("group %s differs (-want +got):\n%s", want.Groups[i].Name, diff)
		}
	}
	if !got.Coverage.Complete() {
		t.Errorf("gaps after recovery: %+v", got.Coverage.Gaps)
	}
}

// TestAuditEndToEnd runs the real engine and rule catalogue on what was
// collected: every scenario's finding is there, and the clean group is clean.
func TestAuditEndToEnd(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	snap := collect(t, config(s))
	rep, err := audit.Run(context.Background(), snap, rules.All(rules.DefaultConfig()), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]map[string]bool{}
	for _, g := range rep.Groups {
		found[g.Name] = map[string]bool{}
		for _, f := range g.Findings {
			found[g.Name][f.Rule] = true
		}
	}
	want := []struct{ group, rule string }{
		{sambatest.GroupOpen, "ndr-loop-risk"},
		{sambatest.GroupOpen, "open-to-external-senders"},
		{sambatest.GroupOpen, "external-members"},
		{sambatest.GroupCycleA, "membership-cycle"},
		{sambatest.GroupEmpty, "empty-group"},
		{sambatest.GroupManaged, "manager-is-group"},
		{sambatest.GroupOuter, "external-members"},
	}
	for _, w := range want {
		if !found[w.group][w.rule] {
			t.Errorf("group %q: no %s finding (findings: %v)", w.group, w.rule, found[w.group])
		}
	}
	// Board requires authentication and has only internal members.
	for _, rule := range []string{"ndr-loop-risk", "open-to-external-senders", "external-members"} {
		if found[sambatest.GroupAuth][rule] {
			t.Errorf("group %q: unexpected %s finding", sambatest.GroupAuth, rule)
		}
	}
	if !rep.Complete {
		t.Errorf("report not complete: %+v", rep.Coverage.Gaps)
	}
	// The fixture's recipient filter does not validate recipients: one
	// organization finding, from the flags read.
	var rv []audit.Finding
	for _, f := range rep.OrgFindings {
		if f.Rule == "recipient-validation-off" {
			rv = append(rv, f)
		}
	}
	if len(rv) != 1 || !slices.Contains(rv[0].Evidence.Settings, audit.Setting{Name: "AgentsFlags", Attribute: "msExchAgentsFlags", Value: "3", Source: audit.SourceSet}) {
		t.Errorf("recipient-validation-off findings = %+v, want one with msExchAgentsFlags 3", rv)
	}
	// The fixture's Relay connector lets anonymous senders relay from any
	// address; its default frontend connector does not.
	var relay []audit.Finding
	for _, f := range rep.OrgFindings {
		if f.Rule == "receive-connector-open-relay" {
			relay = append(relay, f)
		}
	}
	if len(relay) != 1 || relay[0].Severity != audit.High || !strings.Contains(relay[0].Message, sambatest.ServerName+`\`+sambatest.ConnectorRelay) {
		t.Errorf("receive-connector-open-relay findings = %+v, want one, high, for %s\\%s", relay, sambatest.ServerName, sambatest.ConnectorRelay)
	}
}

// TestProgress: the progress callback sees every page of the recipient
// scan, with counts that only grow and end at the number read.
func TestProgress(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	var mu sync.Mutex
	var recipients []int
	cfg := config(s)
	cfg.Progress = func(stage string, n int) {
		mu.Lock()
		defer mu.Unlock()
		if stage == "recipients" {
			recipients = append(recipients, n)
		}
	}
	snap := collect(t, cfg)
	total := len(snap.Groups) + len(snap.Users) + len(snap.Contacts)
	if want := total / cfg.PageSize; len(recipients) < want {
		t.Fatalf("%d progress calls for %d recipients in pages of %d, want at least %d", len(recipients), total, cfg.PageSize, want)
	}
	if !slices.IsSorted(recipients) || recipients[0] <= 0 {
		t.Errorf("counts do not grow: %v", recipients)
	}
	// The last page's count is every recipient scanned; dynamic group
	// members and lookups come later and only add.
	if last := recipients[len(recipients)-1]; last > total || last < total-10 {
		t.Errorf("last count %d, snapshot has %d recipients", last, total)
	}
}

// TestConcurrentSearchesSameSnapshot: the recipient searches run on
// several connections at once; the snapshot must be the one the searches
// give one after another, every time.
func TestConcurrentSearchesSameSnapshot(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	fixed := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	read := func(concurrency int) *directory.Snapshot {
		cfg := config(s)
		cfg.Concurrency = concurrency
		src, err := ldap.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		src.Now = fixed
		snap, err := src.Snapshot(context.Background())
		if err != nil {
			t.Fatalf("Snapshot with concurrency %d: %v", concurrency, err)
		}
		snap.Normalize()
		return snap
	}
	one := read(1)
	if len(one.Groups) == 0 || len(one.Contacts) == 0 || len(one.Users) == 0 {
		t.Fatalf("fixture gives %d groups, %d contacts, %d users: the comparison would prove little", len(one.Groups), len(one.Contacts), len(one.Users))
	}
	for range 3 {
		if diff := cmp.Diff(one, read(4)); diff != "" {
			t.Fatalf("concurrent read differs from the sequential one (-sequential +concurrent):\n%s", diff)
		}
	}
}

// TestReferrals: a subtree search of the domain is referred to the
// configuration partition below it, which holds no recipients: the scan
// reads the reference (it would report a child domain's as a gap) and
// passes over this one, so the read stays complete.
func TestReferrals(t *testing.T) {
	s := sambatest.Get(t)
	t.Parallel()
	var logs bytes.Buffer
	cfg := config(s)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	snap := collect(t, cfg)
	want := `msg="referral not followed: a partition without recipients" ref="ldaps://corp.example.test/CN=Configuration,` + sambatest.BaseDN + `"`
	if !strings.Contains(logs.String(), want) {
		t.Errorf("the log does not show the configuration partition's reference passed over (%s):\n%s", want, logs.String())
	}
	for _, g := range snap.Coverage.Gaps {
		t.Errorf("gap: %+v", g)
	}
}
