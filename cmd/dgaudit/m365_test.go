package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/demo"
	"dgaudit/directory/exchange/exotest"
	"dgaudit/directory/graph/graphtest"
)

// emulator starts the Graph emulator on the demo organization and returns
// the flags pointing dgaudit at it. The client secret goes in the
// environment, as users are told to do.
func emulator(t *testing.T) (*graphtest.Server, []string) {
	t.Helper()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := graphtest.New(snap, graphtest.Options{})
	t.Cleanup(srv.Close)
	ca, err := srv.WriteCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o := srv.Options()
	t.Setenv(envClientSecret, o.ClientSecret)
	return srv, []string{"--m365", "--skip-exchange", "--tenant", o.TenantID, "--client-id", o.ClientID,
		"--graph-url", srv.GraphURL, "--authority-host", srv.URL, "--ca-file", ca}
}

// tenantEmulators starts the Graph emulator and the Exchange Online
// emulator on the demo organization, sharing one sign-in: the Exchange
// emulator accepts the tokens the Graph emulator's token endpoint issued,
// as Exchange Online accepts Entra ID's. Both certificates go in one CA
// file, as a TLS-inspecting proxy's would.
func tenantEmulators(t *testing.T) (*graphtest.Server, *exotest.Server, []string) {
	t.Helper()
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	g := graphtest.New(snap, graphtest.Options{})
	t.Cleanup(g.Close)
	x := exotest.NewServer(exotest.Shape(snap, true))
	t.Cleanup(x.Close)
	o := g.Options()
	x.Tenant, x.Token, x.Accept = o.TenantID, "", g.Issued
	x.PageSize = 25
	dir := t.TempDir()
	gca, err := g.WriteCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(gca)
	if err != nil {
		t.Fatal(err)
	}
	pem = append(pem, encodePEM(x.Certificate().Raw)...)
	ca := filepath.Join(dir, "both.pem")
	if err := os.WriteFile(ca, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envClientSecret, o.ClientSecret)
	return g, x, []string{"--m365", "--tenant", o.TenantID, "--client-id", o.ClientID,
		"--graph-url", g.GraphURL, "--authority-host", g.URL, "--exchange-url", x.URL, "--ca-file", ca}
}

func encodePEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestM365WithExchangeMatchesDemo reads the emulated tenant through Graph
// and Exchange Online together, through the real sign-in, and expects the
// demo's own verdict: the same groups, the same findings on every group,
// the same exit code. What Graph cannot tell now comes from Exchange Online.
func TestM365WithExchangeMatchesDemo(t *testing.T) {
	g, x, flags := tenantEmulators(t)
	dir := t.TempDir()
	want := filepath.Join(dir, "demo.json")
	wantCode, _, stderr := dgaudit(t, "scan", "--demo", "-o", want, "--fail-on", "none")
	if wantCode != exitOK && wantCode != exitGaps {
		t.Fatalf("demo scan: exit %d\n%s", wantCode, stderr)
	}
	gotPath := filepath.Join(dir, "m365.json")
	code, _, stderr := dgaudit(t, append([]string{"scan", "-o", gotPath, "--fail-on", "none"}, flags...)...)
	if code != wantCode {
		t.Fatalf("exit %d, want the demo's %d\n%s", code, wantCode, stderr)
	}
	wantF, _ := reportFindings(t, want)
	gotF, gaps := reportFindings(t, gotPath)
	for _, gap := range []string{"group-delivery-settings", "dynamic-groups", "remote-domains", "exchange-online"} {
		if gaps[gap] {
			t.Errorf("gap %s reported although Exchange Online was read", gap)
		}
	}
	visible := visibleToGraph(t)
	compared := 0
	for id, rules := range wantF {
		got, ok := gotF[id]
		if !ok {
			t.Errorf("group %s missing from the Microsoft 365 report", id)
			continue
		}
		if !visible[id] {
			// A group reaching a member that resolves to nothing: Graph
			// cannot return such a member, so only the settings-driven
			// verdicts can be compared.
			continue
		}
		compared++
		if diff := cmp.Diff(rules, got); diff != "" {
			t.Errorf("group %s findings (-demo +m365):\n%s", id, diff)
		}
	}
	if compared < 30 {
		t.Errorf("compared only %d groups", compared)
	}
	if len(gotF) != len(wantF) {
		t.Errorf("%d groups audited, the demo has %d", len(gotF), len(wantF))
	}
	if st := g.Stats(); st.TokenRequests < 2 {
		t.Errorf("%d token requests: Graph and Exchange Online should each have signed in", st.TokenRequests)
	}
	if n := x.CmdletRequests()["Get-DistributionGroup"]; n == 0 {
		t.Error("Exchange Online was not asked for the distribution groups")
	}
	if n := x.CmdletRequests()["Get-DistributionGroupMember"]; n != 0 {
		t.Errorf("%d member reads from Exchange Online: Graph reads membership", n)
	}
	if strings.Contains(stderr, g.Options().ClientSecret) {
		t.Error("the secret was logged")
	}
}

