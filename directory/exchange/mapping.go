package exchange

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"dgaudit/directory"
)

// Cmdlets whose output the mapping reads. The export files are named after
// them without the verb ("DistributionGroup.json").
const (
	CmdDistributionGroup              = "Get-DistributionGroup"
	CmdDynamicDistributionGroup       = "Get-DynamicDistributionGroup"
	CmdUnifiedGroup                   = "Get-UnifiedGroup"
	CmdRecipient                      = "Get-Recipient"
	CmdMailContact                    = "Get-MailContact"
	CmdMailUser                       = "Get-MailUser"
	CmdAcceptedDomain                 = "Get-AcceptedDomain"
	CmdRemoteDomain                   = "Get-RemoteDomain"
	CmdDistributionGroupMember        = "Get-DistributionGroupMember"
	CmdDynamicDistributionGroupMember = "Get-DynamicDistributionGroupMember"
	CmdUnifiedGroupLinks              = "Get-UnifiedGroupLinks"
)

// coverReferences is the Gap.What for an owner or sender-list entry that
// matched more than one object.
const coverReferences = "references"

// recipientClass is what a RecipientTypeDetails value maps to.
type recipientClass int

const (
	classOther recipientClass = iota // not a recipient (User, plain Group, ...)
	classGroup
	classMailbox
	classRemoteMailbox
	classMailUser
	classGuest
	classContact
)

// recipientTypes maps RecipientTypeDetails (and RecipientType, which member
// cmdlets also print) to a class. Keys are lower case.
var recipientTypes = map[string]recipientClass{
	"usermailbox": classMailbox, "linkedmailbox": classMailbox, "sharedmailbox": classMailbox,
	"legacymailbox": classMailbox, "roommailbox": classMailbox, "equipmentmailbox": classMailbox,
	"teammailbox": classMailbox, "schedulingmailbox": classMailbox, "linkedroommailbox": classMailbox,
	"publicfolder": classMailbox, "publicfoldermailbox": classMailbox, "discoverymailbox": classMailbox,
	"mailuniversaldistributiongroup": classGroup, "mailuniversalsecuritygroup": classGroup,
	"mailnonuniversalgroup": classGroup, "dynamicdistributiongroup": classGroup, "roomlist": classGroup,
	"groupmailbox": classGroup, "remotegroupmailbox": classGroup,
	"remoteusermailbox": classRemoteMailbox, "remoteroommailbox": classRemoteMailbox,
	"remoteequipmentmailbox": classRemoteMailbox, "remotesharedmailbox": classRemoteMailbox,
	"remoteteammailbox": classRemoteMailbox,
	"mailuser":          classMailUser, "guestmailuser": classGuest,
	"mailcontact": classContact, "mailforestcontact": classContact,
	// Not recipients: Exchange skips them when it expands a group.
	"user": classOther, "disableduser": classOther, "contact": classOther, "group": classOther,
	"universaldistributiongroup": classOther, "universalsecuritygroup": classOther,
	"nonuniversalgroup": classOther, "linkeduser": classOther, "computer": classOther,
}

// recipientTypeNames maps the numeric RecipientTypeDetails values (which
// ConvertTo-Json writes for enums) to their names (exchange-domain.md A.2).
var recipientTypeNames = map[int64]string{
	1: "UserMailbox", 2: "LinkedMailbox", 4: "SharedMailbox", 8: "LegacyMailbox", 16: "RoomMailbox",
	32: "EquipmentMailbox", 64: "MailContact", 128: "MailUser", 256: "MailUniversalDistributionGroup",
	512: "MailNonUniversalGroup", 1024: "MailUniversalSecurityGroup", 2048: "DynamicDistributionGroup",
	4096: "PublicFolder", 32768: "MailForestContact", 65536: "User", 131072: "Contact",
	262144: "UniversalDistributionGroup", 524288: "UniversalSecurityGroup", 1048576: "NonUniversalGroup",
	2097152: "DisabledUser", 33554432: "LinkedUser", 268435456: "RoomList",
	2147483648: "RemoteUserMailbox", 8589934592: "RemoteRoomMailbox", 17179869184: "RemoteEquipmentMailbox",
	34359738368: "RemoteSharedMailbox", 68719476736: "PublicFolderMailbox", 137438953472: "TeamMailbox",
	274877906944: "RemoteTeamMailbox", 1099511627776: "GroupMailbox", 8796093022208: "RemoteGroupMailbox",
}

