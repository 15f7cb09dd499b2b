package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"dgaudit/audit"
	"dgaudit/directory"
	"dgaudit/reports"
)

func (a *app) diffCmd() *cobra.Command {
	var outputs []string
	cmd := &cobra.Command{
		Use:   "diff A.json B.json",
		Short: "Compare two snapshots or two reports of the same organization",
		Long: `diff compares two snapshots (from 'dgaudit collect') or two JSON reports of the same
organization: on-premises Active Directory against Exchange Online, or before and after a
change. It lists groups present on one side only, settings that differ and membership
differences (direct members for snapshots, external recipients for reports). Groups are
paired by object ID; when no ID appears on both sides (objectGUID against Entra object
IDs) they are paired by primary SMTP address, and the output says which was used.

A group whose membership or settings one side could not read is not compared on that
part (missing members are not reported as removed); the notes name it and each side's
coverage gaps, and diff exits 4 (completed with gaps) when either side has gaps or a
group could not be compared.`,
		Example: `  dgaudit diff onprem.snapshot.json online.snapshot.json -o drift.xlsx
  dgaudit diff monday.json tuesday.json -o -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("diff takes two files, A and B, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			type out struct{ path, format string }
			var outs []out
			stdout := 0
			for _, p := range outputs {
				format := "json"
				if p != "-" {
					format = strings.TrimPrefix(strings.ToLower(filepath.Ext(p)), ".")
					if format != "json" && format != "xlsx" && format != "csv" {
						return usagef("-o %s: cannot tell the format from the extension (want .json, .xlsx or .csv)", p)
					}
					if err := checkTargetDir(p); err != nil {
						return usagef("-o %s: %v", p, err)
					}
				} else if stdout++; stdout > 1 {
					return usagef("-o - given more than once")
				}
				outs = append(outs, out{p, format})
			}
			sa, err := a.diffSide(cmd, args[0])
			if err != nil {
				return err
			}
			sb, err := a.diffSide(cmd, args[1])
			if err != nil {
				return err
			}
			if sa.Kind != sb.Kind {
				return usagef("%s is a %s and %s a %s: compare two snapshots or two reports", args[0], sa.Kind, args[1], sb.Kind)
			}
			res := audit.CompareDrift(sa, sb)
			targets := make([]reportTarget, len(outs))
			for i, o := range outs {
				targets[i] = reportTarget{path: o.path, format: o.format, write: func(w io.Writer) error { return reports.WriteDiff(w, o.format, res) }}
			}
			// The summary lists the reports as written, so it is printed
			// only when they were.
			if err := writeReports(targets, a.stdout); err != nil {
				return err
			}
			a.printDiffSummary(res, outputs)
			if res.Incomplete() {
				// As for an audit: a comparison missing data must never
				// look like a clean one.
				return resultError{exitGaps}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "write the comparison; format from the extension: .xlsx, .json, .csv; - is JSON on stdout (repeatable)")
	return cmd
}

// diffSide reads a file as a report if it is one, else as a snapshot.
func (a *app) diffSide(cmd *cobra.Command, path string) (*audit.DriftSide, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	rep, err := reports.ReadJSON(f)
	f.Close()
	if err == nil {
		return sideFromReport(path, rep), nil
	}
	if !errors.Is(err, reports.ErrNotReport) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	snap, serr := directory.File{Path: path}.Snapshot(cmd.Context())
	if serr != nil {
		if looksLikeSnapshot(path) {
			// The report reader took it for a snapshot: what is wrong is the
			// snapshot, and "neither a report ... nor a snapshot" would
			// contradict itself. The error names the file.
			return nil, serr
		}
		return nil, fmt.Errorf("read %s: neither a report (%v) nor a snapshot: %w", path, err, serr)
	}
	return audit.DriftSideOfSnapshot(path, snap), nil
}

// looksLikeSnapshot tells a snapshot from a report by its first keys, as
// reports.ReadJSON does: a report names its tool before the keys only a
// snapshot has. Only the head of the file is read, so a snapshot that is
// truncated or broken further on is still known for one.
func looksLikeSnapshot(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case "tool":
			return false
		case "collectedAt", "collector", "users", "contacts":
			return true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// sideFromReport builds a side from a report. Reports do not list members,
// only the external recipients each group reaches, which is what is compared.
func sideFromReport(label string, rep *reports.ReadReport) *audit.DriftSide {
	side := &audit.DriftSide{Label: label, Kind: "report", MembersAre: "external recipients", Gaps: rep.Gaps}
	for _, g := range rep.Groups {
		st := g.Settings
		ext := make([]string, 0, len(g.ExternalRecipients))
		for _, e := range g.ExternalRecipients {
			ext = append(ext, strings.ToLower(e.Address))
		}
		values := audit.DriftValues(
			[]audit.Setting{st.RequireSenderAuth, st.ReportToOriginator, st.ReportToManager, st.OOFToOriginator, st.Moderation},
			audit.DriftCounts(st.DeliveryReportsTo, st.AcceptOnlyFrom, st.RejectFrom, st.Owners)...)
		if g.SettingsUnknown {
			values = audit.DriftUnknown(values)
		}
		side.Groups = append(side.Groups, audit.DriftGroup{
			ID: g.ID, Name: g.Name, Mail: g.Mail, Kind: string(g.Kind),
			Settings: values,
			Members:  ext,
			// Only an unread membership makes the external recipients a
			// lower bound; unread settings leave them whole.
			MembersUnknown:  g.MembersUnread(),
			SettingsUnknown: g.SettingsUnknown,
		})
	}
	return side
}

func (a *app) printDiffSummary(r *audit.Drift, outputs []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "\ndgaudit: compared %s (%s, %d groups) with %s (%s, %d groups), paired by %s\n",
		printable(r.A.Label), r.A.Kind, r.A.Groups, printable(r.B.Label), r.B.Kind, r.B.Groups, r.MatchedBy)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", printable(n))
	}
	fmt.Fprintf(&b, "paired: %d (%d without differences); only in A: %d; only in B: %d; settings differing: %d; membership differing: %d groups\n",
		r.Matched, r.Same, len(r.OnlyInA), len(r.OnlyInB), len(r.Settings), len(r.Members))
	list := func(label string, gs []audit.DriftGroupRef) {
		for i, g := range gs {
			if i == 5 {
				fmt.Fprintf(&b, "  ... and %d more\n", len(gs)-5)
				break
			}
			fmt.Fprintf(&b, "  %s: %s <%s>\n", label, printable(g.Name), printable(g.Mail))
		}
	}
	list("only in A", r.OnlyInA)
	list("only in B", r.OnlyInB)
	for i, s := range r.Settings {
		if i == 10 {
			fmt.Fprintf(&b, "  ... and %d more settings\n", len(r.Settings)-10)
			break
		}
		fmt.Fprintf(&b, "  %s <%s>: %s %s -> %s\n", printable(s.Group.Name), printable(s.Group.Mail), s.Setting, printable(s.A), printable(s.B))
	}
	for i, m := range r.Members {
		if i == 5 {
			fmt.Fprintf(&b, "  ... and %d more groups with membership differences\n", len(r.Members)-5)
			break
		}
		fmt.Fprintf(&b, "  %s <%s>: %s only in A %d, only in B %d\n", printable(m.Group.Name), printable(m.Group.Mail), r.MembersCompared, len(m.OnlyInA), len(m.OnlyInB))
	}
	if len(outputs) == 0 {
		b.WriteString("reports: none written (add -o drift.xlsx -o drift.json)\n")
	}
	for _, o := range outputs {
		fmt.Fprintf(&b, "report: %s\n", printable(o))
	}
	if r.Incomplete() {
		fmt.Fprintf(&b, "exit %d: compared with gaps; what a side could not read is neither a difference nor a match\n", exitGaps)
	}
	fmt.Fprint(a.stderr, b.String())
}
