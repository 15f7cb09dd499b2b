package reports

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"dgaudit/audit"
	"dgaudit/directory"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// checkGolden compares got with testdata/golden/name, or rewrites the file
// when -update is given.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", name, cmp.Diff(string(want), string(got)))
	}
}

var errBroken = errors.New("disk on fire")

// brokenWriter accepts limit bytes and then fails, to test errors both at
// the first write and in the middle of a stream.
type brokenWriter struct {
	limit, n int
}

func (w *brokenWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		k := w.limit - w.n
		w.n = w.limit
		return k, errBroken
	}
	w.n += len(p)
	return len(p), nil
}

var (
	collected = time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC)
	// Audited in another zone, to check that reports write UTC.
	audited = time.Date(2026, 3, 2, 8, 31, 5, 0, time.FixedZone("CET", 3600))
)

func setting(name, attr, value, source string) audit.Setting {
	return audit.Setting{Name: name, Attribute: attr, Value: value, Source: source}
}

var (
	authOpen      = setting("RequireSenderAuthenticationEnabled", "msExchRequireAuthToSendTo", "false", audit.SourceDefault)
	authOpenSet   = setting("RequireSenderAuthenticationEnabled", "msExchRequireAuthToSendTo", "false", audit.SourceSet)
	rtoOn         = setting("ReportToOriginatorEnabled", "reportToOriginator", "true", audit.SourceSet)
	rtmOff        = setting("ReportToManagerEnabled", "reportToOwner", "false", audit.SourceDefault)
	oofOn         = setting("SendOofMessageToOriginatorEnabled", "oOFReplyToOriginator", "true", audit.SourceSet)
	moderationOff = setting("ModerationEnabled", "msExchEnableModeration", "false", audit.SourceDefault)
	remoteOOF     = setting("AllowedOOFType", "msExchRoutingAcceptMessageType", "external", audit.SourceDefault)
	autoReply     = setting("AutoReplyEnabled", "msExchRoutingAcceptMessageType", "true", audit.SourceDefault)
)