// recipientType returns the record's RecipientTypeDetails (else
// RecipientType) as a name, and its class. known is false when the record
// has neither or an unknown value.
func recipientType(r Record) (name string, class recipientClass, known bool) {
	for _, prop := range []string{"RecipientTypeDetails", "RecipientType"} {
		s, _ := r.Str(prop)
		if s == "" {
			continue
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if nm, ok := recipientTypeNames[n]; ok {
				s = nm
			}
		}
		if c, ok := recipientTypes[strings.ToLower(s)]; ok {
			return s, c, true
		}
		return s, classOther, false
	}
	return "", classOther, false
}

// builder turns cmdlet records into a snapshot. It is not safe for
// concurrent use.
type builder struct {
	online bool
	source string

	org      directory.Organization
	groups   []pendingGroup
	groupIdx map[string]int // ID -> index in groups
	users    []directory.User
	userIdx  map[string]int
	contacts []directory.Contact
	ctIdx    map[string]int

	// index maps every identifier an object is known by (ID, Guid,
	// ExternalDirectoryObjectId, DistinguishedName, PrimarySmtpAddress,
	// Identity, Name, Alias), in lower case, to its ID; "" marks a key
	// two objects share.
	index map[string]string
	// wanted holds, in lower case, the owner and sender-list references of
	// the groups read so far: the non-ID keys worth indexing.
	wanted map[string]struct{}

	memberships, skipped int
	cover                directory.Coverage
	errs                 []error
}

type pendingGroup struct {
	g          directory.Group
	refs       groupRefs
	membersSet bool
	// membersFailed: the read of the members failed and left its own gap.
	membersFailed bool
}

type groupRefs struct {
	acceptFrom, acceptFromMembersOf, rejectFrom, rejectFromMembersOf, moderatedBy, managedBy []string
	members                                                                                  []string
}

func newBuilder(source string, online bool) *builder {
	return &builder{
		online: online, source: source,
		groupIdx: map[string]int{}, userIdx: map[string]int{}, ctIdx: map[string]int{},
		index: map[string]string{}, wanted: map[string]struct{}{},
	}
}

// normID puts a GUID in the form the LDAP sources use: lower case, no
// braces.
func normID(s string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(s), "{}"))
}

// objectID picks the stable ID: ExternalDirectoryObjectId in Exchange Online
// (the Entra object ID Graph uses), Guid on premises (objectGUID, which LDAP
// snapshots use). Either falls back to the other.
func (b *builder) objectID(r Record, errs *[]error) string {
	guid := normID(r.str("Guid", errs))
	edo := normID(r.str("ExternalDirectoryObjectId", errs))
	switch {
	case b.online && edo != "":
		return edo
	case guid != "":
		return guid
	case edo != "":
		return edo
	}
	if x := normID(r.str("ExchangeObjectId", errs)); x != "" {
		return x
	}
	*errs = append(*errs, fmt.Errorf("%s: no Guid or ExternalDirectoryObjectId to identify the object (include both properties in the export)", r.Where()))
	return ""
}

// recipient maps what every recipient shares.
func (b *builder) recipient(r Record, errs *[]error, group bool) (directory.Recipient, bool) {
	id := b.objectID(r, errs)
	if id == "" {
		return directory.Recipient{}, false
	}
	rec := directory.Recipient{ID: id, DN: r.str("DistinguishedName", errs)}
	rec.Name = firstNonEmpty(r.str("DisplayName", errs), r.str("Name", errs), r.str("Alias", errs))
	rec.ProxyAddresses = r.list("EmailAddresses", errs)
	rec.Mail = r.str("PrimarySmtpAddress", errs)
	if rec.Mail == "" {
		for _, p := range rec.ProxyAddresses {
			if a, ok := strings.CutPrefix(p, "SMTP:"); ok {
				rec.Mail = a
				break
			}
		}
	}
	if rec.Mail == "" {
		rec.Mail = r.str("WindowsEmailAddress", errs)
	}
	if t := r.str("ExternalEmailAddress", errs); t != "" {
		rec.ExternalAddress = directory.StripAddressType(t)
	}
	rec.HiddenFromGAL = r.tri("HiddenFromAddressListsEnabled", errs) == directory.True
	b.addKeys(id, r, group)
	return rec, true
}

