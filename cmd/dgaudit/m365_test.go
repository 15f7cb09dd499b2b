package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"dgaudit/directory"
	"dgaudit/directory/demo"
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
	return srv, []string{"--m365", "--tenant", o.TenantID, "--client-id", o.ClientID,
		"--graph-url", srv.GraphURL, "--authority-host", srv.URL, "--ca-file", ca}
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
