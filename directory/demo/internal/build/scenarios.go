package build

import (
	"strings"

	"dgaudit/directory"
)

// Settings shorthands: T and F are values the directory stored; a field left
// out is an attribute that is absent, to which Exchange applies its default.
const (
	T = directory.True
	F = directory.False
)

// scenarios adds the groups. Each method below models one situation and
// names the rules it is meant to trigger; package demotest checks that they
// do, with the counts written in the comments.
func (b *builder) scenarios() {
	depts := b.departmentGroups()
	b.allStaff(depts)
	execs := b.executiveTeam()
	itOps := b.itOperations()
	b.cleanExtras()
	b.exchangeDefaultGroups()

	b.partnerAnnouncements()
	b.salesInquiries()
	b.resellerPriceUpdates()
	b.industryForum()
	b.standardsLiaison()
	b.researchCollaboration()
	b.contactChains()
	b.projectAtlas()
	b.itChangeNotifications(itOps)
	b.boardOfDirectors(execs)
	b.pressInquiries()
	b.careers()
	b.officeClosures()
	b.retireesNewsletter()
	b.hygiene()
	b.dynamicGroups()
	b.microsoft365()
	b.notMailEnabled()
}

// head returns a department's first person, who owns its groups.
func (b *builder) head(dept string) *directory.User { return b.dept[dept][0] }

// people returns n people of a department starting at from.
func (b *builder) people(dept string, from, n int) []*directory.User {
	return b.dept[dept][from : from+n]
}

// departmentGroups adds one group per department with all its people (Sales
// also holds the six remote mailboxes), with the settings New-DistributionGroup
// stores: authentication required, delivery reports to the originator. Since
// nobody outside can send to them, reports to the originator are harmless.
//
// Rules: none. These are clean groups and must score 0.
func (b *builder) departmentGroups() []*directory.Group {
	var out []*directory.Group
	for _, d := range departments {
		g := exchangeDefaults(b.group(d.Name+" Department", d.Alias, Domain, directory.Distribution), b.head(d.Name))
		add(g, b.dept[d.Name]...)
		out = append(out, g)
	}
	return out
}

// allStaff nests every department group: one message reaches 1,156 mailboxes
// (1,150 department mailboxes and 6 remote mailboxes). It requires
// authentication and reports to its owner, so only its size is a finding.
//
// Rules: large-blast-radius. Expanded 1,156, external 0, nested groups 9.
func (b *builder) allStaff(depts []*directory.Group) {
	g := secure(b.group("All Staff", "allstaff", Domain, directory.Distribution), b.comms)
	add(g, depts...)
}

// executiveTeam holds the department heads. Board of Directors accepts mail
// only from its members.
//
// Rules: none (clean).
func (b *builder) executiveTeam() *directory.Group {
	g := secure(b.group("Executive Team", "exec-team", Domain, directory.Distribution), b.head("Finance"))
	for _, d := range departments {
		add(g, b.head(d.Name))
	}
	return g
}

// itOperations is a mail-enabled security group: it grants rights and also
// receives mail.
//
// Rules: none (clean).
func (b *builder) itOperations() *directory.Group {
	g := secure(b.group("IT Operations", "it-ops", Domain, directory.MailSecurity), b.head("IT"))
	add(g, b.people("IT", 0, 12)...)
	return g
}

// cleanExtras adds more groups that must stay clean: a regional sales
// group, and a group of hybrid remote mailboxes (internal, although their
// target addresses are in the coexistence domain).
//
// Rules: none (clean).
func (b *builder) cleanExtras() {
	emea := secure(b.group("EMEA Sales", "emea-sales", Domain, directory.Distribution), b.head("Sales"))
	add(emea, b.people("Sales", 20, 40)...)

	pilot := secure(b.group("Cloud Pilot Users", "cloud-pilot", Domain, directory.Distribution), b.head("IT"))
	add(pilot, b.remote...)
}

