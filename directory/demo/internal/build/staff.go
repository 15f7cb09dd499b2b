package build

import "dgaudit/directory"

// departments lists the departments and their head counts, in the order
// people are generated. Together they hold 1,150 mailboxes, so that All Staff
// (with the six remote mailboxes in Sales) expands to 1,156 recipients, above
// the large-blast-radius threshold of 1,000.
var departments = []struct {
	Name  string
	Alias string
	Size  int
}{
	{"Engineering", "engineering", 310},
	{"Sales", "sales-dept", 210},
	{"Operations", "operations", 170},
	{"Customer Support", "support", 140},
	{"Finance", "finance", 110},
	{"Marketing", "marketing", 80},
	{"IT", "it", 60},
	{"Human Resources", "hr", 40},
	{"Legal", "legal", 30},
}

// staff adds the organization's users: department mailboxes, role
// mailboxes, the research subsidiary's mailboxes in the internal-relay
// domain, hybrid remote mailboxes, a B2B guest and contractors' mail users.
func (b *builder) staff() {
	for _, d := range departments {
		for range d.Size {
			b.dept[d.Name] = append(b.dept[d.Name], b.mailbox(d.Name))
		}
	}
	// A disabled account still has a mailbox that receives group mail.
	b.dept["Operations"][7].Disabled = true

	b.comms = b.roleMailbox("Internal Communications", "internal-comms")
	b.desk = b.roleMailbox("Service Desk", "servicedesk")
	b.fac = b.roleMailbox("Facilities Desk", "facilities")

	// The research subsidiary uses sub.corp.example, an internal-relay
	// accepted domain: its mailboxes are ours although the domain is shared.
	for range 24 {
		first, last := b.person()
		name := first + " " + last
		mail := localPart(first, last) + "@" + RelayDomain
		b.research = append(b.research, b.addUser(directory.User{
			Recipient: directory.Recipient{
				ID:             GUID("user", mail),
				DN:             "CN=" + name + ",OU=Research Lab,DC=sub,DC=corp,DC=example",
				Name:           name,
				Mail:           mail,
				ProxyAddresses: []string{"SMTP:" + mail},
			},
			Kind: directory.Mailbox,
		}))
	}

	// Hybrid: mailboxes moved to Exchange Online are remote mailboxes whose
	// targetAddress is in the coexistence domain. They are internal even
	// though mail for them leaves the on-premises servers.
	for range 6 {
		first, last := b.person()
		name := first + " " + last
		lp := localPart(first, last)
		mail := lp + "@" + Domain
		b.remote = append(b.remote, b.addUser(directory.User{
			Recipient: directory.Recipient{
				ID:              GUID("user", mail),
				DN:              "CN=" + name + ",OU=Sales,OU=Staff,DC=corp,DC=example",
				Name:            name,
				Mail:            mail,
				ProxyAddresses:  []string{"SMTP:" + mail, "smtp:" + lp + "@" + CoexistenceDomain},
				ExternalAddress: lp + "@" + CoexistenceDomain,
			},
			Kind: directory.RemoteMailbox,
		}))
	}
	b.dept["Sales"] = append(b.dept["Sales"], b.remote...)
}

// guest adds an Entra B2B guest: it has no on-premises DN and its address is
// its home organization's, so it is external.
func (b *builder) guest(domain, org string) *directory.User {
	first, last := b.person()
	mail := localPart(first, last) + "@" + domain
	return b.addUser(directory.User{
		Recipient: directory.Recipient{
			ID:             GUID("user", "guest:"+mail),
			Name:           first + " " + last + " (" + org + ")",
			Mail:           mail,
			ProxyAddresses: []string{"SMTP:" + mail},
		},
		Kind: directory.Guest,
	})
}

// mailUser adds a contractor's mail user: an account in our directory with
// an address in our domain, whose mail is routed to the contractor's own
// mailbox elsewhere. External, because routing decides.
func (b *builder) mailUser(domain, org string) *directory.User {
	first, last := b.person()
	lp := localPart(first, last)
	mail := lp + "@" + Domain
	name := first + " " + last + " (" + org + ")"
	return b.addUser(directory.User{
		Recipient: directory.Recipient{
			ID:              GUID("user", mail),
			DN:              "CN=" + name + ",OU=Contractors,OU=Staff,DC=corp,DC=example",
			Name:            name,
			Mail:            mail,
			ProxyAddresses:  []string{"SMTP:" + mail},
			ExternalAddress: lp + "@" + domain,
		},
		Kind: directory.MailUser,
	})
}
