package exchange_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dgaudit/directory"
	"dgaudit/directory/exchange"
	"dgaudit/directory/exchange/exotest"
)

// writeDemoExport writes the demo organization as an on-premises export.
func writeDemoExport(t *testing.T, f exotest.Format) string {
	t.Helper()
	dir := t.TempDir()
	if err := exotest.Shape(demoSnapshot(t), false).WriteExport(dir, f); err != nil {
		t.Fatal(err)
	}
	return dir
}

// exportErrorCase edits the demo's export so that reading it must fail with
// an error that says every one of substr.
type exportErrorCase struct {
	name   string
	format exotest.Format
	edit   func(t *testing.T, dir string)
	substr []string
}

func runExportErrors(t *testing.T, tests []exportErrorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeDemoExport(t, tt.format)
			tt.edit(t, dir)
			_, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tt.substr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestExportErrors(t *testing.T) {
	t.Parallel()
	runExportErrors(t, []exportErrorCase{
		{"truncated JSON", exotest.JSON, func(t *testing.T, dir string) {
			truncate(t, filepath.Join(dir, "DistributionGroup.json"))
		}, []string{"DistributionGroup.json", "ends in the middle of the JSON"}},
		{"syntax error", exotest.JSON, func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "Recipient.json"), `"Name":`, `"Name" `, 3)
		}, []string{"Recipient.json: element 1 at line", "invalid character"}},
		{"not an array of objects", exotest.JSON, func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "RemoteDomain.json"), []byte(`["Default"]`), 0o644)
		}, []string{"RemoteDomain.json: element 1", "expected an object"}},
		{"bad boolean", exotest.JSON, func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "DistributionGroup.json"), `"ReportToOriginatorEnabled": true`, `"ReportToOriginatorEnabled": "maybe"`, 1)
		}, []string{"DistributionGroup.json element 1 at line 2", `object "reseller-updates@corp.example"`, "ReportToOriginatorEnabled: expected true or false, got \"maybe\""}},
		{"unknown OOF type", exotest.JSON, func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "RemoteDomain.json"), `"AllowedOOFType": "External"`, `"AllowedOOFType": 0`, 1)
		}, []string{"RemoteDomain.json element 1", "AllowedOOFType is \"0\""}},
		{"missing required file", exotest.JSON, func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "GroupMember.json"))
		}, []string{"GroupMember.json or GroupMember.csv is missing", "Get-DistributionGroupMember"}},
		{"both formats", exotest.JSON, func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "Recipient.csv"), []byte("Name\n"), 0o644)
		}, []string{"both Recipient.csv and Recipient.json are present"}},
		{"CSV with type names", exotest.CSV, func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "DistributionGroup.csv"), "SMTP:partner-announcements@corp.example;smtp:partner-announcements@contoso-corp.mail.onmicrosoft.com", "System.Collections.ArrayList", 1)
		}, []string{"DistributionGroup.csv line ", "EmailAddresses", "System.Collections.ArrayList", "without joining multi-valued properties"}},
		{"CSV bad quoting", exotest.CSV, func(t *testing.T, dir string) {
			f, _ := os.OpenFile(filepath.Join(dir, "MailContact.csv"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("\"unterminated,\"x\n")
			f.Close()
		}, []string{"MailContact.csv line 188 column"}},
		{"member row without group", exotest.CSV, func(t *testing.T, dir string) {
			path := filepath.Join(dir, "GroupMember.csv")
			b, _ := os.ReadFile(path)
			header := strings.Split(strings.Split(string(b), "\n")[1], ",")
			row := make([]string, len(header))
			for i, h := range header {
				if h == "PrimarySmtpAddress" {
					row[i] = "x@corp.example"
				}
			}
			os.WriteFile(path, append(b, []byte(strings.Join(row, ",")+"\n")...), 0o644)
		}, []string{"GroupMember.csv line ", "does not say which group it belongs to"}},
		{"group without ID", exotest.JSON, func(t *testing.T, dir string) {
			replace(t, filepath.Join(dir, "DistributionGroup.json"), `"Guid": "005b038f-d1f6-4bbf-b8c1-81a30d0ab261"`, `"Guid": null`, 1)
		}, []string{"DistributionGroup.json element", "no Guid or ExternalDirectoryObjectId"}},
	})
}