// exchangeDefaultGroups are two more groups as New-DistributionGroup creates
// them on current Exchange: authentication required, delivery reports to the
// originator.
//
// Rules: none (clean).
func (b *builder) exchangeDefaultGroups() {
	monthEnd := exchangeDefaults(b.group("Month-End Close", "month-end", Domain, directory.Distribution), b.head("Finance"))
	add(monthEnd, b.people("Finance", 1, 15)...)

	arch := exchangeDefaults(b.group("Architecture Review", "arch-review", Domain, directory.Distribution), b.head("Engineering"))
	add(arch, b.people("Engineering", 1, 10)...)
}

// partnerAnnouncements is seed incident 001, the distribution-list NDR loop:
// a list of mostly external contacts at several partner organizations, some
// of whom left years ago (their addresses bounce), mail-enabled by an old
// tool so msExchRequireAuthToSendTo is absent (open to the Internet), with
// delivery reports to the originator. An outside message draws a bounce per
// stale contact, the bounces come back to the list, and the list sends them
// to everyone again.
//
// Rules: ndr-loop-risk (critical), open-to-external-senders,
// external-members, reports-to-originator. Expanded 27 (2 mailboxes, 25
// contacts), external 25, all 25 reachable by an outside sender.
func (b *builder) partnerAnnouncements() {
	g := b.group("Partner Announcements", "partner-announcements", Domain, directory.Distribution)
	g.ReportToOriginator = T
	g.ManagedBy = []string{b.comms.ID}
	add(g, b.people("Marketing", 1, 2)...)
	add(g, b.externalPeople(9, "partner.example", "Partners", map[int]string{2: "left 2019", 6: "left 2021"})...)
	add(g, b.externalPeople(7, "supplier.example", "Suppliers", map[int]string{4: "left 2019"})...)
	add(g, b.externalPeople(5, "agency.example", "Partners", map[int]string{1: "retired"})...)
	add(g, b.externalPeople(4, "fabrikam.example", "Partners", nil)...)
}

// salesInquiries is seed incident 002, the out-of-office storm: the public
// sales address, deliberately open to customers, with members' out-of-office
// replies sent to the originator, the Default remote domain letting them
// out, and a reseller's people among the members. Every spam message to
// sales@ draws one reply per absent member, and replies to other
// autoresponders come back. Delivery reports go to the owner, so it is not an
// NDR loop.
//
// Rules: oof-storm-risk (high), open-to-external-senders, external-members,
// oof-to-originator. Expanded 15, external 3, reachable 3.
func (b *builder) salesInquiries() {
	g := b.group("Sales Inquiries", "sales", Domain, directory.Distribution)
	g.RequireSenderAuth = F
	g.ReportToOriginator = F
	g.ReportToManager = T
	g.OOFToOriginator = T
	g.ManagedBy = []string{b.head("Sales").ID}
	add(g, b.people("Sales", 1, 12)...)
	add(g, b.externalPeople(3, "northwind.example", "Resellers", nil)...)
}

// resellerPriceUpdates combines both incidents: open, reports to the
// originator and out-of-office replies to the originator, to resellers'
// people only.
//
// Rules: ndr-loop-risk, oof-storm-risk, open-to-external-senders,
// external-members, reports-to-originator, oof-to-originator. Expanded 17,
// external 15, reachable 15.
func (b *builder) resellerPriceUpdates() {
	g := b.group("Reseller Price Updates", "reseller-updates", Domain, directory.Distribution)
	g.ReportToOriginator = T
	g.OOFToOriginator = T
	g.ManagedBy = []string{b.people("Sales", 60, 1)[0].ID}
	add(g, b.people("Sales", 60, 2)...)
	add(g, b.externalPeople(8, "northwind.example", "Resellers", nil)...)
	add(g, b.externalPeople(7, "wingtip.example", "Resellers", nil)...)
}

