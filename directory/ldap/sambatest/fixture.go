package sambatest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	goldap "github.com/go-ldap/ldap/v3"
)

// The fixture organization mirrors the demo's scenarios. Names are CNs; DNs
// come from the DN helpers below.
const (
	OrgName = "Corp"

	GroupOpen      = "All Partners"        // open, external contacts, reports to originator: the NDR loop case
	GroupAuth      = "Board"               // RequireSenderAuth TRUE, reportToOriginator FALSE
	GroupOuter     = "Outer Partners"      // nested: contains GroupInner; no Exchange settings at all
	GroupInner     = "Inner Partners"      // external contact and a mail user
	GroupCycleA    = "Cycle A"             // contains GroupCycleB
	GroupCycleB    = "Cycle B"             // contains GroupCycleA
	GroupEmpty     = "Empty Group"         // no members
	GroupDynamic   = "Partner Contacts"    // dynamic: filter selects the partner contacts
	GroupManaged   = "Managed By Group"    // managedBy is GroupAuth, reportToOwner TRUE
	GroupSecurity  = "Mail Security Group" // security group; one member has no mailbox
	GroupBig       = "Big Group"           // BigMembers contacts
	DefaultBigSize = 3000
)

// Contacts in OU=Contacts: external addresses.
var PartnerContacts = []struct{ CN, Address string }{
	{"Bob Partner", "bob@partner.example"},
	{"Carol Partner", "carol@partner.example"},
	{"Partner List", "all-staff@lists.partner.example"},
	{"Dave Vendor", "dave@vendor.example"},
	{"Erin Vendor", "erin@vendor.example"},
}

// Users in OU=People.
const (
	UserAnn     = "Ann Admin"       // mailbox
	UserCarl    = "Carl Clerk"      // mailbox
	UserMailUsr = "Mia External"    // mail user, target outside
	UserRemote  = "Rita Remote"     // remote mailbox in Exchange Online
	UserPrinter = "Printer Service" // no mail: not a recipient
	// UserReader is an ordinary account (no mail, no group, no rights
	// beyond a domain user's) for reads as a bind account that is not an
	// administrator. Its password is Password.
	UserReader = "Audit Reader"
)

// ReaderUPN is UserReader's user principal name, to bind as.
const ReaderUPN = "auditreader@" + Domain

// DN helpers.
func GroupDN(cn string) string   { return "CN=" + cn + ",OU=Groups," + BaseDN }
func ContactDN(cn string) string { return "CN=" + cn + ",OU=Contacts," + BaseDN }
func UserDN(cn string) string    { return "CN=" + cn + ",OU=People," + BaseDN }
func BulkDN(i int) string        { return fmt.Sprintf("CN=Bulk %04d,OU=Bulk,%s", i, BaseDN) }

// OrgDN is the Exchange organization container.
const OrgDN = "CN=" + OrgName + ",CN=Microsoft Exchange,CN=Services," + ConfigDN

// RecipientFilterDN is the organization's Recipient Filter agent
// configuration (msExchAgentsFlags 3: recipient validation off).
const RecipientFilterDN = "CN=RecipientFilterConfig,CN=Message Hygiene,CN=Transport Settings," + OrgDN

// Receive connectors of the fixture's one Exchange server, and the extended
// rights their DACLs name. The rightsGuid values are chosen for this
// directory (the reference does not record Exchange's): dgaudit looks the
// right up by name, so any GUID tests the look-up and the byte order.
const (
	ServerName         = "EX01"
	ConnectorsDN       = "CN=SMTP Receive Connectors,CN=Protocols,CN=" + ServerName + ",CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups," + OrgDN
	ConnectorFrontend  = "Default Frontend " + ServerName // anonymous may submit to accepted domains only
	ConnectorRelay     = "Relay"                          // anonymous may relay, from anywhere
	AcceptAnyRecipient = "ms-Exch-SMTP-Accept-Any-Recipient"
	AcceptAnyRecipGUID = "0c1c5d3a-6f2e-4b5a-9d1e-3a7b2c4d5e6f"
	SMTPSubmit         = "ms-Exch-SMTP-Submit"
	SMTPSubmitGUID     = "5d1f2a8e-1b3c-4d6e-8f90-a1b2c3d4e5f6"
	SIDAnonymous       = "S-1-5-7"
)

