package exchange_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"dgaudit/directory"
	"dgaudit/directory/exchange"
	"dgaudit/directory/exchange/exotest"
)

// writeObjects writes objects as the script does: a JSON array, or CSV with
// the columns in the given order (Export-Csv takes the first object's) and
// booleans as True/False.
func writeObjects(t *testing.T, dir, base string, f exotest.Format, cols []string, objs []map[string]any) {
	t.Helper()
	path := filepath.Join(dir, base+"."+string(f))
	if f == exotest.JSON {
		b, err := json.MarshalIndent(objs, "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var sb strings.Builder
	if len(objs) > 0 {
		sb.WriteString("#TYPE Selected.System.Management.Automation.PSCustomObject\n")
		w := csv.NewWriter(&sb)
		w.Write(cols)
		for _, o := range objs {
			row := make([]string, len(cols))
			for i, c := range cols {
				switch v := o[c].(type) {
				case nil:
				case bool:
					row[i] = map[bool]string{true: "True", false: "False"}[v]
				case []string:
					row[i] = strings.Join(v, ";")
				default:
					row[i] = fmt.Sprint(v)
				}
			}
			w.Write(row)
		}
		w.Flush()
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	filterCols = []string{"Enabled", "ExternalMailEnabled", "InternalMailEnabled", "RecipientValidationEnabled", "BlockListEnabled"}
	connCols   = []string{"Identity", "Name", "Server", "DistinguishedName", "Fqdn", "Bindings", "RemoteIPRanges", "PermissionGroups", "AuthMechanism"}
	permCols   = []string{"User", "Deny", "IsInherited", "InheritanceType", "UserSid", "ConnectorIdentity", "ConnectorDistinguishedName"}
)

func filterObj(enabled, external, validation bool) map[string]any {
	return map[string]any{"Enabled": enabled, "ExternalMailEnabled": external, "InternalMailEnabled": false,
		"RecipientValidationEnabled": validation, "BlockListEnabled": false}
}

const connBase = ",CN=SMTP Receive Connectors,CN=Protocols,CN=EX02,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example"

func connObj(name string) map[string]any {
	return map[string]any{"Identity": `EX02\` + name, "Name": name, "Server": "EX02", "DistinguishedName": "CN=" + name + connBase,
		"Fqdn": "ex02.corp.example", "Bindings": []string{"0.0.0.0:25", "[::]:25"}, "RemoteIPRanges": []string{"10.0.0.0/24"},
		"PermissionGroups": "AnonymousUsers", "AuthMechanism": "Tls"}
}

// perm is a permission row for connector name; user "" is the "no entry"
// marker.
func perm(name, user, sid string, deny, inherited bool) map[string]any {
	row := map[string]any{"ConnectorIdentity": `EX02\` + name, "ConnectorDistinguishedName": "CN=" + name + connBase, "UserSid": nil}
	if user != "" {
		row["User"], row["Deny"], row["IsInherited"] = user, deny, inherited
	}
	if sid != "" {
		row["UserSid"] = sid
	}
	return row
}

// with sets one more column of a row.
func with(row map[string]any, col string, v any) map[string]any {
	row[col] = v
	return row
}

func TestExportHygiene(t *testing.T) {
	t.Parallel()
	anon := `NT AUTHORITY\ANONYMOUS LOGON`
	anonShown := directory.SIDAnonymous + ` (NT AUTHORITY\ANONYMOUS LOGON)`
	connNames := []string{"Open", "Everyone", "Closed", "Denied", "ExplicitOverInherited", "Localized", "InheritOnly", "LocalizedNoSID", "Unknown"}
	conns := make([]map[string]any, len(connNames))
	for i, n := range connNames {
		conns[i] = connObj(n)
	}
	perms := []map[string]any{
		perm("Open", `CORP\Exchange Servers`, "S-1-5-21-1-2-3-1118", false, true),
		perm("Open", anon, directory.SIDAnonymous, false, true), // inherited entries count
		perm("Everyone", "Everyone", "", false, false),
		perm("Closed", "", "", false, false),
		// Rows come in the DACL's order, denies first as Windows stores
		// them: the first entry for a user decides.
		perm("Denied", anon, directory.SIDAnonymous, true, false),
		perm("Denied", anon, directory.SIDAnonymous, false, false),
		perm("ExplicitOverInherited", anon, "", false, false),
		perm("ExplicitOverInherited", anon, "", true, true), // an inherited deny after an explicit allow does not beat it
		perm("Localized", `NT-AUTORITÄT\ANONYMOUS-ANMELDUNG`, directory.SIDAnonymous, false, false),
		// An entry that only passes on to child objects does not apply to
		// the connector.
		with(perm("InheritOnly", anon, directory.SIDAnonymous, false, true), "InheritanceType", "Descendents"),
		// A name the script could not translate could be ANONYMOUS LOGON in
		// another language: not known, never "closed".
		perm("LocalizedNoSID", `NT-AUTORITÄT\ANONYMOUS-ANMELDUNG`, "", false, false),
		// "Unknown" has no row: Get-ADPermission failed for it.
	}
	wantRelay := map[string]struct {
		relay directory.Tri
		who   string
	}{
		"Open": {directory.True, anonShown}, "Everyone": {directory.True, directory.SIDEveryone + " (Everyone)"},
		"Closed": {directory.False, ""}, "Denied": {directory.False, ""}, "ExplicitOverInherited": {directory.True, anonShown},
		"Localized": {directory.True, anonShown}, "InheritOnly": {directory.False, ""}, "LocalizedNoSID": {directory.Unset, ""},
		"Unknown": {directory.Unset, ""},
	}

	tests := []struct {
		name       string
		filter     []map[string]any // nil: file not written
		unread     map[string]string
		noPerms    bool
		wantFilter *directory.RecipientFilter
		wantGaps   []string // What + " " + part of the reason
	}{
		{name: "validating filter", filter: []map[string]any{filterObj(true, true, true)},
			wantFilter: &directory.RecipientFilter{Present: true, Enabled: directory.True, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.True}},
		{name: "validation off", filter: []map[string]any{filterObj(true, true, false)},
			wantFilter: &directory.RecipientFilter{Present: true, Enabled: directory.True, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.False}},
		{name: "filter disabled", filter: []map[string]any{filterObj(false, true, true)},
			wantFilter: &directory.RecipientFilter{Present: true, Enabled: directory.False, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.True}},
		{name: "no configuration", filter: []map[string]any{}, wantFilter: &directory.RecipientFilter{Present: false}},
		{name: "not exported (older script)", wantGaps: []string{"recipient-filter RecipientFilterConfig.json or RecipientFilterConfig.csv is not in the export"}},
		{name: "cmdlet failed", unread: map[string]string{exchange.FileRecipientFilterConfig: "Get-RecipientFilterConfig failed: access denied"},
			wantGaps: []string{"recipient-filter RecipientFilterConfig.json or RecipientFilterConfig.csv was not written: Get-RecipientFilterConfig failed: access denied"}},
		{name: "permissions not exported", filter: []map[string]any{filterObj(true, true, true)}, noPerms: true,
			wantFilter: &directory.RecipientFilter{Present: true, Enabled: directory.True, ExternalMailEnabled: directory.True, RecipientValidationEnabled: directory.True},
			wantGaps:   []string{"receive-connectors ReceiveConnectorPermission.json or ReceiveConnectorPermission.csv is not in the export"}},
	}
	for _, f := range []exotest.Format{exotest.JSON, exotest.CSV} {
		for _, tt := range tests {
			t.Run(string(f)+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				dir := writeDemoExport(t, f)
				for _, base := range []string{exchange.FileRecipientFilterConfig, exchange.FileReceiveConnector, exchange.FileReceiveConnectorPermission} {
					os.Remove(filepath.Join(dir, base+"."+string(f)))
				}
				if tt.filter != nil {
					writeObjects(t, dir, exchange.FileRecipientFilterConfig, f, filterCols, tt.filter)
				}
				writeObjects(t, dir, exchange.FileReceiveConnector, f, connCols, conns)
				if !tt.noPerms {
					writeObjects(t, dir, exchange.FileReceiveConnectorPermission, f, permCols, perms)
				}
				if tt.unread != nil {
					b, _ := json.Marshal(map[string]any{"Environment": "OnPremises", "Organization": "Contoso", "Unread": tt.unread})
					os.WriteFile(filepath.Join(dir, "Manifest.json"), b, 0o644)
				}
				snap, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if err := snap.Validate(); err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tt.wantFilter, snap.Org.RecipientFilter); d != "" {
					t.Errorf("recipient filter (-want +got):\n%s", d)
				}
				if len(snap.Org.ReceiveConnectors) != len(connNames) {
					t.Fatalf("%d connectors, want %d", len(snap.Org.ReceiveConnectors), len(connNames))
				}
				for _, c := range snap.Org.ReceiveConnectors {
					w := wantRelay[c.Name]
					if tt.noPerms {
						w.relay, w.who = directory.Unset, ""
					}
					if c.AnonymousRelay != w.relay || c.RelayGrantedTo != w.who {
						t.Errorf("%s: relay %v granted to %q, want %v %q", c.Name, c.AnonymousRelay, c.RelayGrantedTo, w.relay, w.who)
					}
				}
				want := directory.ReceiveConnector{Name: "Open", Server: "EX02", DN: "CN=Open" + connBase, FQDN: "ex02.corp.example",
					Bindings: []string{"0.0.0.0:25", "[::]:25"}, RemoteIPRanges: []string{"10.0.0.0/24"}}
				if !tt.noPerms {
					want.AnonymousRelay, want.RelayGrantedTo = directory.True, anonShown
				}
				if d := cmp.Diff(want, snap.Org.ReceiveConnectors[0], cmpopts.EquateEmpty()); d != "" {
					t.Errorf("connector (-want +got):\n%s", d)
				}
				var gaps []string
				for _, g := range snap.Coverage.Gaps {
					if g.What == directory.CoverRecipientFilter || g.What == directory.CoverReceiveConnectors {
						gaps = append(gaps, g.What+" "+g.Object+" "+g.Reason)
					}
				}
				wantGaps := append([]string{}, tt.wantGaps...)
				if !tt.noPerms {
					wantGaps = append(wantGaps, "receive-connectors CN=LocalizedNoSID"+connBase+" ",
						"receive-connectors CN=Unknown"+connBase+" ReceiveConnectorPermission has no row for the connector")
				}
				if len(gaps) != len(wantGaps) {
					t.Fatalf("gaps %q, want %q", gaps, wantGaps)
				}
				for i := range gaps {
					// Object is "" for file-wide gaps; compare without it.
					got := strings.Replace(gaps[i], "  ", " ", 1)
					if !strings.HasPrefix(got, wantGaps[i]) {
						t.Errorf("gap %q, want it to start with %q", got, wantGaps[i])
					}
				}
			})
		}
	}
}

// TestExportHygieneOnline: an Exchange Online export has neither file and
// loses nothing by it: no gap, the settings stay not read.
func TestExportHygieneOnline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := exotest.Shape(demoSnapshot(t), true).WriteExport(dir, exotest.JSON); err != nil {
		t.Fatal(err)
	}
	snap, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Org.RecipientFilter != nil || snap.Org.ReceiveConnectors != nil {
		t.Errorf("recipient filter %+v, connectors %+v: want not read", snap.Org.RecipientFilter, snap.Org.ReceiveConnectors)
	}
	for _, g := range snap.Coverage.Gaps {
		if g.What == directory.CoverRecipientFilter || g.What == directory.CoverReceiveConnectors {
			t.Errorf("unexpected gap %+v", g)
		}
	}
}

func TestExportHygieneErrors(t *testing.T) {
	t.Parallel()
	runExportErrors(t, []exportErrorCase{
		{"two filter configurations", exotest.JSON, func(t *testing.T, dir string) {
			writeObjects(t, dir, exchange.FileRecipientFilterConfig, exotest.JSON, filterCols, []map[string]any{filterObj(true, true, true), filterObj(true, true, true)})
		}, []string{"RecipientFilterConfig.json element 2", "2 objects"}},
		{"bad boolean in filter", exotest.CSV, func(t *testing.T, dir string) {
			o := filterObj(true, true, true)
			o["RecipientValidationEnabled"] = "sometimes"
			writeObjects(t, dir, exchange.FileRecipientFilterConfig, exotest.CSV, filterCols, []map[string]any{o})
		}, []string{"RecipientFilterConfig.csv line 3", `RecipientValidationEnabled: expected true or false, got "sometimes"`}},
		{"connector without name", exotest.JSON, func(t *testing.T, dir string) {
			o := connObj("X")
			o["Name"] = nil
			writeObjects(t, dir, exchange.FileReceiveConnector, exotest.JSON, connCols, []map[string]any{o})
		}, []string{"ReceiveConnector.json element 1", "Name is empty"}},
		{"truncated connectors", exotest.JSON, func(t *testing.T, dir string) {
			truncate(t, filepath.Join(dir, "ReceiveConnector.json"))
		}, []string{"ReceiveConnector.json", "ends in the middle of the JSON"}},
		{"permission without Deny", exotest.CSV, func(t *testing.T, dir string) {
			writeObjects(t, dir, exchange.FileReceiveConnector, exotest.CSV, connCols, []map[string]any{connObj("Relay")})
			p := perm("Relay", `NT AUTHORITY\ANONYMOUS LOGON`, "", false, false)
			delete(p, "Deny")
			writeObjects(t, dir, exchange.FileReceiveConnectorPermission, exotest.CSV, permCols, []map[string]any{p})
		}, []string{"ReceiveConnectorPermission.csv line 3", `object "EX02\\Relay"`, "Deny is not set"}},
		{"permission row without connector", exotest.JSON, func(t *testing.T, dir string) {
			writeObjects(t, dir, exchange.FileReceiveConnectorPermission, exotest.JSON, permCols, []map[string]any{{"User": "Everyone", "Deny": false}})
		}, []string{"ReceiveConnectorPermission.json element 1", "does not say which receive connector"}},
	})
}

// TestExportHygieneStrayPermission: a permission row for a connector that
// is not in ReceiveConnector (removed between the two cmdlets) is a gap,
// and the connectors that are there are still judged.
func TestExportHygieneStrayPermission(t *testing.T) {
	t.Parallel()
	dir := writeDemoExport(t, exotest.JSON)
	writeObjects(t, dir, exchange.FileReceiveConnector, exotest.JSON, connCols, []map[string]any{connObj("Relay")})
	writeObjects(t, dir, exchange.FileReceiveConnectorPermission, exotest.JSON, permCols, []map[string]any{
		perm("Gone", "Everyone", "", false, false),
		perm("Relay", `NT AUTHORITY\ANONYMOUS LOGON`, "", false, false),
	})
	snap, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c := snap.Org.ReceiveConnectors; len(c) != 1 || c[0].AnonymousRelay != directory.True {
		t.Errorf("connectors %+v, want Relay open", c)
	}
	var found bool
	for _, g := range snap.Coverage.Gaps {
		if g.What == directory.CoverReceiveConnectors && g.Object == "CN=Gone"+connBase && strings.Contains(g.Reason, "not in ReceiveConnector") {
			found = true
		}
	}
	if !found {
		t.Errorf("no gap for the stray row: %+v", snap.Coverage.Gaps)
	}
}