// industryForum hides its external recipients two levels down: Industry
// Forum holds three mailboxes and Industry Forum Members, which holds one
// mailbox and two regional groups, each with six external contacts. Nothing
// on the way requires authentication, so an outside message to the top group
// reaches all twelve, and the top group's report setting (the one Exchange
// applies to the whole expansion) sends their bounces to the originator.
//
// Rules on Industry Forum: ndr-loop-risk, open-to-external-senders,
// external-members, reports-to-originator. Expanded 16, external 12 (0
// direct), reachable 12, nested groups 3. The three nested groups are open
// with external members (open-to-external-senders, external-members).
func (b *builder) industryForum() {
	owner := b.people("Marketing", 10, 1)[0]
	emea := b.group("Industry Forum - EMEA", "industry-forum-emea", Domain, directory.Distribution)
	emea.ReportToManager = T
	emea.ManagedBy = []string{owner.ID}
	add(emea, b.externalPeople(3, "partner.example", "Partners", nil)...)
	add(emea, b.externalPeople(3, "agency.example", "Partners", nil)...)

	amer := b.group("Industry Forum - Americas", "industry-forum-americas", Domain, directory.Distribution)
	amer.ReportToManager = T
	amer.ManagedBy = []string{owner.ID}
	add(amer, b.externalPeople(6, "contoso-partners.example", "Partners", nil)...)

	mid := b.group("Industry Forum Members", "industry-forum-members", Domain, directory.Distribution)
	mid.ReportToManager = T
	mid.ManagedBy = []string{owner.ID}
	add(mid, owner)
	add(mid, emea, amer)

	top := b.group("Industry Forum", "industry-forum", Domain, directory.Distribution)
	top.ReportToOriginator = T
	top.ManagedBy = []string{owner.ID}
	add(top, b.people("Marketing", 11, 3)...)
	add(top, mid)
}

// standardsLiaison is the same shape, but the group in the middle requires
// authentication. Exchange checks sender restrictions on every group it
// expands, so an outside sender's message stops there (the sender gets an
// NDR) and the external delegates below are not reachable from outside.
//
// Rules on Standards Liaison: open-to-external-senders, external-members,
// reports-to-originator, and not ndr-loop-risk. Expanded 9, external 5,
// reachable 0. Standards Liaison Members: external-members. Standards
// Liaison - Delegates: open-to-external-senders, external-members.
func (b *builder) standardsLiaison() {
	owner := b.people("Engineering", 20, 1)[0]
	delegates := b.group("Standards Liaison - Delegates", "standards-delegates", Domain, directory.Distribution)
	delegates.ReportToManager = T
	delegates.ManagedBy = []string{owner.ID}
	add(delegates, b.externalPeople(3, "university.example", "Academia", nil)...)
	add(delegates, b.externalPeople(2, "agency.example", "Partners", nil)...)

	mid := secure(b.group("Standards Liaison Members", "standards-members", Domain, directory.Distribution), owner)
	add(mid, b.people("Engineering", 20, 2)...)
	add(mid, delegates)

	top := b.group("Standards Liaison", "standards-liaison", Domain, directory.Distribution)
	top.ReportToOriginator = T
	top.ManagedBy = []string{owner.ID}
	add(top, b.people("Engineering", 22, 2)...)
	add(top, mid)
}

// researchCollaboration has external members that are themselves mailing
// lists: a partner's all-staff address and a supplier's list server. Each
// re-posts what it receives as new mail, out of reach of Exchange's loop
// detection.
//
// Rules: external-member-is-list, open-to-external-senders,
// external-members. Expanded 9, external 5, reachable 5.
func (b *builder) researchCollaboration() {
	g := b.group("Research Collaboration", "research-collab", RelayDomain, directory.Distribution)
	g.ReportToManager = T
	g.OOFToOriginator = F
	g.ManagedBy = []string{b.research[0].ID}
	add(g, b.research[0:4]...)
	add(g,
		b.contact("Partner Example All Staff", "Partners", "all-staff@partner.example", "all-staff@partner.example"),
		b.contact("Supplier Members List", "Partners", "members-l@lists.supplier.example", "members-l@lists.supplier.example"),
	)
	add(g, b.externalPeople(3, "university.example", "Academia", nil)...)
}

