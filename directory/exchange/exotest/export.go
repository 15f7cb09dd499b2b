package exotest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"dgaudit/directory/exchange"
)

// Format is an export file format.
type Format string

// Export formats: what ConvertTo-Json and Export-Csv write.
const (
	JSON Format = "json"
	CSV  Format = "csv"
)

// ExportedAt is the manifest time WriteExport writes.
var ExportedAt = time.Date(2025, time.March, 14, 9, 30, 0, 0, time.UTC)

// exportFiles maps the list cmdlets to their export file names.
var exportFiles = map[string]string{
	exchange.CmdDistributionGroup:        exchange.FileDistributionGroup,
	exchange.CmdDynamicDistributionGroup: exchange.FileDynamicDistributionGroup,
	exchange.CmdUnifiedGroup:             exchange.FileUnifiedGroup,
	exchange.CmdRecipient:                exchange.FileRecipient,
	exchange.CmdMailContact:              exchange.FileMailContact,
	exchange.CmdMailUser:                 exchange.FileMailUser,
	exchange.CmdAcceptedDomain:           exchange.FileAcceptedDomain,
	exchange.CmdRemoteDomain:             exchange.FileRemoteDomain,
}

// WriteExport writes the organization into dir as
// scripts/Export-DgauditData.ps1 would: one file per cmdlet, GroupMember
// with the group columns, and Manifest.json. JSON files carry a UTF-8 byte
// order mark, as Windows PowerShell's Out-File -Encoding UTF8 writes.
func (o *Org) WriteExport(dir string, f Format) error {
	env := exchange.EnvOnPremises
	if o.Online {
		env = exchange.EnvExchangeOnline
	}
	man, err := json.MarshalIndent(map[string]any{"Environment": env, "Organization": o.Name, "ExportedAt": ExportedAt, "Script": "Export-DgauditData.ps1"}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, exchange.FileManifest+".json"), man, 0o644); err != nil {
		return err
	}
	for cmdlet, base := range exportFiles {
		if err := writeFile(filepath.Join(dir, base+"."+string(f)), o.Cmdlets[cmdlet], f); err != nil {
			return err
		}
	}
	var rows []Object
	for _, id := range o.GroupOrder {
		members, ok := o.Members[id]
		if !ok {
			continue
		}
		g := o.group(id)
		groupCols := Object{
			"GroupGuid": g["Guid"], "GroupExternalDirectoryObjectId": g["ExternalDirectoryObjectId"],
			"GroupPrimarySmtpAddress": g["PrimarySmtpAddress"], "GroupIdentity": g["Identity"],
		}
		if len(members) == 0 {
			rows = append(rows, groupCols)
		}
		for _, m := range members {
			row := Object{}
			for k, v := range m {
				row[k] = v
			}
			for k, v := range groupCols {
				row[k] = v
			}
			rows = append(rows, row)
		}
	}
	return writeFile(filepath.Join(dir, exchange.FileGroupMember+"."+string(f)), rows, f)
}

// group returns a group's list-cmdlet object.
func (o *Org) group(id string) Object {
	for _, c := range []string{exchange.CmdDistributionGroup, exchange.CmdDynamicDistributionGroup, exchange.CmdUnifiedGroup} {
		for _, g := range o.Cmdlets[c] {
			if g["Guid"] == id || g["ExternalDirectoryObjectId"] == id {
				return g
			}
		}
	}
	return nil
}

func writeFile(path string, objs []Object, f Format) error {
	if objs == nil {
		objs = []Object{}
	}
	if f == JSON {
		b, err := json.MarshalIndent(objs, "", "    ")
		if err != nil {
			return err
		}
		return os.WriteFile(path, append([]byte("\xEF\xBB\xBF"), b...), 0o644)
	}
	cols := map[string]bool{}
	for _, o := range objs {
		for k := range o {
			cols[k] = true
		}
	}
	header := make([]string, 0, len(cols))
	for k := range cols {
		header = append(header, k)
	}
	slices.Sort(header)
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "#TYPE Selected.System.Management.Automation.PSCustomObject")
	w := csv.NewWriter(out)
	w.Write(header)
	for _, o := range objs {
		row := make([]string, len(header))
		for i, k := range header {
			row[i] = cell(o[k])
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// cell formats a value as Export-Csv does after the script joined the
// multi-valued properties with ";".
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "True"
		}
		return "False"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ";")
	}
	return fmt.Sprint(v)
}
