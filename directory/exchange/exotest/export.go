package exotest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
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
	// The on-premises hygiene files exist only when Shape made them, as the
	// script writes them only on premises.
	for cmdlet, base := range map[string]string{
		exchange.CmdRecipientFilterConfig: exchange.FileRecipientFilterConfig,
		exchange.CmdReceiveConnector:      exchange.FileReceiveConnector,
		exchange.CmdADPermission:          exchange.FileReceiveConnectorPermission,
	} {
		if objs, ok := o.Cmdlets[cmdlet]; ok {
			if err := writeFile(filepath.Join(dir, base+"."+string(f)), objs, f); err != nil {
				return err
			}
		}
	}
	// Member rows are produced on the fly: a large organization has
	// millions, and each is the member's object plus the group columns.
	rows := func(yield func(Object) bool) {
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
			if len(members) == 0 && !yield(groupCols) {
				return
			}
			for _, m := range members {
				row := make(Object, len(m)+len(groupCols))
				for k, v := range m {
					row[k] = v
				}
				for k, v := range groupCols {
					row[k] = v
				}
				if !yield(row) {
					return
				}
			}
		}
	}
	return writeSeq(filepath.Join(dir, exchange.FileGroupMember+"."+string(f)), rows, f)
}

// group returns a group's list-cmdlet object.
func (o *Org) group(id string) Object { return o.byID[id] }

func writeFile(path string, objs []Object, f Format) error {
	return writeSeq(path, slices.Values(objs), f)
}

// writeSeq writes objects as a JSON array (indented like ConvertTo-Json)
// or as CSV with the union of their properties as columns, streaming.
func writeSeq(path string, objs iter.Seq[Object], f Format) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	if f == JSON {
		err = writeJSON(w, objs)
	} else {
		err = writeCSV(w, objs)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeJSON(w *bufio.Writer, objs iter.Seq[Object]) error {
	w.WriteString("\xEF\xBB\xBF[")
	n := 0
	for o := range objs {
		b, err := json.MarshalIndent(o, "    ", "    ")
		if err != nil {
			return err
		}
		if n > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n    ")
		w.Write(b)
		n++
	}
	w.WriteString("\n]\n")
	return nil
}

func writeCSV(w *bufio.Writer, objs iter.Seq[Object]) error {
	cols := map[string]bool{}
	for o := range objs {
		for k := range o {
			cols[k] = true
		}
	}
	header := slices.Sorted(maps.Keys(cols))
	fmt.Fprintln(w, "#TYPE Selected.System.Management.Automation.PSCustomObject")
	cw := csv.NewWriter(w)
	cw.Write(header)
	row := make([]string, len(header))
	for o := range objs {
		for i, k := range header {
			row[i] = cell(o[k])
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
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