// addKeys indexes the identifiers references may use for the object: its
// IDs always (member objects carry them), and its names, addresses and DN
// when it is a group (member rows name their group by address or
// Identity) or when a group's owner or sender list uses them. Indexing
// every name of every recipient would cost hundreds of megabytes in a large
// organization for references nobody makes.
func (b *builder) addKeys(id string, r Record, group bool) {
	add := func(k string) {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			return
		}
		if prev, ok := b.index[k]; ok && prev != id {
			b.index[k] = ""
			return
		}
		b.index[k] = id
	}
	add(id)
	for _, p := range []string{"Guid", "ExternalDirectoryObjectId", "ExchangeObjectId"} {
		s, _ := r.Str(p)
		add(normID(s))
	}
	for _, p := range []string{"DistinguishedName", "PrimarySmtpAddress", "Identity", "Name", "Alias"} {
		s, _ := r.Str(p)
		if group {
			add(s)
		} else if _, ok := b.wanted[strings.ToLower(s)]; ok {
			add(s)
		}
	}
}

// want records references that recipients read later must resolve.
func (b *builder) want(refs ...[]string) {
	for _, l := range refs {
		for _, ref := range l {
			b.wanted[strings.ToLower(strings.TrimSpace(ref))] = struct{}{}
		}
	}
}

// addGroup maps a group from Get-DistributionGroup,
// Get-DynamicDistributionGroup or Get-UnifiedGroup. A group seen twice (a
// page served again, the same group in two files) is kept once.
func (b *builder) addGroup(cmdlet string, r Record) {
	var errs []error
	rec, ok := b.recipient(r, &errs, true)
	if !ok {
		b.errs = append(b.errs, errs...)
		return
	}
	if _, dup := b.groupIdx[rec.ID]; dup {
		return
	}
	g := directory.Group{Recipient: rec}
	switch cmdlet {
	case CmdDynamicDistributionGroup:
		g.Kind = directory.Dynamic
		g.DynamicFilter = firstNonEmpty(r.str("LdapRecipientFilter", &errs), r.str("RecipientFilter", &errs))
		g.DynamicBaseDN = r.str("RecipientContainer", &errs)
	case CmdUnifiedGroup:
		g.Kind = directory.Microsoft365
	default:
		name, _, _ := recipientType(r)
		gt := r.str("GroupType", &errs)
		if strings.EqualFold(name, "MailUniversalSecurityGroup") || strings.Contains(strings.ToLower(gt), "securityenabled") {
			g.Kind = directory.MailSecurity
		} else {
			g.Kind = directory.Distribution
		}
	}
	g.RequireSenderAuth = r.tri("RequireSenderAuthenticationEnabled", &errs)
	g.ReportToOriginator = r.tri("ReportToOriginatorEnabled", &errs)
	g.ReportToManager = r.tri("ReportToManagerEnabled", &errs)
	g.OOFToOriginator = r.tri("SendOofMessageToOriginatorEnabled", &errs)
	g.Moderation = r.tri("ModerationEnabled", &errs)
	// An export without the property (an older script) reads as a cloud
	// group: the fix is then tried in Exchange Online, as before.
	g.DirSynced = r.tri("IsDirSynced", &errs) == directory.True
	refs := groupRefs{
		acceptFrom:          r.list("AcceptMessagesOnlyFrom", &errs),
		acceptFromMembersOf: r.list("AcceptMessagesOnlyFromDLMembers", &errs),
		rejectFrom:          r.list("RejectMessagesFrom", &errs),
		rejectFromMembersOf: r.list("RejectMessagesFromDLMembers", &errs),
		moderatedBy:         r.list("ModeratedBy", &errs),
		managedBy:           r.list("ManagedBy", &errs),
	}
	// Get-UnifiedGroup and some exports carry only the combined lists; their
	// entries still restrict senders, so they count as individual senders.
	if !r.Has("AcceptMessagesOnlyFrom") && !r.Has("AcceptMessagesOnlyFromDLMembers") {
		refs.acceptFrom = r.list("AcceptMessagesOnlyFromSendersOrMembers", &errs)
	}
	if !r.Has("RejectMessagesFrom") && !r.Has("RejectMessagesFromDLMembers") {
		refs.rejectFrom = r.list("RejectMessagesFromSendersOrMembers", &errs)
	}
	if len(errs) > 0 {
		b.errs = append(b.errs, errs...)
		return
	}
	b.want(refs.acceptFrom, refs.acceptFromMembersOf, refs.rejectFrom, refs.rejectFromMembersOf, refs.moderatedBy, refs.managedBy)
	b.groupIdx[g.ID] = len(b.groups)
	b.groups = append(b.groups, pendingGroup{g: g, refs: refs})
}

