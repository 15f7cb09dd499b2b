package audit

// Drift compares two states of one organization's groups (dgaudit diff): a
// snapshot or report before and after a change, or on-premises Active
// Directory against Exchange Online in a hybrid migration. Like the baseline
// comparison it is pure; the caller builds the two sides.

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"dgaudit/directory"
)

// DriftSide is one of the two states compared.
type DriftSide struct {
	// Label names it in output (the file it came from).
	Label string
	// Kind is "snapshot" or "report".
	Kind string
	// MembersAre says what Members holds on this side ("direct members" for
	// snapshots, "external recipients" for reports), so that only like is
	// compared with like.
	MembersAre string
	Groups     []DriftGroup
	// Gaps are what the collection behind this side could not read (the
	// snapshot's or report's coverage gaps).
	Gaps []directory.Gap
}

// DriftGroup is one group as the comparison sees it.
type DriftGroup struct {
	ID, Name, Mail, Kind string
	// Settings are the effective settings, in a fixed order.
	Settings []DriftValue
	// Members are addresses (lower case) where known, else object IDs.
	Members []string
	// MembersUnknown is set when Members could not be read in full (the
	// group's membership, or for reports anything it expands to): an empty
	// or short list then says nothing about who was removed.
	MembersUnknown bool
	// SettingsUnknown is set when the group's settings were not read; its
	// Settings then hold SourceUnknown.
	SettingsUnknown bool
}

// DriftValue is one named value.
type DriftValue struct {
	Name, Value string
}

// DriftMatch says how groups were paired.
type DriftMatch string

// Matchings.
const (
	// DriftByID pairs groups by stable object ID (both sides from one system).
	DriftByID DriftMatch = "object-id"
	// DriftByMail pairs groups by primary SMTP address, for sides from
	// different systems (objectGUID on-premises, Entra object IDs online)
	// whose IDs never agree.
	DriftByMail DriftMatch = "primary-smtp-address"
)

// Drift is the comparison.
type Drift struct {
	A, B      DriftSideInfo
	MatchedBy DriftMatch
	// Matched counts paired groups; Same those without any difference.
	Matched, Same int
	OnlyInA       []DriftGroupRef
	OnlyInB       []DriftGroupRef
	Settings      []DriftSettingDiff
	Members       []DriftMemberDiff
	// MembersCompared is what membership was compared ("direct members"),
	// empty when the sides hold different things; Notes say why.
	MembersCompared string
	// Unread lists what of a paired group was not compared because one side
	// could not read it: neither a difference nor a match.
	Unread []DriftUnread
	Notes  []string
}

// Incomplete reports whether the comparison is missing something: a side
// has coverage gaps or a paired group could not be compared in full. The CLI
// exits with its "completed with gaps" code then, as for an audit.
func (d *Drift) Incomplete() bool {
	return len(d.A.Gaps) > 0 || len(d.B.Gaps) > 0 || len(d.Unread) > 0
}

// DriftSideInfo describes a side in the result.
type DriftSideInfo struct {
	Label, Kind string
	Groups      int
	Gaps        []directory.Gap
}

// DriftUnread is one part of a paired group that was not compared.
type DriftUnread struct {
	Group DriftGroupRef
	// What is "membership" or "settings".
	What string
	// Sides is the side that could not read it: "A", "B" or "A and B".
	Sides string
}

// DriftGroupRef names a group, with its ID on each side where paired.
type DriftGroupRef struct {
	Name, Mail string
	IDA, IDB   string
}

// DriftSettingDiff is one setting that differs between paired groups.
type DriftSettingDiff struct {
	Group   DriftGroupRef
	Setting string
	A, B    string
}

// DriftMemberDiff lists members on one side only, for a paired group.
type DriftMemberDiff struct {
	Group          DriftGroupRef
	OnlyInA        []string
	OnlyInB        []string
	CountA, CountB int
}