// ConnectorDN is the DN of the fixture connector named cn.
func ConnectorDN(cn string) string { return "CN=" + cn + "," + ConnectorsDN }

// LoadFixture adds the fixture organization, with bigSize contacts in the
// big group. It uses a few parallel connections for the bulk contacts.
func (s *Server) LoadFixture(ctx context.Context, bigSize int) error {
	c, err := s.Admin()
	if err != nil {
		return err
	}
	defer c.Close()
	add := func(dn string, attrs map[string][]string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		req := goldap.NewAddRequest(dn, nil)
		for k, v := range attrs {
			req.Attribute(k, v)
		}
		if err := c.Add(req); err != nil {
			return fmt.Errorf("add %s: %w", dn, err)
		}
		return nil
	}
	one := func(v string) []string { return []string{v} }
	var steps []func() error
	step := func(dn string, attrs map[string][]string) {
		steps = append(steps, func() error { return add(dn, attrs) })
	}
	for _, ou := range []string{"Groups", "Contacts", "People", "Bulk"} {
		step("OU="+ou+","+BaseDN, map[string][]string{"objectClass": {"top", "organizationalUnit"}})
	}
	for _, pc := range PartnerContacts {
		step(ContactDN(pc.CN), map[string][]string{
			"objectClass": {"top", "person", "organizationalPerson", "contact"}, "displayName": one(pc.CN),
			"mail": one(pc.Address), "targetAddress": one("SMTP:" + pc.Address), "proxyAddresses": one("SMTP:" + pc.Address),
			"mailNickname": one(nick(pc.CN)), "msExchRecipientTypeDetails": one("64"),
		})
	}
	user := func(cn, mail string, extra map[string][]string) {
		attrs := map[string][]string{
			"objectClass": {"top", "person", "organizationalPerson", "user"}, "sAMAccountName": one(nick(cn)),
			"displayName": one(cn),
		}
		if mail != "" {
			attrs["mail"] = one(mail)
			attrs["mailNickname"] = one(nick(cn))
			attrs["proxyAddresses"] = one("SMTP:" + mail)
		}
		for k, v := range extra {
			attrs[k] = v
		}
		step(UserDN(cn), attrs)
	}
	user(UserAnn, "ann@corp.example.test", map[string][]string{"msExchRecipientTypeDetails": one("1")})
	user(UserCarl, "carl@corp.example.test", map[string][]string{"msExchRecipientTypeDetails": one("1")})
	user(UserMailUsr, "mia@corp.example.test", map[string][]string{"msExchRecipientTypeDetails": one("128"), "targetAddress": one("SMTP:mia@freelance.example")})
	user(UserRemote, "rita@corp.example.test", map[string][]string{"msExchRecipientTypeDetails": one("2147483648"), "targetAddress": one("SMTP:rita@tenant.mail.onmicrosoft.com")})
	user(UserPrinter, "", nil)
	user(UserReader, "", map[string][]string{
		"userPrincipalName": one(ReaderUPN), "unicodePwd": one(unicodePwd(Password)), "userAccountControl": one("512"),
	})

	group := func(cn string, members []string, extra map[string][]string) {
		mail := nick(cn) + "@corp.example.test"
		attrs := map[string][]string{
			"objectClass": {"top", "group"}, "sAMAccountName": one(nick(cn)), "groupType": one("8"),
			"mail": one(mail), "mailNickname": one(nick(cn)), "proxyAddresses": one("SMTP:" + mail),
		}
		if len(members) > 0 {
			attrs["member"] = members
		}
		for k, v := range extra {
			attrs[k] = v
		}
		step(GroupDN(cn), attrs)
	}
	var partners []string
	for _, pc := range PartnerContacts[:3] {
		partners = append(partners, ContactDN(pc.CN))
	}
	group(GroupOpen, append(partners, ContactDN(PartnerContacts[3].CN), UserDN(UserAnn)), map[string][]string{
		"reportToOriginator": one("TRUE"), "msExchRequireAuthToSendTo": one("FALSE"), "msExchRecipientTypeDetails": one("256"),
	})
	group(GroupAuth, []string{UserDN(UserAnn), UserDN(UserCarl)}, map[string][]string{
		"msExchRequireAuthToSendTo": one("TRUE"), "reportToOriginator": one("FALSE"), "reportToOwner": one("FALSE"),
		"oOFReplyToOriginator": one("FALSE"), "authOrig": one(UserDN(UserAnn)), "managedBy": one(UserDN(UserAnn)),
	})
	group(GroupInner, []string{ContactDN(PartnerContacts[4].CN), UserDN(UserMailUsr)}, nil)
	group(GroupOuter, []string{GroupDN(GroupInner), UserDN(UserCarl)}, nil)
	group(GroupCycleA, []string{UserDN(UserCarl)}, nil)
	group(GroupCycleB, []string{GroupDN(GroupCycleA)}, nil)
	steps = append(steps, func() error {
		m := goldap.NewModifyRequest(GroupDN(GroupCycleA), nil)
		m.Add("member", []string{GroupDN(GroupCycleB)})
		return c.Modify(m)
	})
	group(GroupEmpty, nil, map[string][]string{"msExchRequireAuthToSendTo": one("TRUE")})
	group(GroupManaged, []string{UserDN(UserRemote), ContactDN(PartnerContacts[0].CN)}, map[string][]string{
		"managedBy": one(GroupDN(GroupAuth)), "msExchCoManagedByLink": one(UserDN(UserCarl)), "reportToOwner": one("TRUE"),
		"msExchEnableModeration": one("TRUE"), "msExchModeratedByLink": one(UserDN(UserAnn)),
	})
	group(GroupSecurity, []string{UserDN(UserAnn), UserDN(UserPrinter)}, map[string][]string{
		"groupType": one("-2147483640"), "msExchRequireAuthToSendTo": one("TRUE"), "msExchHideFromAddressLists": one("TRUE"),
	})
	step(GroupDN(GroupDynamic), map[string][]string{
		"objectClass": {"top", "msExchDynamicDistributionList"}, "mail": one("partner-contacts@corp.example.test"),
		"mailNickname": one("partnercontacts"), "proxyAddresses": one("SMTP:partner-contacts@corp.example.test"),
		"msExchDynamicDLFilter": one("(&(objectClass=contact)(targetAddress=SMTP:*partner.example))"),
		"msExchDynamicDLBaseDN": one("OU=Contacts," + BaseDN), "reportToOriginator": one("TRUE"),
	})

	// Organization settings in the configuration partition.
	container := func(dn string) {
		step(dn, map[string][]string{"objectClass": {"top", "container"}})
	}
	container("CN=Microsoft Exchange,CN=Services," + ConfigDN)
	step(OrgDN, map[string][]string{"objectClass": {"top", "container", "msExchOrganizationContainer"}})
	container("CN=Transport Settings," + OrgDN)
	container("CN=Accepted Domains,CN=Transport Settings," + OrgDN)
	container("CN=Global Settings," + OrgDN)
	container("CN=Internet Message Formats,CN=Global Settings," + OrgDN)
	step("CN=corp.example.test,CN=Accepted Domains,CN=Transport Settings,"+OrgDN, map[string][]string{
		"objectClass": {"top", "msExchAcceptedDomain"}, "msExchAcceptedDomainName": one("corp.example.test"), "msExchAcceptedDomainFlags": one("4"),
	})
	step("CN=Hybrid Coexistence,CN=Accepted Domains,CN=Transport Settings,"+OrgDN, map[string][]string{
		"objectClass": {"top", "msExchAcceptedDomain"}, "msExchAcceptedDomainName": one("tenant.mail.onmicrosoft.com"), "msExchAcceptedDomainFlags": one("2048"),
	})
	step("CN=Default,CN=Internet Message Formats,CN=Global Settings,"+OrgDN, map[string][]string{
		"objectClass": {"top", "msExchDomainContentConfig"}, "domainName": one("*"), "msExchRoutingAcceptMessageType": one("30"),
	})
	step("CN=Vendor,CN=Internet Message Formats,CN=Global Settings,"+OrgDN, map[string][]string{
		"objectClass": {"top", "msExchDomainContentConfig"}, "domainName": one("vendor.example"),
	})
	// The Recipient Filter agent's configuration as Exchange creates it:
	// enabled for external mail, recipient validation off (flags 3).
	container("CN=Message Hygiene,CN=Transport Settings," + OrgDN)
	step(RecipientFilterDN, map[string][]string{
		"objectClass": {"top", "msExchMessageHygieneRecipientFilterConfig"}, "msExchAgentsFlags": one("3"),
	})
	if err := connectorSteps(step, container); err != nil {
		return err
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	if bigSize > 0 {
		if err := s.loadBulk(ctx, bigSize); err != nil {
			return err
		}
		members := make([]string, bigSize)
		for i := range members {
			members[i] = BulkDN(i)
		}
		group(GroupBig, members, map[string][]string{"reportToOriginator": one("TRUE")})
		if err := steps[len(steps)-1](); err != nil {
			return err
		}
	}
	return nil
}

// loadBulk adds n contacts in OU=Bulk over a few connections in parallel.
func (s *Server) loadBulk(ctx context.Context, n int) error {
	const workers = 4
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			c, err := s.Admin()
			if err != nil {
				errs[w] = err
				return
			}
			defer c.Close()
			for i := w; i < n; i += workers {
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				addr := fmt.Sprintf("bulk%04d@bulk.example", i)
				req := goldap.NewAddRequest(BulkDN(i), nil)
				req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "contact"})
				req.Attribute("targetAddress", []string{"SMTP:" + addr})
				req.Attribute("mailNickname", []string{fmt.Sprintf("bulk%04d", i)})
				if err := c.Add(req); err != nil {
					errs[w] = fmt.Errorf("add %s: %w", BulkDN(i), err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// unicodePwd encodes a password as Active Directory takes it in an add or
// modify: the quoted string in UTF-16LE (only over an encrypted connection).
func unicodePwd(pw string) string {
	q := "\"" + pw + "\""
	out := make([]byte, 0, 2*len(q))
	for _, r := range q {
		out = append(out, byte(r), byte(r>>8))
	}
	return string(out)
}

func nick(cn string) string {
	out := make([]byte, 0, len(cn))
	for i := 0; i < len(cn); i++ {
		c := cn[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			out = append(out, c)
		case 'A' <= c && c <= 'Z':
			out = append(out, c+'a'-'A')
		}
	}
	return string(out)
}

// connectorSteps adds the Exchange extended rights the connectors' DACLs
// name, the server's container path and its two receive connectors, each
// with a DACL built here: Samba merges it with the inherited entries and
// stores it, and the adapter reads Samba's serialisation back.
func connectorSteps(step func(string, map[string][]string), container func(string)) error {
	one := func(v string) []string { return []string{v} }
	for _, r := range []struct{ name, guid string }{{AcceptAnyRecipient, AcceptAnyRecipGUID}, {SMTPSubmit, SMTPSubmitGUID}} {
		step("CN="+r.name+",CN=Extended-Rights,"+ConfigDN, map[string][]string{
			"objectClass": {"top", "controlAccessRight"}, "displayName": one(r.name), "rightsGuid": one(r.guid),
			"validAccesses": one("256"),
		})
	}
	parts := strings.Split(strings.TrimSuffix(ConnectorsDN, ","+OrgDN), ",")
	for i := len(parts) - 1; i >= 0; i-- {
		container(strings.Join(parts[i:], ",") + "," + OrgDN)
	}
	admins := ace{sid: "S-1-5-32-544", mask: rightFullControl}
	authenticated := ace{sid: "S-1-5-11", mask: rightGenericRead}
	submit := ace{sid: SIDAnonymous, mask: rightControlAccess, object: SMTPSubmitGUID}
	relay := ace{sid: SIDAnonymous, mask: rightControlAccess, object: AcceptAnyRecipGUID}
	for _, c := range []struct {
		name, binding, ranges string
		aces                  []ace
	}{
		{ConnectorFrontend, "0.0.0.0:25", "0.0.0.0-255.255.255.255", []ace{admins, authenticated, submit}},
		{ConnectorRelay, "0.0.0.0:2525", "0.0.0.0-255.255.255.255", []ace{admins, authenticated, submit, relay}},
	} {
		sd, err := securityDescriptor(c.aces...)
		if err != nil {
			return fmt.Errorf("connector %s: %w", c.name, err)
		}
		step(ConnectorDN(c.name), map[string][]string{
			"objectClass": {"top", "msExchSmtpReceiveConnector"}, "msExchSmtpReceiveBindings": one(c.binding),
			"msExchSmtpReceiveRemoteIPRanges": one(c.ranges), "msExchSMTPReceiveConnectorFQDN": one("ex01.corp.example.test"),
			"nTSecurityDescriptor": {string(sd)},
		})
	}
	return nil
}