// contactChains adds contacts whose target address is inside the
// organization. Exchange treats such a contact as a new message to that
// address, outside the expansion history that stops a group from expanding
// twice.
//
//   - Sales Leadership holds a contact that forwards to emea-sales@: hidden
//     nesting of EMEA Sales. Rules: contact-routes-internal. Expanded 6.
//   - Facilities Alerts holds a contact that forwards to facilities-alerts@,
//     its own address: every message loops. Rules: contact-routes-internal.
//     Expanded 10.
//   - Research Staff holds a contact that forwards to an address in the
//     internal-relay domain. Rules: contact-routes-internal. Expanded 25.
func (b *builder) contactChains() {
	leaders := secure(b.group("Sales Leadership", "sales-leadership", Domain, directory.Distribution), b.head("Sales"))
	add(leaders, b.people("Sales", 0, 5)...)
	add(leaders, b.contact("EMEA Sales (forwarding contact)", "Forwarders", "emea-sales-fwd@"+Domain, "emea-sales@"+Domain))

	alerts := secure(b.group("Facilities Alerts", "facilities-alerts", Domain, directory.Distribution), b.head("Operations"))
	add(alerts, b.fac)
	add(alerts, b.people("Operations", 1, 8)...)
	add(alerts, b.contact("Facilities Alerts (external copy)", "Forwarders", "facilities-alerts-copy@"+Domain, "facilities-alerts@"+Domain))

	research := secure(b.group("Research Staff", "research", RelayDomain, directory.Distribution), b.research[0])
	add(research, b.research...)
	add(research, b.contact("Lab Announcements Relay", "Forwarders", "lab-announce-relay@"+Domain, "lab-announce@"+RelayDomain))
}

// projectAtlas is a membership cycle: Project Atlas contains Project Atlas
// Core, which contains Project Atlas Extended, which contains Project Atlas.
//
// Rules (each of the three): membership-cycle. Expanded 18 for each.
func (b *builder) projectAtlas() {
	owner := b.people("Engineering", 30, 1)[0]
	atlas := secure(b.group("Project Atlas", "atlas", Domain, directory.Distribution), owner)
	core := secure(b.group("Project Atlas Core", "atlas-core", Domain, directory.Distribution), owner)
	ext := secure(b.group("Project Atlas Extended", "atlas-extended", Domain, directory.Distribution), owner)
	add(atlas, b.people("Engineering", 30, 4)...)
	add(core, b.people("Engineering", 34, 6)...)
	add(ext, b.people("Engineering", 40, 8)...)
	add(atlas, core)
	add(core, ext)
	add(ext, atlas)
}

// itChangeNotifications reports to its manager, and its first owner is the
// IT Operations security group: every bounce is addressed to a group.
//
// Rules: manager-is-group. Expanded 61 (IT Department and the Service Desk
// mailbox).
func (b *builder) itChangeNotifications(itOps *directory.Group) {
	g := secure(b.group("IT Change Notifications", "it-changes", Domain, directory.Distribution), b.head("IT"))
	g.ManagedBy = []string{itOps.ID, b.head("IT").ID}
	add(g, b.desk)
	add(g, b.groupNamed("IT Department"))
}

