package reports

import (
	"slices"
	"strconv"
	"strings"

	"dgaudit/audit"
)

// The one-line renderings the spreadsheet formats (XLSX and CSV) share, so
// that a finding reads the same in both.

// evidenceSummary renders evidence for a single cell: each setting as
// name=value (source), then the count, the sample members and the groups.
func evidenceSummary(e audit.Evidence) string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
	}
	for _, s := range e.Settings {
		sep()
		b.WriteString(s.Name)
		b.WriteByte('=')
		b.WriteString(s.Value)
		b.WriteString(" (")
		b.WriteString(s.Source)
		b.WriteByte(')')
	}
	if e.Count > 0 {
		sep()
		b.WriteString("count=")
		b.WriteString(strconv.Itoa(e.Count))
	}
	if len(e.Members) > 0 {
		sep()
		b.WriteString("members: ")
		for i, m := range e.Members {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(memberLabel(m))
		}
	}
	if len(e.Groups) > 0 {
		sep()
		b.WriteString("groups: ")
		b.WriteString(strings.Join(e.Groups, ", "))
	}
	return b.String()
}

// memberLabel prefers the address, which is what an administrator searches
// for; objects without one (an unresolved reference) fall back to name or ID.
func memberLabel(m audit.MemberRef) string {
	switch {
	case m.Address != "":
		return m.Address
	case m.Name != "":
		return m.Name
	}
	return m.ID
}

// settingText shows a setting's value and flags an Exchange default, because
// "false (default)" and "false" call for different fixes: the first means the
// attribute is missing from the directory.
func settingText(s audit.Setting) string {
	if s.Source == audit.SourceDefault {
		return s.Value + " (default)"
	}
	return s.Value
}

// viaText is the nesting path from the audited group to the member.
func viaText(via []string) string {
	if len(via) == 0 {
		return "(direct)"
	}
	return strings.Join(via, " > ")
}

// ruleIDs lists a group's rules once each, in finding order (most severe
// first).
func ruleIDs(fs []audit.Finding) string {
	var b strings.Builder
	for i, f := range fs {
		// A group has a handful of findings, so a scan beats a map here.
		if slices.ContainsFunc(fs[:i], func(p audit.Finding) bool { return p.Rule == f.Rule }) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Rule)
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// orgGroupName stands in for the group on organization-wide findings.
const orgGroupName = "(organization)"