// addRecipient maps a Get-Recipient, Get-MailContact or Get-MailUser object
// to a user or contact. Groups are skipped (their own cmdlets give their
// settings); so are objects that are not recipients. A later record for the
// same object overrides the addresses of the earlier one, so Get-MailContact
// and Get-MailUser refine what Get-Recipient said.
func (b *builder) addRecipient(r Record) {
	var errs []error
	name, class, known := recipientType(r)
	if !known {
		if name == "" {
			b.errs = append(b.errs, fmt.Errorf("%s: no RecipientTypeDetails (include it in the export)", r.Where()))
		}
		// An unknown type (a newer Exchange's) is not guessed at.
		return
	}
	if class == classOther || class == classGroup {
		return
	}
	rec, ok := b.recipient(r, &errs, false)
	if len(errs) > 0 || !ok {
		b.errs = append(b.errs, errs...)
		return
	}
	if class == classContact {
		if i, dup := b.ctIdx[rec.ID]; dup {
			b.contacts[i].Recipient = merge(b.contacts[i].Recipient, rec)
			return
		}
		b.ctIdx[rec.ID] = len(b.contacts)
		b.contacts = append(b.contacts, directory.Contact{Recipient: rec})
		return
	}
	u := directory.User{Recipient: rec}
	switch class {
	case classRemoteMailbox:
		u.Kind = directory.RemoteMailbox
	case classMailUser:
		u.Kind = directory.MailUser
	case classGuest:
		u.Kind = directory.Guest
	default:
		u.Kind = directory.Mailbox
	}
	if i, dup := b.userIdx[u.ID]; dup {
		b.users[i].Recipient = merge(b.users[i].Recipient, rec)
		return
	}
	b.userIdx[u.ID] = len(b.users)
	b.users = append(b.users, u)
}

// merge lets the later record's non-empty values win.
func merge(old, nw directory.Recipient) directory.Recipient {
	if nw.ExternalAddress != "" {
		old.ExternalAddress = nw.ExternalAddress
	}
	if nw.Mail != "" {
		old.Mail = nw.Mail
	}
	if len(nw.ProxyAddresses) > 0 {
		old.ProxyAddresses = nw.ProxyAddresses
	}
	old.HiddenFromGAL = old.HiddenFromGAL || nw.HiddenFromGAL
	return old
}

// membersFailed marks a group whose members could not be read; the caller
// records the gap.
func (b *builder) membersFailed(groupID, reason string) {
	if i, ok := b.groupIdx[groupID]; ok {
		b.groups[i].membersFailed = true
		b.cover.AddGap(directory.CoverGroupMembers, groupID, reason)
	}
}

// setMembers records the member objects of a group (the output of
// Get-DistributionGroupMember and friends).
func (b *builder) setMembers(groupID string, members []Record) {
	i, ok := b.groupIdx[groupID]
	if !ok {
		return
	}
	b.groups[i].membersSet = true
	for _, m := range members {
		b.addMember(i, m)
	}
}