// CompareDrift pairs the groups of a and b and lists their differences, in the
// order of a's groups by name, then b's unpaired groups.
func CompareDrift(a, b *DriftSide) *Drift {
	r := &Drift{
		A: DriftSideInfo{Label: a.Label, Kind: a.Kind, Groups: len(a.Groups), Gaps: a.Gaps},
		B: DriftSideInfo{Label: b.Label, Kind: b.Kind, Groups: len(b.Groups), Gaps: b.Gaps},
	}
	r.MatchedBy = DriftByID
	key := func(g *DriftGroup) string { return g.ID }
	if !driftSharesID(a, b) && len(a.Groups) > 0 && len(b.Groups) > 0 {
		r.MatchedBy = DriftByMail
		key = func(g *DriftGroup) string { return strings.ToLower(g.Mail) }
		r.Notes = append(r.Notes, "no object ID appears on both sides, so groups were paired by primary SMTP address")
	}
	if a.MembersAre == b.MembersAre {
		r.MembersCompared = a.MembersAre
	} else {
		r.Notes = append(r.Notes, "membership not compared: "+a.Label+" holds "+a.MembersAre+", "+b.Label+" holds "+b.MembersAre)
	}
	inB := make(map[string]*DriftGroup, len(b.Groups))
	for i := range b.Groups {
		if k := key(&b.Groups[i]); k != "" {
			if _, dup := inB[k]; !dup {
				inB[k] = &b.Groups[i]
			}
		}
	}
	paired := map[*DriftGroup]bool{}
	as := driftSorted(a.Groups)
	for _, ga := range as {
		gb := inB[key(ga)]
		if gb == nil || paired[gb] {
			r.OnlyInA = append(r.OnlyInA, DriftGroupRef{Name: ga.Name, Mail: ga.Mail, IDA: ga.ID})
			continue
		}
		paired[gb] = true
		r.Matched++
		ref := DriftGroupRef{Name: ga.Name, Mail: ga.Mail, IDA: ga.ID, IDB: gb.ID}
		differs := false
		if ga.Name != gb.Name {
			r.Settings = append(r.Settings, DriftSettingDiff{Group: ref, Setting: "Name", A: ga.Name, B: gb.Name})
			differs = true
		}
		if !strings.EqualFold(ga.Mail, gb.Mail) {
			r.Settings = append(r.Settings, DriftSettingDiff{Group: ref, Setting: "PrimarySmtpAddress", A: ga.Mail, B: gb.Mail})
			differs = true
		}
		if ga.Kind != gb.Kind {
			r.Settings = append(r.Settings, DriftSettingDiff{Group: ref, Setting: "Kind", A: ga.Kind, B: gb.Kind})
			differs = true
		}
		unread := false
		if sides := driftSides(ga.SettingsUnknown, gb.SettingsUnknown); sides != "" {
			r.Unread = append(r.Unread, DriftUnread{Group: ref, What: "settings", Sides: sides})
			unread = true
		}
		for _, s := range ga.Settings {
			v, ok := driftValueOf(gb.Settings, s.Name)
			if !ok || s.Value == SourceUnknown || v == SourceUnknown {
				// A value one side could not read is not a change.
				continue
			}
			if v != s.Value {
				r.Settings = append(r.Settings, DriftSettingDiff{Group: ref, Setting: s.Name, A: s.Value, B: v})
				differs = true
			}
		}
		membersUnread := driftSides(ga.MembersUnknown, gb.MembersUnknown)
		if r.MembersCompared != "" && membersUnread != "" {
			// Members missing from a list that was not read in full were
			// not removed; comparing would report them as if they were.
			r.Unread = append(r.Unread, DriftUnread{Group: ref, What: "membership", Sides: membersUnread})
			unread = true
		} else if r.MembersCompared != "" {
			onlyA, onlyB := driftSetDiff(ga.Members, gb.Members)
			if len(onlyA) > 0 || len(onlyB) > 0 {
				r.Members = append(r.Members, DriftMemberDiff{Group: ref, OnlyInA: onlyA, OnlyInB: onlyB,
					CountA: len(ga.Members), CountB: len(gb.Members)})
				differs = true
			}
		}
		if !differs && !unread {
			r.Same++
		}
	}
	for _, gb := range driftSorted(b.Groups) {
		if !paired[gb] {
			r.OnlyInB = append(r.OnlyInB, DriftGroupRef{Name: gb.Name, Mail: gb.Mail, IDB: gb.ID})
		}
	}
	r.Notes = append(r.Notes, driftGapNotes(a)...)
	r.Notes = append(r.Notes, driftGapNotes(b)...)
	if n := driftUnreadNote(r.Unread); n != "" {
		r.Notes = append(r.Notes, n)
	}
	return r
}

// driftSides names the sides for which unknown is set, "" for neither.
func driftSides(a, b bool) string {
	switch {
	case a && b:
		return "A and B"
	case a:
		return "A"
	case b:
		return "B"
	}
	return ""
}

// driftNoteItems is how many gaps or groups a note names before "and N
// more": notes are one line each in the terminal summary.
const driftNoteItems = 5

// driftGapNotes says what the side's collection could not read: groups only
// on the other side, or differences, may be nothing but that.
func driftGapNotes(s *DriftSide) []string {
	if len(s.Gaps) == 0 {
		return nil
	}
	items := make([]string, 0, min(len(s.Gaps), driftNoteItems))
	for i, g := range s.Gaps {
		if i == driftNoteItems {
			items = append(items, "and "+strconv.Itoa(len(s.Gaps)-driftNoteItems)+" more")
			break
		}
		item := g.What
		if g.Object != "" {
			item += " " + g.Object
		}
		if g.Reason != "" {
			item += " (" + g.Reason + ")"
		}
		items = append(items, item)
	}
	return []string{s.Label + " is incomplete, " + driftCount(len(s.Gaps), "coverage gap") + ": " + strings.Join(items, "; ") +
		"; groups missing on that side or differing may not have been read"}
}

