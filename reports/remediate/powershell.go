package remediate

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"

	"dgaudit/directory"
	"dgaudit/reports"
)

// PowerShellOptions shape the script.
type PowerShellOptions struct {
	// Apply leaves -WhatIf off, so running the script changes the groups.
	// Without it the script only shows what it would do.
	Apply bool
}

// PowerShell writes an Exchange Management Shell script that fixes the
// selected findings. Every cmdlet line is preceded by comments naming the
// group and the findings it answers.
func PowerShell(w io.Writer, rep *reports.ReadReport, sel Selection, opt PowerShellOptions) error {
	bw := bufio.NewWriter(w)
	ps := plans(rep, sel)
	// Windows PowerShell 5.1, which the Exchange Management Shell runs on,
	// reads a script without a byte order mark in the ANSI code page: the
	// UTF-8 bytes of a name then become other characters, typographic
	// quotes among them (0x91 is U+2018 in Windows-1252), and a quoted
	// string could end early. The BOM makes it read UTF-8.
	bw.WriteString(utf8BOM)
	fmt.Fprintf(bw, "# dgaudit remediation script (Exchange PowerShell), from the report of %s audited %s by %s.\n",
		comment(rep.Source), rep.AuditedAt.UTC().Format("2006-01-02 15:04Z"), comment(rep.Tool))
	bw.WriteString("# Review every change before running it in the Exchange Management Shell or a Connect-ExchangeOnline session.\n")
	if opt.Apply {
		bw.WriteString("# Generated with --apply-script: the cmdlets below CHANGE the groups when run.\n")
	} else {
		bw.WriteString("# Every cmdlet carries -WhatIf, so running it only shows what would change;\n# regenerate with --apply-script to apply.\n")
	}
	bw.WriteString("$ErrorActionPreference = 'Stop'\n")
	org := orgFindings(rep, sel)
	if len(ps) == 0 && len(org) == 0 {
		bw.WriteString("\n# Nothing selected to fix.\n")
	}
	writeOrgReview(bw, org, true)
	whatIf := " -WhatIf"
	if opt.Apply {
		whatIf = ""
	}
	for _, p := range ps {
		g := p.group
		fmt.Fprintf(bw, "\n# %s <%s> (%s, score %d, %s)\n", comment(g.Name), comment(g.Mail), comment(string(g.Kind)), g.Score, comment(string(g.Risk)))
		cmdlet := cmdletFor(g.Kind)
		var args []string
		for _, c := range p.changes {
			if g.Kind == directory.Microsoft365 && c.param != paramAuth {
				fmt.Fprintf(bw, "# %s cannot be set on a Microsoft 365 group (Set-UnifiedGroup has no such parameter); answers:\n", c.param)
				writeAnswers(bw, c.answers)
				continue
			}
			fmt.Fprintf(bw, "# -%s $%t answers:\n", c.param, c.value)
			writeAnswers(bw, c.answers)
			writeAuthEffect(bw, c)
			args = append(args, fmt.Sprintf("-%s $%t", c.param, c.value))
		}
		for _, n := range p.notes {
			fmt.Fprintf(bw, "# NOTE: %s\n", comment(n))
		}
		if len(args) > 0 && g.Kind == directory.MailSecurity {
			// Exchange lets only the group's managers change a mail-enabled
			// security group ("can only be performed by a manager of the
			// group"), and with $ErrorActionPreference = 'Stop' that error
			// would end the script before the groups after it.
			bw.WriteString("# -BypassSecurityGroupManagerCheck: a mail-enabled security group can otherwise be changed only by its managers.\n")
			args = append(args, "-BypassSecurityGroupManagerCheck")
		}
		if len(args) > 0 && g.DirSynced {
			// Exchange Online refuses the change ("being synchronized from
			// your on-premises organization"), and with $ErrorActionPreference
			// = 'Stop' the error would end the script before the groups
			// after it. The line stays, commented, to run where it works.
			bw.WriteString("# NOT RUN: the group is synchronized from on-premises Active Directory; Exchange Online cannot change it.\n" +
				"# Change it there and let it synchronize: run the line below in the on-premises Exchange Management Shell,\n" +
				"# or set the attributes the LDIF file names on its object with an on-premises domain controller.\n")
			fmt.Fprintf(bw, "# %s -Identity %s %s%s\n", cmdlet, onPremisesIdentity(g), strings.Join(args, " "), whatIf)
		} else if len(args) > 0 {
			if id, ok := identity(g); ok {
				fmt.Fprintf(bw, "%s -Identity %s %s%s\n", cmdlet, psQuote(id), strings.Join(args, " "), whatIf)
			} else {
				bw.WriteString("# NOT RUN: the report has no object GUID for this group and no mail address or DN in printable ASCII; a non-ASCII\n" +
					"# name in a script read in another code page can turn into a quote that ends the string. Run it by hand with the\n" +
					"# group's GUID (Get-Recipient <address> | Format-List Guid):\n")
				fmt.Fprintf(bw, "# %s -Identity <GUID> %s%s\n", cmdlet, strings.Join(args, " "), whatIf)
			}
		}
		for _, f := range p.manual {
			fmt.Fprintf(bw, "# review by hand: [%s] %s: %s\n", comment(f.Severity.String()), comment(f.Rule), comment(f.Message))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("powershell: write script: %w", err)
	}
	return nil
}

// writeAuthEffect warns, under a change that requires authentication, what
// outside senders will see, so that a group that exists to receive from
// outside is not cut off unnoticed (docs/rules.md: moderate or restrict
// such a group instead).
func writeAuthEffect(bw *bufio.Writer, c change) {
	if c.param != paramAuth || !c.value {
		return
	}
	bw.WriteString("#   Outside senders then get 550 5.7.1 RESOLVER.RST.AuthRequired. If the group must receive mail from outside,\n" +
		"#   leave this off and moderate it (-ModerationEnabled $true -ModeratedBy <owner>) or restrict who may send\n" +
		"#   (-AcceptMessagesOnlyFromSendersOrMembers <senders>) instead.\n")
}

func writeAnswers(bw *bufio.Writer, fs []reports.ReadFinding) {
	for _, f := range fs {
		fmt.Fprintf(bw, "#   [%s] %s: %s\n", comment(f.Severity.String()), comment(f.Rule), comment(f.Message))
	}
}

func cmdletFor(k directory.GroupKind) string {
	switch k {
	case directory.Dynamic:
		return "Set-DynamicDistributionGroup"
	case directory.Microsoft365:
		return "Set-UnifiedGroup"
	}
	return "Set-DistributionGroup"
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

const utf8BOM = "\ufeff"

// identity is the object GUID when the ID is one (it survives renames and
// is unique), else the primary SMTP address, else the DN; ok is false when
// there is none to use. An address or DN is used only when it is printable
// ASCII: the BOM should make the shell read the script as UTF-8, but a copy
// pasted or re-saved without it would not be, and a non-ASCII byte read in
// another code page can become a quote that ends the string (psQuote doubles
// the quotes it sees, not the ones a misreading makes).
func identity(g *reports.ReadGroup) (id string, ok bool) {
	switch {
	case guidPattern.MatchString(g.ID):
		return g.ID, true
	case g.Mail != "" && printableASCII(g.Mail):
		return g.Mail, true
	case g.DN != "" && printableASCII(g.DN):
		return g.DN, true
	}
	return "", false
}

// onPremisesIdentity names a synchronized group for the on-premises shell.
// Its ID and DN are Exchange Online's (the Entra object ID is not the
// on-premises objectGUID), but the primary address is synchronized with it.
func onPremisesIdentity(g *reports.ReadGroup) string {
	if g.Mail != "" && printableASCII(g.Mail) {
		return psQuote(g.Mail)
	}
	return "<on-premises identity>"
}

// printableASCII reports whether s holds only printable ASCII characters; a
// line break inside a quoted identity stays data to PowerShell, but would
// split the one cmdlet line a reviewer reads.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// psQuote makes s a single-quoted PowerShell string literal. Inside single
// quotes PowerShell expands nothing; the only special characters are the
// quotes themselves, which are doubled. PowerShell also treats the
// typographic single quotes (U+2018 to U+201B) as quotes, so they are doubled
// too, or a name such as x’; Remove-Mailbox would end the string.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// comment makes s safe inside a one-line comment (PowerShell # or LDIF #):
// a line break would end the comment and make the rest of the name code.
// Every value from the report that reaches a comment goes through it, even
// those the reader checks, so one missed check cannot start a line. The C1
// controls go too: they include NEL, and a terminal showing the file acts
// on the others.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}