// addMember resolves one member object of group i to an object ID, by its
// most specific identifier first. Groups and recipients must have been
// added already. A member that is not a recipient (a user without a
// mailbox, a plain security group) is skipped and counted, as Exchange
// skips it when it expands the group; one that matches nothing is kept by
// its DN, Identity, address or name, so the report shows something a
// person can look up, and is a gap. A row with no identifier at all is the
// "group read, no members" marker of an export.
func (b *builder) addMember(i int, m Record) {
	pg := &b.groups[i]
	pg.membersSet = true
	var keys [6]string
	empty := true
	for j, p := range [6]string{"ExternalDirectoryObjectId", "Guid", "DistinguishedName", "PrimarySmtpAddress", "Identity", "Name"} {
		s, _ := m.Str(p)
		if j < 2 {
			s = normID(s)
		}
		keys[j] = s
		empty = empty && s == ""
	}
	if empty {
		return
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		if id, amb := b.lookup(k); id != "" && !amb {
			// The index's own string, so that a million memberships share
			// the IDs' memory.
			pg.refs.members = append(pg.refs.members, id)
			return
		}
	}
	if _, class, known := recipientType(m); known && class == classOther {
		b.skipped++
		return
	}
	var shown string
	for _, j := range []int{2, 4, 3, 5, 1, 0} {
		if keys[j] != "" {
			shown = keys[j]
			break
		}
	}
	pg.refs.members = append(pg.refs.members, shown)
	b.cover.AddGap(directory.CoverGroupMembers, pg.g.ID, "member "+shown+": not among the recipients read")
}

// known reports whether id is the ID of an object read.
func (b *builder) known(id string) bool {
	if _, ok := b.groupIdx[id]; ok {
		return true
	}
	if _, ok := b.userIdx[id]; ok {
		return true
	}
	_, ok := b.ctIdx[id]
	return ok
}

func (b *builder) lookup(key string) (id string, ambiguous bool) {
	id, ok := b.index[strings.ToLower(strings.TrimSpace(key))]
	if !ok {
		return "", false
	}
	return id, id == ""
}

// finish resolves references and returns the snapshot.
func (b *builder) finish(collectedAt time.Time, membersRead bool) *directory.Snapshot {
	s := &directory.Snapshot{
		SchemaVersion: directory.SchemaVersion,
		Source:        b.source,
		CollectedAt:   collectedAt,
		Org:           b.org,
		Users:         b.users,
		Contacts:      b.contacts,
		Groups:        make([]directory.Group, 0, len(b.groups)),
	}
	for _, pg := range b.groups {
		g := pg.g
		// The same member listed twice (a page served again) counts once.
		g.Members = slices.Compact(slices.Sorted(slices.Values(pg.refs.members)))
		for _, m := range g.Members {
			if b.known(m) {
				b.memberships++
			}
		}
		if !pg.membersSet && membersRead && pg.membersFailed {
			g.MembersUnknown = true
		}
		if !pg.membersSet && membersRead && !pg.membersFailed {
			g.MembersUnknown = true
			reason := "the group's members are not in the export"
			if g.Kind == directory.Dynamic {
				reason = "dynamic group: its members are not in the export (Get-DynamicDistributionGroupMember or a recipient preview of its filter " + quote(g.DynamicFilter) + " was not exported)"
			}
			b.cover.AddGap(directory.CoverGroupMembers, g.ID, reason)
		}
		if !membersRead && !pg.membersSet {
			g.MembersUnknown = true
		}
		g.AcceptOnlyFrom = b.resolveRefs(g.ID, pg.refs.acceptFrom)
		g.AcceptOnlyFromMembersOf = b.resolveRefs(g.ID, pg.refs.acceptFromMembersOf)
		g.RejectFrom = b.resolveRefs(g.ID, pg.refs.rejectFrom)
		g.RejectFromMembersOf = b.resolveRefs(g.ID, pg.refs.rejectFromMembersOf)
		g.ModeratedBy = b.resolveRefs(g.ID, pg.refs.moderatedBy)
		g.ManagedBy = b.resolveRefs(g.ID, pg.refs.managedBy)
		s.Groups = append(s.Groups, g)
	}
	s.Coverage.AddRead(directory.CoverGroups, len(s.Groups), b.source)
	s.Coverage.AddRead(directory.CoverUsers, len(s.Users), b.source)
	s.Coverage.AddRead(directory.CoverContacts, len(s.Contacts), b.source)
	if membersRead {
		s.Coverage.AddRead(directory.CoverGroupMembers, b.memberships, b.source)
	}
	if b.skipped > 0 {
		s.Coverage.AddRead(directory.CoverNonRecipientMembers, b.skipped, b.source)
	}
	s.Coverage.Read = append(s.Coverage.Read, b.cover.Read...)
	s.Coverage.Gaps = append(s.Coverage.Gaps, b.cover.Gaps...)
	return s
}