// reportFindings reads a JSON report into group ID -> sorted rule IDs.
func reportFindings(t *testing.T, path string) (map[string][]string, map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Groups []struct {
			ID       string `json:"id"`
			Findings []struct {
				Rule string `json:"rule"`
			} `json:"findings"`
		} `json:"groups"`
		Coverage directory.Coverage `json:"coverage"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, g := range rep.Groups {
		rules := []string{}
		for _, f := range g.Findings {
			rules = append(rules, f.Rule)
		}
		slices.Sort(rules)
		out[g.ID] = rules
	}
	gaps := map[string]bool{}
	for _, g := range rep.Coverage.Gaps {
		gaps[g.What] = true
	}
	return out, gaps
}

// graphKnowable are the rules that depend only on what Graph reads: groups,
// membership, nesting and recipients' addresses.
var graphKnowable = []string{"contact-routes-internal", "empty-group", "external-member-is-list", "external-members", "large-blast-radius", "membership-cycle"}

// visibleToGraph lists the demo groups whose expansion Graph sees whole:
// none of them reaches a dynamic group (Exchange-only) or a member that
// resolves to nothing (Graph cannot return one).
func visibleToGraph(t *testing.T) map[string]bool {
	snap, err := demo.Source{}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]directory.Group{}
	known := map[string]bool{}
	for _, g := range snap.Groups {
		groups[g.ID] = g
		known[g.ID] = true
	}
	for _, u := range snap.Users {
		known[u.ID] = true
	}
	for _, c := range snap.Contacts {
		known[c.ID] = true
	}
	var whole func(id string, seen map[string]bool) bool
	whole = func(id string, seen map[string]bool) bool {
		if seen[id] {
			return true
		}
		seen[id] = true
		g := groups[id]
		if g.Kind == directory.Dynamic || g.MembersUnknown {
			return false
		}
		for _, m := range g.Members {
			if !known[m] {
				return false
			}
			if _, isGroup := groups[m]; isGroup && !whole(m, seen) {
				return false
			}
		}
		return true
	}
	out := map[string]bool{}
	for id := range groups {
		if whole(id, map[string]bool{}) {
			out[id] = true
		}
	}
	return out
}

// TestM365ScanMatchesDemo runs the whole CLI against the emulator serving
// the demo organization, through the real SDK and the client-secret sign-in,
// and compares the Graph-knowable findings with the demo's own.
func TestM365ScanMatchesDemo(t *testing.T) {
	srv, flags := emulator(t)
	dir := t.TempDir()
	want := filepath.Join(dir, "demo.json")
	if code, _, stderr := dgaudit(t, "scan", "--demo", "-o", want, "--fail-on", "none"); code != exitOK && code != exitGaps {
		t.Fatalf("demo scan: exit %d\n%s", code, stderr)
	}
	gotPath := filepath.Join(dir, "m365.json")
	code, _, stderr := dgaudit(t, append([]string{"scan", "-o", gotPath, "--fail-on", "none"}, flags...)...)
	if code != exitGaps {
		t.Fatalf("exit %d, want %d (gaps: no Exchange source)\n%s", code, exitGaps, stderr)
	}
	wantF, _ := reportFindings(t, want)
	gotF, gaps := reportFindings(t, gotPath)
	for _, g := range []string{"group-delivery-settings", "dynamic-groups", "remote-domains"} {
		if !gaps[g] {
			t.Errorf("gap %s not reported; gaps %v", g, gaps)
		}
	}
	visible := visibleToGraph(t)
	filter := func(rules []string) []string {
		return slices.DeleteFunc(slices.Clone(rules), func(r string) bool { return !slices.Contains(graphKnowable, r) })
	}
	compared := 0
	for id, rules := range wantF {
		if !visible[id] {
			continue
		}
		g, ok := gotF[id]
		if !ok {
			t.Errorf("group %s missing from the Microsoft 365 report", id)
			continue
		}
		compared++
		if diff := cmp.Diff(filter(rules), filter(g)); diff != "" {
			t.Errorf("group %s findings (-demo +m365):\n%s", id, diff)
		}
	}
	if compared < 30 {
		t.Errorf("compared only %d groups", compared)
	}
	// Without Exchange Online no group's delivery settings were read: no
	// finding may rest on them (the demo has such findings on the same
	// groups, so a default standing in for them would show here).
	judged := 0
	for id, rules := range wantF {
		if visible[id] && (slices.Contains(rules, "open-to-external-senders") || slices.Contains(rules, "no-delivery-reports")) {
			judged++
		}
	}
	if judged == 0 {
		t.Error("the demo has no settings-based findings on groups Graph sees: the check below proves nothing")
	}
	for id, rules := range gotF {
		for _, r := range rules {
			if !slices.Contains(graphKnowable, r) {
				t.Errorf("group %s: finding %s rests on delivery settings Graph did not read", id, r)
			}
		}
	}
	if st := srv.Stats(); st.TokenRequests == 0 || st.Batches == 0 {
		t.Errorf("emulator stats %+v: the real sign-in and batch paths were not used", st)
	}
}

func TestM365Collect(t *testing.T) {
	_, flags := emulator(t)
	out := filepath.Join(t.TempDir(), "m365.snapshot.json")
	code, _, stderr := dgaudit(t, append([]string{"collect", "-o", out}, flags...)...)
	if code != exitGaps {
		t.Fatalf("exit %d, want %d\n%s", code, exitGaps, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := directory.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(snap.Source, "graph:") || len(snap.Groups) != 44 {
		t.Errorf("source %q with %d groups, want graph:... with the demo's 44 mail-enabled, non-dynamic groups", snap.Source, len(snap.Groups))
	}
	if strings.Contains(stderr, "secret-1") {
		t.Error("the secret was logged")
	}
}

func TestM365Errors(t *testing.T) {
	srv, flags := emulator(t)
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		fault   graphtest.FaultFunc
		want    int
		substrs []string
	}{
		{"wrong secret", map[string]string{envClientSecret: "wrong"}, nil, nil, exitRuntime,
			[]string{"AADSTS7000215", "hint: the secret comes from AZURE_CLIENT_SECRET"}},
		{"missing permission", nil, nil, graphtest.Times(100, graphtest.Graph("/domains"), graphtest.Fault{Status: 403}), exitRuntime,
			[]string{"/v1.0/domains", "Authorization_RequestDenied", "Domain.Read.All"}},
		{"no tenant", map[string]string{envTenantID: ""}, []string{"--tenant", ""}, nil, exitUsage,
			[]string{"needs a tenant ID (--tenant or AZURE_TENANT_ID)"}},
		{"unknown cloud", nil, []string{"--cloud", "mars"}, nil, exitUsage,
			[]string{`cloud "mars"`, "usgovhigh"}},
		{"secret twice", nil, []string{"--client-secret-file", "/dev/null"}, nil, exitUsage,
			[]string{"given twice"}},
		{"unreadable certificate", nil, []string{"--auth", "cert", "--client-cert", "/nonexistent.pem"}, nil, exitUsage,
			[]string{"/nonexistent.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			srv.SetFaults(tt.fault)
			defer srv.SetFaults(nil)
			args := append(append([]string{"scan", "-o", filepath.Join(t.TempDir(), "r.json")}, flags...), tt.args...)
			code, _, stderr := dgaudit(t, args...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d\n%s", code, tt.want, stderr)
			}
			for _, s := range tt.substrs {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
}

// TestM365FromConfigFile reads the tenant with every setting in a config
// file and the secret in the variable the file names.
func TestM365FromConfigFile(t *testing.T) {
	g, x, _ := tenantEmulators(t)
	dir := t.TempDir()
	o := g.Options()
	ca, err := g.WriteCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, append(pemBytes, encodePEM(x.Certificate().Raw)...), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envClientSecret, "")
	t.Setenv("APP_SECRET", o.ClientSecret)
	cfg := filepath.Join(dir, "dgaudit.yaml")
	body := "source:\n  m365:\n" +
		"    tenant: " + o.TenantID + "\n" +
		"    client-id: " + o.ClientID + "\n" +
		"    client-secret-env: APP_SECRET\n" +
		"    authority-host: " + g.URL + "\n" +
		"    graph-url: " + g.GraphURL + "\n" +
		"    exchange-url: " + x.URL + "\n" +
		"    ca-file: " + filepath.Base(ca) + "\n" +
		"outputs: [report.json]\nfail-on: none\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := dgaudit(t, "config", "check", cfg); code != exitOK {
		t.Fatalf("config check: exit %d\n%s%s", code, out, stderr)
	}
	code, _, stderr := dgaudit(t, "scan", "-c", cfg)
	if code != exitGaps { // the demo's own gaps (unresolved members, a dynamic group)
		t.Fatalf("exit %d, want %d\n%s", code, exitGaps, stderr)
	}
	got, gaps := reportFindings(t, filepath.Join(dir, "report.json"))
	if len(got) < 40 || gaps["exchange-online"] || gaps["group-delivery-settings"] {
		t.Errorf("%d groups, gaps %v: want the whole tenant read through Graph and Exchange Online", len(got), gaps)
	}
	if code, _, stderr := dgaudit(t, "audit", "-c", cfg); code != exitUsage || !strings.Contains(stderr, "source.m365: this command reads offline sources only") {
		t.Errorf("audit -c with an m365 source: exit %d\n%s", code, stderr)
	}
}
