package remediate

import (
	"bufio"
	"fmt"

	"dgaudit/reports"
)

// orgFixes are the commands (from docs/rules.md) that answer each
// organization finding. The report does not carry the object a finding is
// about apart from its message, so the commands hold placeholders the
// message fills in; they change the whole organization's mail flow, so the
// script writes them commented out, for a human to complete and run one at
// a time. A rule with no entry (a collection gap) is listed with its message
// only.
var orgFixes = map[string][]string{
	"receive-connector-open-relay": {
		`Get-ADPermission -Identity "<server>\<connector>" | where {$_.ExtendedRights -like "ms-Exch-SMTP-Accept-Any-Recipient"} | ft User,Deny,IsInherited`,
		`Remove-ADPermission -Identity "<server>\<connector>" -User "NT AUTHORITY\ANONYMOUS LOGON" -ExtendedRights ms-Exch-SMTP-Accept-Any-Recipient`,
		`(-User Everyone when Everyone holds it; an inherited entry is removed on the parent container; to keep an application relay,`,
		`limit a dedicated connector instead: Set-ReceiveConnector "<server>\<connector>" -RemoteIPRanges <application addresses>)`,
	},
	"remote-domain-legacy-oof": {
		`Set-RemoteDomain -Identity <name> -AllowedOOFType External`,
	},
	"remote-domain-ndr-disabled": {
		`Set-RemoteDomain -Identity <name> -NDREnabled $true`,
	},
	"external-oof-allowed": {
		`Set-RemoteDomain -Identity Default -AllowedOOFType None`,
		`(then, for each partner that should get replies: New-RemoteDomain -Name <partner> -DomainName <partner domain>;`,
		`Set-RemoteDomain -Identity <partner> -AllowedOOFType External)`,
	},
	"internal-relay-domain": {
		`(once every recipient of the domain exists in the directory)`,
		`Set-AcceptedDomain -Identity <domain> -DomainType Authoritative`,
		`(an accepted domain "*" relays every domain and cannot be made authoritative: remove it with`,
		`Remove-AcceptedDomain -Identity <domain>, and route mail for outside domains through a send connector)`,
	},
	"recipient-validation-off": {
		`(only when Get-TransportAgent does not list the Recipient Filter Agent:`,
		`& $env:ExchangeInstallPath\Scripts\Install-AntiSpamAgents.ps1; Restart-Service MSExchangeTransport)`,
		`Set-RecipientFilterConfig -Enabled $true -ExternalMailEnabled $true -RecipientValidationEnabled $true`,
	},
}

// orgFindings are the selected organization findings. A selection by group
// names groups only, so it selects none.
func orgFindings(rep *reports.ReadReport, sel Selection) []reports.ReadFinding {
	if len(sel.Groups) > 0 {
		return nil
	}
	var out []reports.ReadFinding
	for _, f := range rep.OrgFindings {
		if sel.finding(f) {
			out = append(out, f)
		}
	}
	return out
}

// writeOrgReview writes the organization findings as a review section
// whose every line is a comment; withCommands adds the PowerShell commands
// that answer each (the LDIF points to the script instead).
func writeOrgReview(bw *bufio.Writer, fs []reports.ReadFinding, withCommands bool) {
	if len(fs) == 0 {
		return
	}
	if withCommands {
		bw.WriteString("\n# Organization-wide findings. Their fixes change mail flow for the whole organization, so the commands are\n" +
			"# commented out: review each, fill in the placeholders from the finding, and run them by hand.\n")
	} else {
		bw.WriteString("\n# Organization-wide findings, for review. Their fixes are not attributes of a group: the PowerShell script\n" +
			"# (-o FILE.ps1) lists the commands.\n")
	}
	for _, f := range fs {
		fmt.Fprintf(bw, "# review by hand: [%s] %s: %s\n", comment(f.Severity.String()), comment(f.Rule), comment(f.Message))
		if !withCommands {
			continue
		}
		cmds, ok := orgFixes[f.Rule]
		if !ok {
			bw.WriteString("#   (no command: see docs/rules.md for this rule)\n")
		}
		for _, c := range cmds {
			fmt.Fprintf(bw, "#   %s\n", c)
		}
	}
}
