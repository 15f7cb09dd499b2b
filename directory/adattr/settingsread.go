package adattr

import (
	"cmp"
	"fmt"
	"strings"

	"dgaudit/directory"
)

// The Builder's half of the settings read check (readdeny.go): a source
// that can read descriptors gives the check, or says why it could not make
// it; Finish then marks the groups whose settings the bind account may not
// read. A source that does neither (an LDIF export) is not checked.

// CheckSettingsRead makes the builder check every group's descriptor with
// rc. Given before the groups are added, each descriptor is judged as its
// group is added and not kept.
func (b *Builder) CheckSettingsRead(rc *ReadCheck) {
	b.readCheck = rc
	for i := range b.groups {
		b.judge(&b.groups[i])
	}
}

// SettingsReadUnverified records why the check could not be made (the
// server refused the SD flags control, the bind account's SIDs could not be
// read); Finish then records one gap for all groups, so that the scan is
// not called complete on settings nobody could vouch for.
func (b *Builder) SettingsReadUnverified(reason string) { b.readCheckReason = reason }

// WithoutDescriptor returns the DNs of the groups added without an
// nTSecurityDescriptor: those found outside the recipient scan (lookups,
// dynamic groups' filters), whose searches do not ask for it.
func (b *Builder) WithoutDescriptor() []string {
	var out []string
	for _, pg := range b.groups {
		if pg.sd == nil && !pg.read.judged {
			out = append(out, pg.g.DN)
		}
	}
	return out
}

// SetDescriptor gives a group added without one its nTSecurityDescriptor.
func (b *Builder) SetDescriptor(groupDN string, sd []byte) {
	if i, ok := b.groupIdx[NormalizeDN(groupDN)]; ok && sd != nil && !b.groups[i].read.judged {
		b.groups[i].sd = sd
		b.judge(&b.groups[i])
	}
}

// readVerdict is what the check found for one group: the denial, or why
// its descriptor could not be read.
type readVerdict struct {
	judged bool
	denial Denial
	why    string
}

// judge checks pg's descriptor, once the check and the descriptor are both
// there, and drops the descriptor (a few KB a group).
func (b *Builder) judge(pg *pendingGroup) {
	if b.readCheck == nil || pg.sd == nil || pg.read.judged {
		return
	}
	d, err := b.readCheck.Denied(pg.sd, pg.classes)
	pg.read = readVerdict{judged: true, denial: d}
	if err != nil {
		pg.read.why = "nTSecurityDescriptor: " + err.Error()
	}
	pg.sd = nil
}

// finishSettingsRead marks every group whose descriptor denies the bind
// account read of a delivery setting as SettingsUnknown, with a gap each,
// and records one gap for the groups whose descriptor could not be checked.
func (b *Builder) finishSettingsRead() {
	if len(b.groups) == 0 {
		return
	}
	if b.readCheck == nil {
		if b.readCheckReason != "" {
			b.AddGap(directory.CoverGroupSettings, "", fmt.Sprintf("whether the bind account may read the delivery settings of the %d groups "+
				"could not be checked (%s): Active Directory leaves out an attribute the account may not read, as if it were not set, "+
				"and Exchange's default then stands in for it", len(b.groups), b.readCheckReason))
		}
		return
	}
	var unchecked []string
	firstWhy := ""
	for i := range b.groups {
		pg := &b.groups[i]
		if !pg.read.judged || pg.read.why != "" {
			why := pg.read.why
			if why == "" {
				why = "nTSecurityDescriptor not returned (the account may not read the group's permissions)"
			}
			unchecked = append(unchecked, pg.g.Name)
			firstWhy = cmp.Or(firstWhy, why)
			continue
		}
		d := pg.read.denial
		if len(d.Attrs) == 0 {
			continue
		}
		pg.g.SettingsUnknown = true
		scope := strings.Join(d.Attrs, ", ")
		if d.AllProperties {
			scope = "every property, " + scope + " among them"
		}
		b.AddGap(directory.CoverGroupSettings, pg.g.ID, fmt.Sprintf("the group's permissions deny the bind account read of %s (an entry for %s): "+
			"Active Directory leaves such attributes out as if they were not set, so the group's delivery settings are unknown and not judged; "+
			"grant the account read access to them", scope, d.Who()))
	}
	if len(unchecked) > 0 {
		b.AddGap(directory.CoverGroupSettings, "", fmt.Sprintf("whether the bind account may read the delivery settings of %d of %d groups "+
			"could not be checked (%s: %s): their settings are judged as read, but an attribute the account may not read comes back as if not set",
			len(unchecked), len(b.groups), namesSample(unchecked), firstWhy))
	}
}

// namesSample names up to three of names, and how many more there are.
func namesSample(names []string) string {
	const max = 3
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// firstValue is an attribute's first value, nil when absent.
func firstValue(e *Entry, name string) []byte {
	if v := e.Values(name); len(v) > 0 {
		return v[0]
	}
	return nil
}
