package sambatest

import (
	"context"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// Attribute syntaxes (attributeSyntax, oMSyntax).
type syntax struct{ attr, om string }

var (
	synBool   = syntax{"2.5.5.8", "1"}
	synString = syntax{"2.5.5.12", "64"}
	synInt    = syntax{"2.5.5.9", "2"}
	synLarge  = syntax{"2.5.5.16", "65"}
	synDN     = syntax{"2.5.5.1", "127"}
)

// dnObjectClass is oMObjectClass for DN syntax (1.3.12.2.1011.28.0.714).
var dnObjectClass = string([]byte{0x2B, 0x0C, 0x02, 0x87, 0x73, 0x1C, 0x00, 0x85, 0x4A})

// testArc is an OID arc for the Exchange attributes whose real attributeID
// the reference does not record. It is only used inside these throwaway
// directories.
const testArc = "1.3.6.1.4.1.99999.7.1."

type attrDef struct {
	cn, name, oid string
	syn           syntax
	single        bool
}

// exchangeAttrs are the Exchange schema attributes dgaudit reads, with the
// real attributeIDs where exchange-domain.md gives them.
var exchangeAttrs = []attrDef{
	{"ms-Exch-Require-Authentication", "msExchRequireAuthToSendTo", testArc + "1", synBool, true},
	{"Report-To-Originator", "reportToOriginator", testArc + "2", synBool, true},
	{"Report-To-Owner", "reportToOwner", testArc + "3", synBool, true},
	{"OOF-Reply-To-Originator", "oOFReplyToOriginator", testArc + "4", synBool, true},
	{"ms-Exch-Hide-From-Address-Lists", "msExchHideFromAddressLists", testArc + "5", synBool, true},
	{"ms-Exch-Enable-Moderation", "msExchEnableModeration", testArc + "6", synBool, true},
	{"Target-Address", "targetAddress", "1.2.840.113556.1.2.352", synString, true},
	{"ms-Exch-Mail-Nickname", "mailNickname", testArc + "7", synString, true},
	{"ms-Exch-Dynamic-DL-Filter", "msExchDynamicDLFilter", testArc + "8", synString, true},
	{"ms-Exch-Dynamic-DL-BaseDN", "msExchDynamicDLBaseDN", testArc + "9", synDN, true},
	{"ms-Exch-Recipient-Type-Details", "msExchRecipientTypeDetails", "1.2.840.113556.1.4.7000.102.50855", synLarge, true},
	{"Auth-Orig", "authOrig", "1.2.840.113556.1.2.129", synDN, false},
	{"DL-Mem-Submit-Perms", "dLMemSubmitPerms", testArc + "10", synDN, false},
	{"Unauth-Orig", "unauthOrig", "1.2.840.113556.1.2.221", synDN, false},
	{"DL-Mem-Reject-Perms", "dLMemRejectPerms", "1.2.840.113556.1.2.47", synDN, false},
	{"ms-Exch-Moderated-By-Link", "msExchModeratedByLink", testArc + "11", synDN, false},
	{"ms-Exch-Co-Managed-By-Link", "msExchCoManagedByLink", testArc + "12", synDN, false},
	{"Home-MDB", "homeMDB", testArc + "13", synDN, true},
	{"ms-Exch-Accepted-Domain-Name", "msExchAcceptedDomainName", testArc + "14", synString, true},
	{"ms-Exch-Accepted-Domain-Flags", "msExchAcceptedDomainFlags", testArc + "15", synInt, true},
	{"Domain-Name", "domainName", testArc + "16", synString, true},
	{"ms-Exch-Routing-Accept-Message-Type", "msExchRoutingAcceptMessageType", testArc + "17", synInt, true},
	{"ms-Exch-Agents-Flags", "msExchAgentsFlags", testArc + "18", synInt, true},
	{"ms-Exch-Smtp-Receive-Bindings", "msExchSmtpReceiveBindings", testArc + "19", synString, false},
	{"ms-Exch-Smtp-Receive-Remote-IP-Ranges", "msExchSmtpReceiveRemoteIPRanges", testArc + "20", synString, false},
	{"ms-Exch-SMTP-Receive-Connector-FQDN", "msExchSMTPReceiveConnectorFQDN", testArc + "21", synString, true},
	{"Hide-DL-Membership", "hideDLMembership", testArc + "22", synBool, true},
}

var (
	recipientAttrs = []string{"mailNickname", "msExchRecipientTypeDetails", "msExchHideFromAddressLists", "targetAddress"}
	groupAttrs     = []string{
		"msExchRequireAuthToSendTo", "reportToOriginator", "reportToOwner", "oOFReplyToOriginator",
		"authOrig", "dLMemSubmitPerms", "unauthOrig", "dLMemRejectPerms",
		"msExchEnableModeration", "msExchModeratedByLink", "msExchCoManagedByLink", "hideDLMembership",
	}
)

type classDef struct {
	cn, name, oid, subClassOf string
	superiors, may            []string
}

var exchangeClasses = []classDef{
	{"ms-Exch-Dynamic-Distribution-List", "msExchDynamicDistributionList", testArc + "100", "top",
		[]string{"organizationalUnit", "container", "domainDNS"},
		append(append([]string{"cn", "mail", "displayName", "proxyAddresses", "msExchDynamicDLFilter", "msExchDynamicDLBaseDN"}, recipientAttrs...), groupAttrs...)},
	{"ms-Exch-Organization-Container", "msExchOrganizationContainer", testArc + "101", "container",
		[]string{"container"}, nil},
	{"ms-Exch-Accepted-Domain", "msExchAcceptedDomain", testArc + "102", "top",
		[]string{"container"}, []string{"cn", "msExchAcceptedDomainName", "msExchAcceptedDomainFlags"}},
	{"ms-Exch-Domain-Content-Config", "msExchDomainContentConfig", testArc + "103", "top",
		[]string{"container"}, []string{"cn", "domainName", "msExchRoutingAcceptMessageType"}},
	{"ms-Exch-Message-Hygiene-Recipient-Filter-Config", "msExchMessageHygieneRecipientFilterConfig", testArc + "104", "top",
		[]string{"container"}, []string{"cn", "msExchAgentsFlags"}},
	{"ms-Exch-Smtp-Receive-Connector", "msExchSmtpReceiveConnector", testArc + "105", "top",
		[]string{"container"}, []string{"cn", "msExchSmtpReceiveBindings", "msExchSmtpReceiveRemoteIPRanges", "msExchSMTPReceiveConnectorFQDN"}},
}

// ExtendSchema adds the Exchange attributes and classes dgaudit reads, the
// way an Exchange schema update would (a much smaller one).
func (s *Server) ExtendSchema(ctx context.Context) error {
	c, err := s.Admin()
	if err != nil {
		return err
	}
	defer c.Close()
	for _, a := range exchangeAttrs {
		if err := ctx.Err(); err != nil {
			return err
		}
		req := goldap.NewAddRequest("CN="+a.cn+","+SchemaDN, nil)
		req.Attribute("objectClass", []string{"top", "attributeSchema"})
		req.Attribute("cn", []string{a.cn})
		req.Attribute("attributeID", []string{a.oid})
		req.Attribute("attributeSyntax", []string{a.syn.attr})
		req.Attribute("oMSyntax", []string{a.syn.om})
		req.Attribute("isSingleValued", []string{strings.ToUpper(fmt.Sprint(a.single))})
		req.Attribute("lDAPDisplayName", []string{a.name})
		req.Attribute("searchFlags", []string{"1"}) // indexed, like Exchange's
		if a.syn == synDN {
			req.Attribute("oMObjectClass", []string{dnObjectClass})
		}
		if err := c.Add(req); err != nil {
			return fmt.Errorf("add attribute %s: %w", a.name, err)
		}
	}
	if err := schemaUpdateNow(c); err != nil {
		return err
	}
	for class, attrs := range map[string][]string{
		"Group":   append(append([]string(nil), recipientAttrs...), groupAttrs...),
		"Contact": recipientAttrs,
		"User":    append(append([]string(nil), recipientAttrs...), "homeMDB"),
	} {
		m := goldap.NewModifyRequest("CN="+class+","+SchemaDN, nil)
		m.Add("mayContain", attrs)
		if err := c.Modify(m); err != nil {
			return fmt.Errorf("extend class %s: %w", class, err)
		}
	}
	for _, cl := range exchangeClasses {
		dn := "CN=" + cl.cn + "," + SchemaDN
		req := goldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"top", "classSchema"})
		req.Attribute("cn", []string{cl.cn})
		req.Attribute("governsID", []string{cl.oid})
		req.Attribute("lDAPDisplayName", []string{cl.name})
		req.Attribute("subClassOf", []string{cl.subClassOf})
		req.Attribute("objectClassCategory", []string{"1"})
		req.Attribute("rDNAttID", []string{"cn"})
		req.Attribute("possSuperiors", cl.superiors)
		req.Attribute("defaultObjectCategory", []string{dn})
		if len(cl.may) > 0 {
			req.Attribute("mayContain", cl.may)
		}
		if err := c.Add(req); err != nil {
			return fmt.Errorf("add class %s: %w", cl.name, err)
		}
	}
	return schemaUpdateNow(c)
}

func schemaUpdateNow(c *goldap.Conn) error {
	m := goldap.NewModifyRequest("", nil)
	m.Add("schemaUpdateNow", []string{"1"})
	if err := c.Modify(m); err != nil {
		return fmt.Errorf("schemaUpdateNow: %w", err)
	}
	return nil
}