// boardOfDirectors accepts mail only from members of Executive Team but does
// not require authentication, so a forged From address passes; it reaches
// independent directors outside and reports to the originator.
//
// Rules: accept-list-without-auth, external-members, reports-to-originator.
// Not open (the accept list counts as a restriction), so no combination rule.
// Expanded 7, external 4.
func (b *builder) boardOfDirectors(execs *directory.Group) {
	g := b.group("Board of Directors", "board", Domain, directory.Distribution)
	g.ReportToOriginator = T
	g.AcceptOnlyFromMembersOf = []string{execs.ID}
	g.ManagedBy = []string{b.head("Legal").ID}
	add(g, b.head("Engineering"), b.head("Finance"), b.head("Legal"))
	for _, d := range []string{"adatum.example", "litware.example", "tailspin.example", "fabrikam.example"} {
		add(g, b.externalPeople(1, d, "Board", nil)...)
	}
}

// pressInquiries must receive from journalists, so it is open but
// moderated: outside messages wait for a moderator.
//
// Rules: moderated-without-auth (info). Expanded 4.
func (b *builder) pressInquiries() {
	g := b.group("Press Inquiries", "press", Domain, directory.Distribution)
	g.RequireSenderAuth = F
	g.ReportToManager = T
	g.Moderation = T
	g.ModeratedBy = []string{b.head("Marketing").ID}
	g.ManagedBy = []string{b.head("Marketing").ID}
	add(g, b.people("Marketing", 20, 4)...)
}

// careers is open to applicants but has only internal members.
//
// Rules: open-to-external-senders. Expanded 5.
func (b *builder) careers() {
	g := b.group("Careers", "careers", Domain, directory.Distribution)
	g.RequireSenderAuth = F
	g.ReportToOriginator = F
	g.ReportToManager = T
	g.OOFToOriginator = F
	g.ManagedBy = []string{b.head("Human Resources").ID}
	add(g, b.people("Human Resources", 1, 5)...)
}

// officeClosures has both report flags off: nobody learns of failed
// deliveries, and some receiving servers reject mail without a return path.
//
// Rules: no-delivery-reports. Expanded 7.
func (b *builder) officeClosures() {
	g := secure(b.group("Office Closures", "office-closures", Domain, directory.Distribution), b.head("Operations"))
	g.ReportToManager = F
	add(g, b.fac)
	add(g, b.people("Operations", 10, 6)...)
}

// retireesNewsletter was mail-enabled by a script long ago and has none of
// the delivery attributes: open (absent authentication), no delivery reports
// (both report flags absent), out-of-office suppressed (absent).
//
// Rules: open-to-external-senders, external-members, no-delivery-reports.
// Not ndr-loop-risk: without reports to the originator there is no loop.
// Expanded 12, external 10.
func (b *builder) retireesNewsletter() {
	g := b.group("Retirees Newsletter", "retirees", Domain, directory.Distribution)
	g.ManagedBy = []string{b.head("Human Resources").ID}
	add(g, b.people("Human Resources", 6, 2)...)
	add(g, b.externalPeople(5, "webmail.example", "Retirees", nil)...)
	add(g, b.externalPeople(5, "post.example", "Retirees", nil)...)
}

// hygiene adds groups with housekeeping problems and no loop risk.
//
//   - Q3 Offsite 2021: no members. Rules: empty-group.
//   - Printer Alerts: no owner. Rules: no-owner. Expanded 4.
//   - Legacy Migration Team: two member references that match no collected
//     object (a deleted user and a user in another domain of the forest).
//     Rules: unresolved-members. Expanded 4.
func (b *builder) hygiene() {
	secure(b.group("Q3 Offsite 2021", "offsite-2021", Domain, directory.Distribution), b.head("Human Resources"))

	printers := exchangeDefaults(b.group("Printer Alerts", "printer-alerts", Domain, directory.Distribution), b.desk)
	printers.ManagedBy = nil
	add(printers, b.desk)
	add(printers, b.people("IT", 20, 3)...)

	legacy := secure(b.group("Legacy Migration Team", "migration-team", Domain, directory.Distribution), b.head("IT"))
	add(legacy, b.people("IT", 30, 4)...)
	legacy.Members = append(legacy.Members,
		"CN=Gone User,OU=Disabled Users,DC=corp,DC=example",
		"CN=Old Contractor,OU=Contractors,DC=emea,DC=corp,DC=example",
	)
}

