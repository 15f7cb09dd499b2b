package ldif

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"dgaudit/directory"
	"dgaudit/directory/adattr"
)

// Source reads a snapshot from an LDIF export of Active Directory.
type Source struct {
	// Path is the LDIF file.
	Path string
	// Now is the clock for CollectedAt; nil means time.Now. The export's
	// own date is not in the file.
	Now func() time.Time
}

// Snapshot reads and maps the export.
func (s Source) Snapshot(ctx context.Context) (*directory.Snapshot, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, fmt.Errorf("ldif: %w", err)
	}
	defer f.Close()
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	snap, err := Read(ctx, f, "ldif:"+s.Path, now())
	if err != nil {
		return nil, fmt.Errorf("ldif: %s: %w", s.Path, err)
	}
	return snap, nil
}

// Read maps LDIF read from r into a snapshot whose Source is source.
//
// Records with the same DN are merged: ldifde writes the values of a ranged
// attribute beyond the first chunk as later "changetype: modify" records
// that add to the same entry. A ranged attribute whose chunks do not reach
// the one ending in "*" (ldapsearch prints only the first 1,500 members of a
// large group) is incomplete: a group's members are then dropped and the
// group marked MembersUnknown with a gap, as the LDAP adapter does when it
// cannot read the rest; another attribute keeps the values read, with a gap.
// An export cannot run a dynamic group's filter, so dynamic groups are marked
// MembersUnknown with a gap; and the organization settings count as read
// only when the export holds them. A file with no entries, or with none that
// is a recipient or a setting, is an error: auditing it would report an
// organization with nothing in it.
func Read(ctx context.Context, r io.Reader, source string, collectedAt time.Time) (*directory.Snapshot, error) {
	entries := map[string]*adattr.Entry{}
	var order []*adattr.Entry
	ranges := rangeSet{}
	n := 0
	err := Parse(r, func(rec Record) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		key := adattr.NormalizeDN(rec.DN)
		e, ok := entries[key]
		if !ok {
			if rec.Modify {
				return &SyntaxError{rec.Line, fmt.Sprintf("modify record for %q comes before its entry", rec.DN)}
			}
			e = adattr.NewEntry(rec.DN)
			entries[key] = e
			order = append(order, e)
		}
		for _, a := range rec.Attrs {
			e.Add(a.Name, a.Value)
			ranges.note(key, a.Name, rec.Modify)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		// An empty file is a failed or mistaken export, not a directory
		// with nothing in it: audited, it would pass for one.
		return nil, errors.New("the file holds no entries (no \"dn:\" record): the export is empty or failed; export again")
	}
	mapped := map[string]bool{}
	for _, list := range [][]string{adattr.Attributes, adattr.ConfigAttributes, adattr.ReceiveConnectorAttributes, adattr.ExtendedRightAttributes} {
		for _, a := range list {
			mapped[strings.ToLower(a)] = true
		}
	}
	b := adattr.NewBuilder(source)
	read := 0 // entries that map to a recipient or a setting
	for _, e := range order {
		short := ranges.incomplete(adattr.NormalizeDN(e.DN))
		var membersShort string
		for _, s := range short {
			if s.key == "member" {
				// Half a member list would understate the group.
				e.Set("member", nil)
				membersShort = s.reason()
			}
		}
		kind, _ := b.Add(e)
		if kind != adattr.KindOther {
			read++
		}
		if membersShort != "" && kind == adattr.KindGroup {
			b.MembersUnknown(e.DN, membersShort)
		}
		for _, s := range short {
			if s.key != "member" && mapped[s.key] {
				b.AddGap(adattr.CoverAttributes, e.DN, s.reason())
			}
		}
	}
	if read == 0 {
		// A filtered export of recipients without groups can be meant; one
		// with nothing the audit reads cannot. It usually lacks the
		// Exchange attributes (ldifde -l without mail, proxyAddresses,
		// mailNickname and msExchRecipientTypeDetails) or holds another
		// part of the directory.
		return nil, fmt.Errorf("none of the file's %d entries is a mail-enabled group, a recipient or an Exchange setting: export the recipients, and with ldifde -l or an ldapsearch attribute list include objectClass, mail, proxyAddresses, mailNickname and msExchRecipientTypeDetails (or list none, to export every attribute)", len(order))
	}
	b.Groups(func(g directory.Group) {
		if g.Kind == directory.Dynamic {
			b.MembersUnknown(g.DN, "dynamic group: an LDIF export cannot run its filter "+quoteFilter(g.DynamicFilter)+"; collect over LDAP to get its members")
		}
	})
	snap := b.Finish(collectedAt)
	// The Recipient Filter configuration and the receive connectors are not
	// asked of an export: one without them leaves them unknown and not
	// judged. One with them says they were read, so that a finding about
	// them that goes away later counts as fixed, not as unread.
	if snap.Org.RecipientFilter != nil {
		snap.Coverage.AddRead(directory.CoverRecipientFilter, 1, source)
	}
	if n := len(snap.Org.ReceiveConnectors); n > 0 && !snap.Coverage.HasGap(directory.CoverReceiveConnectors) {
		snap.Coverage.AddRead(directory.CoverReceiveConnectors, n, source)
	}
	adattr.CoverOrg(&snap.Coverage, map[string]int{
		directory.CoverAcceptedDomains: len(snap.Org.AcceptedDomains),
		directory.CoverRemoteDomains:   len(snap.Org.RemoteDomains),
	}, source, "is in the export",
		`export the configuration partition too (ldifde -d "CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=...")`)
	return snap, nil
}

func quoteFilter(f string) string {
	if f == "" {
		return "(none stored)"
	}
	return fmt.Sprintf("%q", f)
}