// resolveRefs maps owner and sender-list entries to IDs. An entry that
// matches nothing keeps its text: a sender allow-list whose entries cannot
// be resolved still restricts senders, and dropping them would make the
// group look open.
func (b *builder) resolveRefs(groupID string, refs []string) []string {
	if len(refs) == 0 {
		return nil
	}
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		id, amb := b.lookup(ref)
		switch {
		case amb:
			b.cover.AddGap(coverReferences, groupID, fmt.Sprintf("%q names more than one object; kept as written", ref))
			out = append(out, ref)
		case id != "":
			out = append(out, id)
		default:
			out = append(out, ref)
		}
	}
	return out
}

// addAcceptedDomain maps a Get-AcceptedDomain object.
func (b *builder) addAcceptedDomain(r Record) {
	var errs []error
	d := directory.AcceptedDomain{Domain: r.str("DomainName", &errs)}
	if d.Domain == "" {
		errs = append(errs, fmt.Errorf("%s: DomainName is empty", r.Where()))
	}
	switch t := strings.ToLower(r.str("DomainType", &errs)); t {
	case "authoritative", "0":
		d.Type = directory.Authoritative
	case "externalrelay", "1":
		d.Type = directory.ExternalRelay
	case "internalrelay", "2":
		d.Type = directory.InternalRelay
	default:
		errs = append(errs, fmt.Errorf("%s: DomainType is %q, want Authoritative, InternalRelay or ExternalRelay", r.Where(), t))
	}
	d.Default = r.tri("Default", &errs) == directory.True
	d.MatchSubDomains = r.tri("MatchSubDomains", &errs) == directory.True
	d.Coexistence = r.tri("IsCoexistenceDomain", &errs) == directory.True ||
		strings.HasSuffix(strings.ToLower(d.Domain), ".mail.onmicrosoft.com")
	if len(errs) > 0 {
		b.errs = append(b.errs, errs...)
		return
	}
	b.org.AcceptedDomains = append(b.org.AcceptedDomains, d)
}

// addRemoteDomain maps a Get-RemoteDomain object.
func (b *builder) addRemoteDomain(r Record) {
	var errs []error
	d := directory.RemoteDomain{Name: r.str("Name", &errs), DomainPattern: r.str("DomainName", &errs)}
	if d.DomainPattern == "" {
		errs = append(errs, fmt.Errorf("%s: DomainName is empty", r.Where()))
	}
	switch t := r.str("AllowedOOFType", &errs); strings.ToLower(t) {
	case "":
	case "external":
		d.AllowedOOFType = directory.OOFExternal
	case "externallegacy":
		d.AllowedOOFType = directory.OOFExternalLegacy
	case "internallegacy":
		d.AllowedOOFType = directory.OOFInternalLegacy
	case "none":
		d.AllowedOOFType = directory.OOFNone
	default:
		errs = append(errs, fmt.Errorf("%s: AllowedOOFType is %q, want External, ExternalLegacy, InternalLegacy or None (export enum names, as the script does)", r.Where(), t))
	}
	d.AutoReplyEnabled = r.tri("AutoReplyEnabled", &errs)
	d.AutoForwardEnabled = r.tri("AutoForwardEnabled", &errs)
	d.NDREnabled = r.tri("NDREnabled", &errs)
	d.DeliveryReportEnabled = r.tri("DeliveryReportEnabled", &errs)
	d.IsInternal = r.tri("IsInternal", &errs)
	if len(errs) > 0 {
		b.errs = append(b.errs, errs...)
		return
	}
	b.org.RemoteDomains = append(b.org.RemoteDomains, d)
}

// maxErrors is how many mapping errors are listed; reading stops soon after.
const maxErrors = 10

// err returns the mapping errors, at most a screenful.
func (b *builder) err() error {
	if len(b.errs) == 0 {
		return nil
	}
	errs := b.errs
	if len(errs) > maxErrors {
		errs = append(errs[:maxErrors:maxErrors], fmt.Errorf("further problems not listed (%d in all so far)", len(b.errs)))
	}
	return errors.Join(errs...)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func quote(f string) string {
	if f == "" {
		return "(none stored)"
	}
	return strconv.Quote(f)
}