// testReport is a small report that exercises every writer path: four groups
// in four bands, an organization finding, hostile names from the directory,
// external recipients reached directly, through nesting and blocked by a
// nested group, a group without findings or DN, and a coverage gap.
func testReport() *audit.Report {
	partner := audit.ExternalRecipient{ID: "c-0001", Name: "Partner Support", Address: "support@partner.example", Domain: "partner.example", Kind: "contact"}
	vendor := audit.ExternalRecipient{ID: "u-0002", Name: "Vendor Desk", Address: "desk@vendor.example", Domain: "vendor.example", Kind: "mail-user", Via: []string{"Partners", "Vendors"}}
	hostile := audit.ExternalRecipient{ID: "c-0003", Name: "@SUM(A1)", Address: "+1@evil.example", Domain: "-2+3.example", Kind: "contact", Via: []string{"-Nested\tTab"}}
	listBot := audit.ExternalRecipient{ID: "c-0004", Name: "List Bot", Address: "list@lists.example", Domain: "lists.example", Kind: "contact", Via: []string{"Secure Subgroup"}, BlockedBy: "Secure Subgroup"}
	ref := func(e audit.ExternalRecipient) audit.MemberRef {
		return audit.MemberRef{ID: e.ID, Name: e.Name, Address: e.Address, Kind: e.Kind, Via: e.Via}
	}
	find := func(rule string, sev audit.Severity, title, msg string, ev audit.Evidence, adjust int) audit.Finding {
		return audit.Finding{Rule: rule, Severity: sev, Title: title, Message: msg, Evidence: ev, Adjust: adjust}
	}
	const (
		ndrTitle   = "Open group with external members sends delivery reports to the originator (NDR loop)"
		oofTitle   = "Open group with external members lets out-of-office replies flow back (OOF storm)"
		openTitle  = "Group accepts mail from unauthenticated outside senders"
		extTitle   = "Group reaches external recipients"
		blastTitle = "One message to the group reaches many recipients"
		rtoTitle   = "Delivery reports go to the message originator"
		listTitle  = "An external member looks like a mailing list"
		unresTitle = "Membership could not be fully read"
		orgTitle   = "Out-of-office replies may leave the organization"
	)
	return &audit.Report{
		SchemaVersion: audit.ReportSchemaVersion,
		Source:        "ldap://dc01.corp.example.com",
		CollectedAt:   collected,
		AuditedAt:     audited,
		Coverage: directory.Coverage{
			Read: []directory.ReadCount{
				{What: "groups", Count: 4, Source: "dc01.corp.example.com"},
				{What: "users", Count: 1240, Source: "dc01.corp.example.com"},
				{What: "contacts", Count: 4, Source: "dc01.corp.example.com"},
				{What: "accepted-domains", Count: 2},
				{What: "remote-domains", Count: 1},
			},
			Gaps: []directory.Gap{{What: "group members", Object: "CN=Legacy DL,OU=Groups,DC=corp,DC=example,DC=com", Reason: "insufficient access rights"}},
		},
		Complete: false,
		Summary: audit.Summary{
			Groups:   4,
			ByBand:   map[audit.Band]int{audit.BandCritical: 1, audit.BandHigh: 1, audit.BandMedium: 1, audit.BandLow: 0, audit.BandNone: 1},
			Findings: 12,
			ByRule: map[string]int{
				"external-member-is-list": 1, "external-members": 2, "external-oof-allowed": 1, "large-blast-radius": 1,
				"ndr-loop-risk": 1, "oof-storm-risk": 2, "open-to-external-senders": 2, "reports-to-originator": 1,
				"unresolved-members": 1,
			},
			BySeverity:         map[audit.Severity]int{audit.Info: 1, audit.Low: 4, audit.Medium: 4, audit.High: 2, audit.Critical: 1},
			ExternalRecipients: 4,
			Gaps:               1,
		},
		OrgFindings: []audit.Finding{
			find("external-oof-allowed", audit.Low, orgTitle,
				"the Default remote domain (*) sends out-of-office replies to every other domain (AllowedOOFType=external, default)",
				audit.Evidence{Settings: []audit.Setting{remoteOOF, autoReply}}, 0),
		},
		Groups: []audit.GroupResult{
			{
				ID: "0b6f2a51-0000-4000-8000-000000000001", DN: "CN=All Staff,OU=Groups,DC=corp,DC=example,DC=com",
				Name: "All Staff", Mail: "allstaff@corp.example.com", Kind: directory.Distribution,
				Score: 100, Risk: audit.BandCritical,
				DirectMembers: 14, ExpandedRecipients: 1250, ExternalMembers: 2, ExternalDirect: 1, ExternalReachable: 2, NestedGroups: 3,
				External: []audit.ExternalRecipient{partner, vendor},
				Settings: firstOwner("mailbox", audit.SettingsOf(&directory.Group{
					ReportToOriginator: directory.True, OOFToOriginator: directory.True, ManagedBy: []string{"owner"},
				})),
				Findings: []audit.Finding{
					find("ndr-loop-risk", audit.Critical, ndrTitle,
						"an outside sender's message reaches 2 external recipients and their delivery reports go back to the originator",
						audit.Evidence{Settings: []audit.Setting{authOpen, rtoOn, rtmOff}, Count: 2, Members: []audit.MemberRef{ref(vendor), ref(partner)}}, 0),
					find("oof-storm-risk", audit.High, oofTitle,
						"an outside sender's message reaches 2 external recipients, members' out-of-office replies go to the originator, and the Default remote domain lets them out",
						audit.Evidence{Settings: []audit.Setting{authOpen, oofOn, remoteOOF}, Count: 2, Members: []audit.MemberRef{ref(vendor), ref(partner)}}, 0),
					find("open-to-external-senders", audit.Medium, openTitle,
						"anyone on the Internet can send to allstaff@corp.example.com",
						audit.Evidence{Settings: []audit.Setting{authOpen, moderationOff}}, 0),
					find("external-members", audit.Low, extTitle,
						"reaches 2 external recipients at partner.example (1), vendor.example (1)",
						audit.Evidence{Count: 2, Members: []audit.MemberRef{ref(vendor), ref(partner)}}, 0),
					find("large-blast-radius", audit.Low, blastTitle,
						"one message reaches 1250 recipients through 3 nested groups",
						audit.Evidence{Count: 1250}, 5),
					find("reports-to-originator", audit.Info, rtoTitle,
						"delivery reports go to whoever sent the message",
						audit.Evidence{Settings: []audit.Setting{rtoOn}}, 0),
				},
			},
			{
				ID: "0b6f2a51-0000-4000-8000-000000000002", DN: "CN=Hostile,OU=Groups,DC=corp,DC=example,DC=com",
				Name: `=HYPERLINK("http://x","y")`, Mail: "-2+3@corp.example.com", Kind: directory.Distribution,
				Score: 81, Risk: audit.BandHigh,
				DirectMembers: 5, ExpandedRecipients: 40, ExternalMembers: 2, ExternalDirect: 0, ExternalReachable: 1, NestedGroups: 2,
				External: []audit.ExternalRecipient{hostile, listBot},
				Settings: firstOwner("none", audit.SettingsOf(&directory.Group{
					RequireSenderAuth: directory.False, OOFToOriginator: directory.True, RejectFrom: []string{"spammer"},
				})),
				Findings: []audit.Finding{
					find("oof-storm-risk", audit.High, oofTitle,
						"an outside sender's message reaches 1 external recipient, members' out-of-office replies go to the originator, and the Default remote domain lets them out",
						audit.Evidence{Settings: []audit.Setting{authOpenSet, oofOn, remoteOOF}, Count: 1, Members: []audit.MemberRef{ref(hostile)}}, 0),
					find("external-member-is-list", audit.Medium, listTitle,
						"@SUM(A1) and list@lists.example look like lists",
						audit.Evidence{Count: 1, Members: []audit.MemberRef{ref(listBot)}, Groups: []string{"Secure Subgroup"}}, 5),
					find("open-to-external-senders", audit.Medium, openTitle,
						"anyone on the Internet can send to -2+3@corp.example.com",
						audit.Evidence{Settings: []audit.Setting{authOpenSet, moderationOff}}, 0),
					find("external-members", audit.Low, extTitle,
						"reaches 2 external recipients at -2+3.example (1), lists.example (1)",
						audit.Evidence{Count: 2, Members: []audit.MemberRef{ref(hostile), ref(listBot)}}, 0),
				},
			},
			{
				ID: "0b6f2a51-0000-4000-8000-000000000003", DN: "CN=Finance Team,OU=Groups,DC=corp,DC=example,DC=com",
				Name: "Finance Team", Mail: "finance@corp.example.com", Kind: directory.MailSecurity,
				Score: 45, Risk: audit.BandMedium,
				DirectMembers: 9, ExpandedRecipients: 8, NestedGroups: 1, Incomplete: true, MembersIncomplete: true,
				Settings: firstOwner("group", audit.SettingsOf(&directory.Group{
					RequireSenderAuth: directory.True, AcceptOnlyFrom: []string{"ceo"}, ManagedBy: []string{"a", "b"},
				})),
				Findings: []audit.Finding{
					find("unresolved-members", audit.Medium, unresTitle,
						"the membership of Legacy DL could not be read; counts are lower bounds",
						audit.Evidence{Groups: []string{"Legacy DL"}}, 0),
				},
			},
			{
				ID:   "0b6f2a51-0000-4000-8000-000000000004",
				Name: "Quiet List", Mail: "quiet@corp.example.com", Kind: directory.Dynamic,
				Score: 0, Risk: audit.BandNone,
				ExpandedRecipients: 3,
				Settings: firstOwner("mailbox", audit.SettingsOf(&directory.Group{
					Kind: directory.Dynamic, RequireSenderAuth: directory.True, ManagedBy: []string{"owner"},
				})),
			},
		},
		Rules: []audit.RuleInfo{
			{ID: "external-member-is-list", Title: listTitle, Severity: audit.Medium, Adjust: 5, Scope: audit.ScopeGroup, Tags: []string{"modifier"},
				Why: "A list answers every message with more messages.", Fix: "Remove the list contact or require sender authentication."},
			{ID: "external-members", Title: extTitle, Severity: audit.Low, Scope: audit.ScopeGroup, Tags: []string{"precondition"},
				Why: "Mail fans out to other organizations.", Fix: "Review the external members."},
			{ID: "external-oof-allowed", Title: orgTitle, Severity: audit.Low, Scope: audit.ScopeOrganization, Tags: []string{"precondition", "organization"},
				Why: "The Default remote domain decides which out-of-office replies leave.", Fix: "Set-RemoteDomain -Identity Default -AllowedOOFType None"},
			{ID: "large-blast-radius", Title: blastTitle, Severity: audit.Low, Adjust: 5, Scope: audit.ScopeGroup, Tags: []string{"modifier"},
				Why: "Every loop is multiplied by the number of recipients.", Fix: "Split the group."},
			{ID: "ndr-loop-risk", Title: ndrTitle, Severity: audit.Critical, Scope: audit.ScopeGroup, Tags: []string{"combination"},
				Why: "All three loop preconditions at once.\nBounces go back to the originator.",
				Fix: "Set-DistributionGroup -Identity <group> -RequireSenderAuthenticationEnabled $true"},
			{ID: "oof-storm-risk", Title: oofTitle, Severity: audit.High, Scope: audit.ScopeGroup, Tags: []string{"combination"},
				Why: "Out-of-office replies flow back to outside senders.", Fix: "-SendOofMessageToOriginatorEnabled $false"},
			{ID: "open-to-external-senders", Title: openTitle, Severity: audit.Medium, Scope: audit.ScopeGroup, Tags: []string{"precondition"},
				Why: "Anyone can start a loop.", Fix: "Require sender authentication."},
			{ID: "reports-to-originator", Title: rtoTitle, Severity: audit.Info, Scope: audit.ScopeGroup, Tags: []string{"precondition"},
				Why: "Bounces go to the sender.", Fix: "Send reports to the manager."},
			{ID: "unresolved-members", Title: unresTitle, Severity: audit.Medium, Scope: audit.ScopeGroup, Tags: nil,
				Why: "Counts are lower bounds.", Fix: "Grant read access and collect again."},
		},
	}
}

// firstOwner sets what the first owner is, which SettingsOf cannot know.
func firstOwner(kind string, s audit.GroupSettings) audit.GroupSettings {
	s.FirstOwner = kind
	return s
}

// emptyReport has nothing in it, to check that every list is [] and every
// sheet still has its header.
func emptyReport() *audit.Report {
	return &audit.Report{SchemaVersion: audit.ReportSchemaVersion, Source: "snapshot.json", CollectedAt: collected, AuditedAt: audited, Complete: true}
}