// dynamicGroups adds two dynamic distribution groups.
//
//   - All Contractors: the collector could not evaluate its filter
//     (membersUnknown). Rules: unresolved-members.
//   - Supplier Contacts: its filter was evaluated (every contact under
//     OU=Suppliers, 110 of them). Its oOFReplyToOriginator is absent, and
//     for dynamic groups Exchange's default is true; its authentication
//     attribute is absent too (open). Nobody chose either, and together
//     with the Default remote domain they make an out-of-office storm.
//     Delivery reports go to the owner. Rules: oof-storm-risk,
//     open-to-external-senders, external-members, oof-to-originator,
//     large-blast-radius (110 external >= 100). Expanded 110, external 110,
//     reachable 110.
func (b *builder) dynamicGroups() {
	unknown := secure(b.group("All Contractors", "contractors", Domain, directory.Dynamic), b.head("Human Resources"))
	unknown.MembersUnknown = true
	unknown.DynamicFilter = "(&(objectClass=user)(extensionAttribute1=Contractor)(mailNickname=*))"
	unknown.DynamicBaseDN = "OU=Staff,DC=corp,DC=example"

	// 7 supplier contacts exist already (Partner Announcements); add the rest.
	b.externalPeople(60, "supplier.example", "Suppliers", nil)
	b.externalPeople(43, "tailspin.example", "Suppliers", nil)

	g := b.group("Supplier Contacts", "supplier-contacts", Domain, directory.Dynamic)
	g.ReportToManager = T
	g.ManagedBy = []string{b.head("Operations").ID}
	g.DynamicFilter = "(&(objectClass=contact)(targetAddress=*))"
	g.DynamicBaseDN = "OU=Suppliers,OU=Contacts,DC=corp,DC=example"
	for _, c := range b.contacts {
		if strings.HasSuffix(c.DN, ",OU=Suppliers,OU=Contacts,DC=corp,DC=example") {
			add(g, c)
		}
	}
}

// microsoft365 adds two Microsoft 365 groups.
//
//   - Marketing Campaign Team: allowExternalSenders was not read
//     (RequireSenderAuth absent), and Microsoft 365 groups do not accept
//     outside mail by default. Rules: none (clean).
//   - Joint Venture Planning: allowExternalSenders is on, and the members
//     include a B2B guest and three contractors' mail users whose mail
//     leaves the organization. Rules: open-to-external-senders,
//     external-members. Expanded 7, external 4.
func (b *builder) microsoft365() {
	mkt := b.group("Marketing Campaign Team", "campaigns", Domain, directory.Microsoft365)
	mkt.ReportToManager = T
	mkt.ManagedBy = []string{b.head("Marketing").ID}
	add(mkt, b.people("Marketing", 30, 8)...)

	jv := b.group("Joint Venture Planning", "jv-planning", Domain, directory.Microsoft365)
	jv.RequireSenderAuth = F
	jv.ReportToManager = T
	jv.ManagedBy = []string{b.head("Finance").ID}
	add(jv, b.people("Finance", 40, 3)...)
	add(jv, b.guest("partner.example", "Partner Example"))
	for range 3 {
		add(jv, b.mailUser("agency.example", "Agency"))
	}
}

// notMailEnabled adds a security group used only for file-share rights. It
// has no mail address, so it is not a recipient and is not audited.
func (b *builder) notMailEnabled() {
	g := b.group("FS-Finance-Modify", "unused", Domain, directory.MailSecurity)
	g.Mail = ""
	g.ProxyAddresses = nil
	add(g, b.people("Finance", 0, 10)...)
}

// groupNamed finds a group added earlier.
func (b *builder) groupNamed(name string) *directory.Group {
	for _, g := range b.groups {
		if g.Name == name {
			return g
		}
	}
	panic("demo: no group " + name)
}
