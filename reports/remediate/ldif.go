package remediate

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"dgaudit/directory"
	"dgaudit/reports"
)

// LDIF writes an LDIF change file (changetype: modify) that sets the AD
// attributes behind the selected findings, for organizations without the
// Exchange tools: ldifde -i -f fix.ldf, or ldapmodify -f fix.ldf. Cloud
// groups (onPremises) are listed as comments.
func LDIF(w io.Writer, rep *reports.ReadReport, sel Selection) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# dgaudit remediation (LDIF), from the report of %s audited %s by %s.\n",
		comment(rep.Source), rep.AuditedAt.UTC().Format("2006-01-02 15:04Z"), comment(rep.Tool))
	bw.WriteString("# Review before importing: ldifde -i -f FILE, or ldapmodify -f FILE.\nversion: 1\n")
	writeOrgReview(bw, orgFindings(rep, sel), false)
	for _, p := range plans(rep, sel) {
		g := p.group
		fmt.Fprintf(bw, "\n# %s <%s> (%s, score %d, %s)\n", comment(g.Name), comment(g.Mail), comment(string(g.Kind)), g.Score, comment(string(g.Risk)))
		for _, n := range p.notes {
			fmt.Fprintf(bw, "# NOTE: %s\n", comment(n))
		}
		for _, f := range p.manual {
			fmt.Fprintf(bw, "# review by hand: [%s] %s: %s\n", comment(f.Severity.String()), comment(f.Rule), comment(f.Message))
		}
		if len(p.changes) == 0 {
			continue
		}
		if !onPremises(rep, g) && g.DirSynced {
			// The report names the Exchange Online copy, so there is no
			// on-premises DN to write a record for; the attributes still
			// tell the admin what to set on the object that is synchronized.
			bw.WriteString("# synchronized from on-premises Active Directory, whose DN for it this report does not have:\n" +
				"# set these attributes on its on-premises object (or run the PowerShell script's line on premises)\n")
			for _, c := range p.changes {
				fmt.Fprintf(bw, "# %s %s answers:\n", c.attr, ldifBool(c.value))
				writeAnswers(bw, c.answers)
				writeAuthEffect(bw, c)
			}
			continue
		}
		if !onPremises(rep, g) {
			bw.WriteString("# no on-premises Active Directory object to modify (a cloud group): change it with the PowerShell script\n")
			continue
		}
		for _, c := range p.changes {
			fmt.Fprintf(bw, "# %s %s answers:\n", c.attr, ldifBool(c.value))
			writeAnswers(bw, c.answers)
			writeAuthEffect(bw, c)
		}
		bw.WriteString(ldifLine("dn", g.DN))
		bw.WriteString("changetype: modify\n")
		for _, c := range p.changes {
			fmt.Fprintf(bw, "replace: %s\n%s: %s\n-\n", c.attr, c.attr, ldifBool(c.value))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("ldif: write changes: %w", err)
	}
	return nil
}

// onPremises reports whether g is an object of an on-premises Active
// Directory, the only directory an LDIF file can change. A report from
// Exchange Online or Graph, or a DN in Microsoft's datacenter directory
// (Exchange Online DNs end in OU=Microsoft Exchange Hosted
// Organizations,DC=...,DC=PROD,DC=OUTLOOK,DC=COM, and a cmdlet export does
// not say where it came from), names a cloud group: a record for it would
// target a directory no customer can write to.
func onPremises(rep *reports.ReadReport, g *reports.ReadGroup) bool {
	if g.DN == "" || g.Kind == directory.Microsoft365 {
		return false
	}
	src := strings.ToLower(rep.Source)
	if strings.HasPrefix(src, "exchange-online:") || strings.HasPrefix(src, "graph:") {
		return false
	}
	dn := strings.ToLower(g.DN)
	return !strings.Contains(dn, "ou=microsoft exchange hosted organizations") && !strings.HasSuffix(dn, "dc=outlook,dc=com")
}

func ldifBool(v bool) string {
	if v {
		return "TRUE"
	}
	return "FALSE"
}

// ldifLine writes attr: value, or attr:: base64 when the value is not an
// RFC 2849 safe string (a line break in a DN would otherwise start a new
// attribute line of the attacker's choosing).
func ldifLine(attr, v string) string {
	if safeString(v) {
		return attr + ": " + v + "\n"
	}
	return attr + ":: " + base64.StdEncoding.EncodeToString([]byte(v)) + "\n"
}

func safeString(v string) bool {
	if v == "" {
		return true
	}
	if strings.ContainsAny(v[:1], " :<") || strings.HasSuffix(v, " ") {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c > 0x7f {
			return false
		}
	}
	return true
}
