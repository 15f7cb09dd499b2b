package graph

import (
	"context"
	"errors"
	"fmt"

	"dgaudit/directory"
)

// Gap names for what only Exchange Online knows.
const (
	GapDeliverySettings = directory.CoverGroupSettings
	GapDynamicGroups    = directory.CoverDynamicGroups
	GapExchange         = "exchange-online"
)

// addExchange overlays what Exchange Online knows, or records as gaps what
// stays unknown without it. An Exchange failure is a gap, not an error: the
// Graph half of the scan is still worth reporting, marked incomplete.
func (s *Source) addExchange(ctx context.Context, snap *directory.Snapshot) error {
	if s.cfg.Exchange == nil {
		exchangeGaps(snap, "no Exchange Online source was configured")
		return nil
	}
	exo, err := s.cfg.Exchange.Snapshot(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		s.log.Warn("exchange online not read", "err", err)
		snap.Coverage.AddGap(GapExchange, "", err.Error())
		exchangeGaps(snap, "Exchange Online could not be read")
		return nil
	}
	graphGroups := len(snap.Groups)
	matched := overlay(snap, exo)
	s.log.Info("overlaid exchange online", "groups", len(exo.Groups), "matched", matched)
	if missing := graphGroups - matched; missing > 0 {
		snap.Coverage.AddGap(GapDeliverySettings, "", fmt.Sprintf(
			"%d of %d groups Graph listed were not in the Exchange Online data (matched by ExternalDirectoryObjectId); their delivery settings are marked unknown", missing, graphGroups))
	}
	return nil
}

// exchangeGaps records what Graph cannot tell and marks every group's
// delivery settings unknown, so that no default stands in for them. Microsoft
// 365 groups are marked too: Graph gives their allowExternalSenders, but not
// their report and out-of-office targets, and one flag per group keeps the
// engine simple. One gap per kind (not per group) keeps a 5,000-group report
// readable while the exit code still says the scan is incomplete.
func exchangeGaps(snap *directory.Snapshot, why string) {
	n := 0
	for i := range snap.Groups {
		snap.Groups[i].SettingsUnknown = true
		if snap.Groups[i].Kind != directory.Microsoft365 {
			n++
		}
	}
	if len(snap.Groups) > 0 {
		snap.Coverage.AddGap(GapDeliverySettings, "", fmt.Sprintf(
			"%s: Graph cannot read sender authentication, delivery-report and out-of-office targets, moderation or accept/reject lists (of %d distribution lists and mail-enabled security groups; report and out-of-office targets of %d Microsoft 365 groups); they are marked unknown and not judged",
			why, n, len(snap.Groups)-n))
	}
	snap.Coverage.AddGap(GapDynamicGroups, "", why+": Graph does not list dynamic distribution groups")
	snap.Coverage.AddGap(directory.CoverRemoteDomains, "", why+": Graph does not expose remote domains (Get-RemoteDomain)")
}

// overlay merges an Exchange Online snapshot, keyed by Entra object ID
// (ExternalDirectoryObjectId), into the Graph one and returns how many
// groups matched. Graph stays the source of groups and membership; Exchange
// supplies the delivery settings, the objects Graph does not list (dynamic
// groups, recipients outside any group's Graph membership), the accepted
// domains with their types, the remote domains and its own coverage. Graph
// groups Exchange did not return keep their settings unknown.
func overlay(snap, exo *directory.Snapshot) int {
	groups := indexByID(snap.Groups, func(g directory.Group) string { return g.ID })
	for i := range snap.Groups {
		snap.Groups[i].SettingsUnknown = true
	}
	matched := 0
	for _, x := range exo.Groups {
		i, ok := groups[x.ID]
		if !ok {
			snap.Groups = append(snap.Groups, x)
			continue
		}
		matched++
		g := &snap.Groups[i]
		g.SettingsUnknown = x.SettingsUnknown
		setTri(&g.RequireSenderAuth, x.RequireSenderAuth)
		setTri(&g.ReportToOriginator, x.ReportToOriginator)
		setTri(&g.ReportToManager, x.ReportToManager)
		setTri(&g.OOFToOriginator, x.OOFToOriginator)
		setTri(&g.Moderation, x.Moderation)
		g.AcceptOnlyFrom = x.AcceptOnlyFrom
		g.AcceptOnlyFromMembersOf = x.AcceptOnlyFromMembersOf
		g.RejectFrom = x.RejectFrom
		g.RejectFromMembersOf = x.RejectFromMembersOf
		g.ModeratedBy = x.ModeratedBy
		g.ManagedBy = x.ManagedBy
		g.HiddenFromGAL = x.HiddenFromGAL
		// Either side saying so is enough: the cost of missing it is a
		// script that stops at the group.
		g.DirSynced = g.DirSynced || x.DirSynced
		if g.DN == "" {
			g.DN = x.DN
		}
		if g.MembersUnknown && !x.MembersUnknown {
			g.Members, g.MembersUnknown = x.Members, false
		}
	}
	users := indexByID(snap.Users, func(u directory.User) string { return u.ID })
	for _, x := range exo.Users {
		if i, ok := users[x.ID]; ok {
			// Exchange knows mail users and remote mailboxes apart and
			// their target addresses; Graph only guesses from the domain.
			u := &snap.Users[i]
			u.Kind, u.ExternalAddress, u.HiddenFromGAL = x.Kind, x.ExternalAddress, x.HiddenFromGAL
			continue
		}
		snap.Users = append(snap.Users, x)
	}
	contacts := indexByID(snap.Contacts, func(c directory.Contact) string { return c.ID })
	for _, x := range exo.Contacts {
		if i, ok := contacts[x.ID]; ok {
			c := &snap.Contacts[i]
			if x.ExternalAddress != "" {
				c.ExternalAddress = x.ExternalAddress
			}
			c.HiddenFromGAL = x.HiddenFromGAL
			continue
		}
		snap.Contacts = append(snap.Contacts, x)
	}
	if len(exo.Org.AcceptedDomains) > 0 {
		snap.Org.AcceptedDomains = exo.Org.AcceptedDomains
	}
	snap.Org.RemoteDomains = exo.Org.RemoteDomains
	if exo.Org.Name != "" {
		snap.Org.Name = exo.Org.Name
	}
	snap.Coverage.Read = append(snap.Coverage.Read, exo.Coverage.Read...)
	snap.Coverage.Gaps = append(snap.Coverage.Gaps, exo.Coverage.Gaps...)
	return matched
}

// indexByID maps each object's ID to its position.
func indexByID[T any](xs []T, id func(T) string) map[string]int {
	m := make(map[string]int, len(xs))
	for i, x := range xs {
		m[id(x)] = i
	}
	return m
}

func setTri(dst *directory.Tri, v directory.Tri) {
	if v.IsSet() {
		*dst = v
	}
}