// driftUnreadNote names the paired groups not compared in full.
func driftUnreadNote(us []DriftUnread) string {
	if len(us) == 0 {
		return ""
	}
	items := make([]string, 0, min(len(us), driftNoteItems))
	for i, u := range us {
		if i == driftNoteItems {
			items = append(items, "and "+strconv.Itoa(len(us)-driftNoteItems)+" more")
			break
		}
		items = append(items, u.Group.Name+" <"+u.Group.Mail+">: "+u.What+" not read in "+u.Sides)
	}
	return "not compared because a side could not read it: " + strings.Join(items, "; ")
}

func driftCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func driftSharesID(a, b *DriftSide) bool {
	ids := make(map[string]bool, len(a.Groups))
	for _, g := range a.Groups {
		ids[g.ID] = true
	}
	for _, g := range b.Groups {
		if ids[g.ID] {
			return true
		}
	}
	return false
}

func driftSorted(gs []DriftGroup) []*DriftGroup {
	out := make([]*DriftGroup, len(gs))
	for i := range gs {
		out[i] = &gs[i]
	}
	slices.SortStableFunc(out, func(x, y *DriftGroup) int {
		if c := cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return out
}

func driftValueOf(ss []DriftValue, name string) (string, bool) {
	for _, s := range ss {
		if s.Name == name {
			return s.Value, true
		}
	}
	return "", false
}

// driftSetDiff returns the sorted members of a not in b and of b not in a.
func driftSetDiff(a, b []string) (onlyA, onlyB []string) {
	inA := make(map[string]bool, len(a))
	for _, m := range a {
		inA[m] = true
	}
	inB := make(map[string]bool, len(b))
	for _, m := range b {
		inB[m] = true
		if !inA[m] {
			onlyB = append(onlyB, m)
		}
	}
	for _, m := range a {
		if !inB[m] {
			onlyA = append(onlyA, m)
		}
	}
	slices.Sort(onlyA)
	slices.Sort(onlyB)
	return slices.Compact(onlyA), slices.Compact(onlyB)
}

// DriftSideOfSnapshot builds a side from a snapshot: every mail-enabled group with
// its effective settings (as the audit reads them) and its direct members by
// address, so that members compare across systems.
func DriftSideOfSnapshot(label string, s *directory.Snapshot) *DriftSide {
	addr := map[string]string{}
	put := func(r directory.Recipient) {
		a := r.Mail
		if a == "" {
			a = r.ExternalAddress
		}
		if a != "" {
			addr[r.ID] = strings.ToLower(a)
		}
	}
	for _, u := range s.Users {
		put(u.Recipient)
	}
	for _, c := range s.Contacts {
		put(c.Recipient)
	}
	for _, g := range s.Groups {
		put(g.Recipient)
	}
	side := &DriftSide{Label: label, Kind: "snapshot", MembersAre: "direct members", Gaps: s.Coverage.Gaps}
	for i := range s.Groups {
		g := &s.Groups[i]
		if g.Mail == "" {
			continue
		}
		members := make([]string, 0, len(g.Members))
		for _, m := range g.Members {
			members = append(members, cmp.Or(addr[m], m))
		}
		st := SettingsOf(g)
		values := DriftValues(st.Fields(), DriftCounts(st.DeliveryReportsTo, st.AcceptOnlyFrom, st.RejectFrom, st.Owners)...)
		if g.SettingsUnknown {
			values = DriftUnknown(values)
		}
		side.Groups = append(side.Groups, DriftGroup{
			ID: g.ID, Name: g.Name, Mail: g.Mail, Kind: string(g.Kind),
			Settings:        values,
			Members:         members,
			MembersUnknown:  g.MembersUnknown,
			SettingsUnknown: g.SettingsUnknown,
		})
	}
	return side
}

// DriftValues turns the audit's settings into comparison settings, named by
// their cmdlet parameter.
func DriftValues(fields []Setting, extra ...DriftValue) []DriftValue {
	out := make([]DriftValue, 0, len(fields)+len(extra))
	for _, f := range fields {
		out = append(out, DriftValue{Name: f.Name, Value: f.Value})
	}
	return append(out, extra...)
}

// DriftCounts are the derived settings both snapshots and reports carry
// besides the switches.
func DriftCounts(reportsTo directory.ReportTarget, acceptOnlyFrom, rejectFrom, owners int) []DriftValue {
	return []DriftValue{
		{Name: "SendDeliveryReportsTo", Value: string(reportsTo)},
		{Name: "AcceptMessagesOnlyFrom (entries)", Value: strconv.Itoa(acceptOnlyFrom)},
		{Name: "RejectMessagesFrom (entries)", Value: strconv.Itoa(rejectFrom)},
		{Name: "ManagedBy (entries)", Value: strconv.Itoa(owners)},
	}
}

// DriftUnknown marks every value unknown, for a group whose settings were not
// read: its zero counts are not "no entries", and comparing them as such
// would report changes nobody made.
func DriftUnknown(values []DriftValue) []DriftValue {
	for i := range values {
		values[i].Value = SourceUnknown
	}
	return values
}