// TestExportOptionalFiles: an export without the optional files still
// reads, and says what it is missing.
func TestExportOptionalFiles(t *testing.T) {
	t.Parallel()
	dir := writeDemoExport(t, exotest.JSON)
	for _, f := range []string{"RemoteDomain.json", "AcceptedDomain.json", "DynamicDistributionGroup.json", "MailContact.json", "Manifest.json"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	gaps := map[string]string{}
	for _, g := range snap.Coverage.Gaps {
		gaps[g.What] = g.Reason
	}
	// A -Format Csv export has .csv files, so the reason names both forms.
	for w, reason := range map[string]string{
		directory.CoverRemoteDomains:   "RemoteDomain.json or RemoteDomain.csv is not in the export (the output of Get-RemoteDomain)",
		directory.CoverAcceptedDomains: "AcceptedDomain.json or AcceptedDomain.csv is not in the export",
		"dynamic-groups":               "DynamicDistributionGroup.json or DynamicDistributionGroup.csv is not in the export",
	} {
		if !strings.Contains(gaps[w], reason) {
			t.Errorf("gap for %s is %q, want %q", w, gaps[w], reason)
		}
	}
	if _, ok := gaps["contacts"]; ok {
		t.Errorf("MailContact.json is optional (Recipient holds the contacts), yet a gap was recorded")
	}
	if len(snap.Contacts) != 185 {
		t.Errorf("%d contacts from Recipient.json, want the demo's 185", len(snap.Contacts))
	}
	// Without a manifest the environment is guessed from the objects: the
	// on-premises export has no ExternalDirectoryObjectId, so IDs are Guids.
	if snap.Groups[0].ID != "005b038f-d1f6-4bbf-b8c1-81a30d0ab261" {
		t.Errorf("first group ID %q, want the demo's Guid", snap.Groups[0].ID)
	}
}

// TestExportSingleObject: ConvertTo-Json writes one result as a bare object
// and no result as nothing at all.
func TestExportSingleObject(t *testing.T) {
	t.Parallel()
	dir := writeDemoExport(t, exotest.JSON)
	os.WriteFile(filepath.Join(dir, "RemoteDomain.json"), []byte("\xEF\xBB\xBF{\"Name\":\"Default\",\"DomainName\":\"*\",\"AllowedOOFType\":\"None\",\"AutoReplyEnabled\":false}"), 0o644)
	os.WriteFile(filepath.Join(dir, "MailUser.json"), nil, 0o644)
	snap, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []directory.RemoteDomain{{Name: "Default", DomainPattern: "*", AllowedOOFType: directory.OOFNone, AutoReplyEnabled: directory.False}}
	if len(snap.Org.RemoteDomains) != 1 || snap.Org.RemoteDomains[0] != want[0] {
		t.Errorf("remote domains = %+v, want %+v", snap.Org.RemoteDomains, want)
	}
}

func truncate(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
}

func replace(t *testing.T, path, old, nw string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, nw, n)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExportGuessesOnline: without a manifest, an Exchange Online export is
// recognised by its ExternalDirectoryObjectIds, which then become the IDs.
func TestExportGuessesOnline(t *testing.T) {
	t.Parallel()
	want := demoSnapshot(t)
	dir := t.TempDir()
	if err := exotest.Shape(want, true).WriteExport(dir, exotest.CSV); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "Manifest.json")); err != nil {
		t.Fatal(err)
	}
	got, err := exchange.Export{Dir: dir}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, want, got)
}
