package exchange

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dgaudit/directory"
)

// On-premises hygiene files: the Recipient Filter agent's configuration and
// the receive connectors with their relay permission. Exchange Online has
// neither, so an Exchange Online export lacks them without loss.
const (
	FileRecipientFilterConfig = "RecipientFilterConfig"
	FileReceiveConnector      = "ReceiveConnector"
	// FileReceiveConnectorPermission holds one row per permission entry
	// (Get-ADPermission) of a receive connector that grants or denies
	// ms-Exch-SMTP-Accept-Any-Recipient, with the connector's
	// ConnectorIdentity and ConnectorDistinguishedName added; a connector
	// without such entries has one row with only those columns, so that
	// "no entry" and "not read" differ.
	FileReceiveConnectorPermission = "ReceiveConnectorPermission"
)

// Cmdlets of the hygiene files.
const (
	CmdRecipientFilterConfig = "Get-RecipientFilterConfig"
	CmdReceiveConnector      = "Get-ReceiveConnector"
	CmdADPermission          = "Get-ADPermission"
)

// readHygiene reads the hygiene files into b. unread is the manifest's
// Unread: the files the script left out because their cmdlet failed, with
// the reason. A file missing without a reason (an export made by an older
// script) is a gap on premises and nothing in Exchange Online, as for the
// other optional files; either way the setting stays not read (nil), which
// the rules never judge.
func (e Export) readHygiene(ctx context.Context, b *builder, files folder, unread map[string]string, online bool) error {
	missing := func(base, cmdlet, what string) {
		if reason, ok := unread[base]; ok {
			b.cover.AddGap(what, "", fmt.Sprintf("%s was not written: %s", fileNames(base), reason))
			return
		}
		if !online {
			b.cover.AddGap(what, "", fmt.Sprintf("%s is not in the export (the output of %s; the export may come from an older Export-DgauditData.ps1)", fileNames(base), cmdlet))
		}
	}

	// find looks a hygiene file up; one the manifest says this run could
	// not write counts as absent even if an earlier run's copy is there.
	find := func(base string) (string, bool, error) {
		path, ok, err := files.find(base)
		if _, failed := unread[base]; failed {
			ok = false
		}
		return path, ok, err
	}

	path, ok, err := find(FileRecipientFilterConfig)
	if err != nil {
		return err
	}
	if ok {
		var recs []Record
		if err := eachRecord(ctx, path, func(r Record) error { recs = append(recs, r); return nil }); err != nil {
			return fmt.Errorf("exchange export: %w", err)
		}
		f, err := mapRecipientFilter(recs)
		switch {
		case err != nil:
			b.errs = append(b.errs, err)
		case f.Present && (!f.Enabled.IsSet() || !f.ExternalMailEnabled.IsSet() || !f.RecipientValidationEnabled.IsSet()):
			// The cmdlet prints every switch's effective value: one that is
			// missing was not read, and must not be judged as its default.
			b.cover.AddGap(directory.CoverRecipientFilter, "", recs[0].Where()+": Enabled, ExternalMailEnabled or RecipientValidationEnabled is missing: the configuration was not read whole")
		default:
			b.org.RecipientFilter = &f
			b.cover.AddRead(directory.CoverRecipientFilter, len(recs), b.source)
		}
	} else {
		missing(FileRecipientFilterConfig, CmdRecipientFilterConfig, directory.CoverRecipientFilter)
	}

	path, ok, err = find(FileReceiveConnector)
	if err != nil {
		return err
	}
	if !ok {
		missing(FileReceiveConnector, CmdReceiveConnector, directory.CoverReceiveConnectors)
		return nil
	}
	conns := []directory.ReceiveConnector{}
	var errs []error
	if err := eachRecord(ctx, path, func(r Record) error {
		c, err := mapReceiveConnector(r)
		if err != nil {
			errs = append(errs, err)
		} else {
			conns = append(conns, c)
		}
		if len(errs) > maxErrors {
			return errors.Join(errs...)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("exchange export: %w", err)
	}
	if len(errs) > 0 {
		b.errs = append(b.errs, errs...)
		return nil
	}
	b.cover.AddRead(directory.CoverReceiveConnectors, len(conns), b.source)
	b.org.ReceiveConnectors = conns
	if len(conns) == 0 {
		return nil
	}

	path, ok, err = find(FileReceiveConnectorPermission)
	if err != nil {
		return err
	}
	if !ok {
		reason := fmt.Sprintf("%s is not in the export (the output of %s)", fileNames(FileReceiveConnectorPermission), CmdADPermission)
		if r, failed := unread[FileReceiveConnectorPermission]; failed {
			reason = fmt.Sprintf("%s was not written: %s", fileNames(FileReceiveConnectorPermission), r)
		}
		b.cover.AddGap(directory.CoverReceiveConnectors, "", reason+": whether anonymous senders may relay is not known for any connector")
		return nil
	}
	perms := newRelayPermissions(conns)
	if err := eachRecord(ctx, path, func(r Record) error {
		perms.add(b, r)
		if len(b.errs) > maxErrors {
			return b.err()
		}
		return nil
	}); err != nil {
		return fmt.Errorf("exchange export: %w", err)
	}
	perms.decide(b, conns)
	return nil
}

// mapRecipientFilter maps the output of Get-RecipientFilterConfig: no
// object means the organization has no configuration (as an absent
// RecipientFilterConfig object in Active Directory does); one object gives
// its switches. The cmdlet prints effective values, not msExchAgentsFlags,
// so AgentsFlags stays unset.
func mapRecipientFilter(recs []Record) (directory.RecipientFilter, error) {
	switch len(recs) {
	case 0:
		return directory.RecipientFilter{Present: false}, nil
	case 1:
	default:
		return directory.RecipientFilter{}, fmt.Errorf("%s: %d objects; Get-RecipientFilterConfig returns the organization's one configuration", recs[1].Where(), len(recs))
	}
	r := recs[0]
	var errs []error
	f := directory.RecipientFilter{
		Present:                    true,
		Enabled:                    r.tri("Enabled", &errs),
		ExternalMailEnabled:        r.tri("ExternalMailEnabled", &errs),
		RecipientValidationEnabled: r.tri("RecipientValidationEnabled", &errs),
	}
	if len(errs) > 0 {
		return directory.RecipientFilter{}, errors.Join(errs...)
	}
	return f, nil
}

// mapReceiveConnector maps a Get-ReceiveConnector object. The relay
// permission comes from the permission file.
func mapReceiveConnector(r Record) (directory.ReceiveConnector, error) {
	var errs []error
	c := directory.ReceiveConnector{
		Name:           r.str("Name", &errs),
		Server:         r.str("Server", &errs),
		DN:             r.str("DistinguishedName", &errs),
		FQDN:           r.str("Fqdn", &errs),
		Bindings:       r.list("Bindings", &errs),
		RemoteIPRanges: r.list("RemoteIPRanges", &errs),
	}
	id := r.str("Identity", &errs)
	if c.Server == "" {
		// Identity is "<server>\<connector>".
		if s, _, ok := strings.Cut(id, `\`); ok {
			c.Server = s
		}
	}
	if c.Name == "" {
		errs = append(errs, fmt.Errorf("%s: Name is empty", r.Where()))
	}
	if len(errs) > 0 {
		return directory.ReceiveConnector{}, errors.Join(errs...)
	}
	return c, nil
}

// relayPrincipal is a principal whose grant makes a connector an open relay,
// with the name the LDAP sources give it.
type relayPrincipal struct {
	sid, shown string
	names      []string
}

var relayPrincipals = []relayPrincipal{
	{directory.SIDAnonymous, directory.LabelAnonymous, []string{`NT AUTHORITY\ANONYMOUS LOGON`, "ANONYMOUS LOGON"}},
	{directory.SIDEveryone, directory.LabelEveryone, []string{"Everyone", `\Everyone`}},
}

// principalOf returns the index in relayPrincipals of an entry's user, by
// its SID when the script could translate it (names are localized), else by
// name; -1 for anyone else.
func principalOf(user, sid string) int {
	for i, p := range relayPrincipals {
		if strings.EqualFold(sid, p.sid) || strings.EqualFold(user, p.sid) {
			return i
		}
		for _, n := range p.names {
			if strings.EqualFold(user, n) {
				return i
			}
		}
	}
	return -1
}

// relayPermissions collects the permission rows per connector.
type relayPermissions struct {
	idx map[string]int // lower-case DN and Identity -> connector index
	// read marks the connectors with at least one row. decided holds, per
	// connector and relay principal, the first entry that applies: 1 allow,
	// 0 deny, -1 none yet. unsure names, per connector, an entry whose user
	// could be a relay principal under a localized name.
	read    []bool
	decided [][]int
	unsure  []string
}

func newRelayPermissions(conns []directory.ReceiveConnector) *relayPermissions {
	p := &relayPermissions{idx: map[string]int{}, read: make([]bool, len(conns)), decided: make([][]int, len(conns)), unsure: make([]string, len(conns))}
	for i, c := range conns {
		p.decided[i] = make([]int, len(relayPrincipals))
		for j := range p.decided[i] {
			p.decided[i][j] = -1
		}
		for _, k := range []string{c.DN, identityOfConnector(c)} {
			if k != "" {
				p.idx[strings.ToLower(k)] = i
			}
		}
	}
	return p
}

func identityOfConnector(c directory.ReceiveConnector) string {
	if c.Server == "" {
		return c.Name
	}
	return c.Server + `\` + c.Name
}

// add reads one permission row. Get-ADPermission lists a DACL's entries in
// their stored order, and the script keeps it: the first entry for a
// principal decides, as Windows walks the DACL and as the LDAP sources do
// (adattr.DACL.ControlAccessGrant). Entries that only pass on to child
// objects (InheritanceType Descendents or Children) do not apply to the
// connector and are skipped, as there.
func (p *relayPermissions) add(b *builder, r Record) {
	var errs []error
	dn := r.str("ConnectorDistinguishedName", &errs)
	id := r.str("ConnectorIdentity", &errs)
	user := r.str("User", &errs)
	sid := r.str("UserSid", &errs)
	deny := r.tri("Deny", &errs)
	inheritance := r.str("InheritanceType", &errs)
	if len(errs) > 0 {
		b.errs = append(b.errs, errs...)
		return
	}
	i, ok := -1, false
	for _, k := range []string{dn, id} {
		if k == "" {
			continue
		}
		if i, ok = p.idx[strings.ToLower(k)]; ok {
			break
		}
	}
	if dn == "" && id == "" {
		b.errs = append(b.errs, fmt.Errorf("%s: no ConnectorDistinguishedName or ConnectorIdentity: the row does not say which receive connector it belongs to", r.Where()))
		return
	}
	if !ok {
		b.cover.AddGap(directory.CoverReceiveConnectors, firstNonEmpty(dn, id), r.Where()+": the connector is not in "+FileReceiveConnector)
		return
	}
	p.read[i] = true
	if user == "" && sid == "" {
		return // the "read, no entry" marker
	}
	if !deny.IsSet() {
		b.errs = append(b.errs, fmt.Errorf("%s%s: Deny is not set for the entry of %s: whether it grants or denies the right is not known", r.Where(), r.label(), user))
		return
	}
	switch strings.ToLower(strings.TrimSpace(inheritance)) {
	case "descendents", "children":
		return
	}
	j := principalOf(user, sid)
	if j < 0 {
		// Someone else (authenticated senders, Exchange servers,
		// partners), unless the script could not translate the name to a
		// SID: then it may be ANONYMOUS LOGON in another language.
		if sid == "" && !strings.HasPrefix(strings.ToUpper(user), "S-1-") && p.unsure[i] == "" {
			p.unsure[i] = fmt.Sprintf("%s: the entry for %q has no SID (the script could not translate the name), so whether it is anonymous senders under a localized name is not known", r.Where(), user)
		}
		return
	}
	if p.decided[i][j] < 0 {
		p.decided[i][j] = 1
		if deny == directory.True {
			p.decided[i][j] = 0
		}
	}
}

// decide sets each connector's relay state: true when an allow entry for
// anonymous senders or Everyone decides, false when read and none does,
// unset (with a gap) when the connector has no rows or an entry's user is
// not known for sure.
func (p *relayPermissions) decide(b *builder, conns []directory.ReceiveConnector) {
	for i := range conns {
		c := &conns[i]
		if !p.read[i] {
			b.cover.AddGap(directory.CoverReceiveConnectors, firstNonEmpty(c.DN, identityOfConnector(*c)),
				FileReceiveConnectorPermission+" has no row for the connector (Get-ADPermission failed for it; see the export's warnings): whether anonymous senders may relay is not known")
			continue
		}
		granted := false
		for j, pr := range relayPrincipals {
			if p.decided[i][j] == 1 {
				c.AnonymousRelay, c.RelayGrantedTo, granted = directory.True, pr.shown, true
				break
			}
		}
		switch {
		case granted:
		case p.unsure[i] != "":
			b.cover.AddGap(directory.CoverReceiveConnectors, firstNonEmpty(c.DN, identityOfConnector(*c)), p.unsure[i])
		default:
			c.AnonymousRelay = directory.False
		}
	}
}
