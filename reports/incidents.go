package reports

import (
	"fmt"
	"strings"
	"time"

	"dgaudit/audit"
)

// incident is one piece of observed evidence as the row formats show it: a
// loop, a rewritten return path, a spoofed sender, a backscatter source or
// an out-of-office storm. The XLSX Incidents sheet, the CSV and JSON Lines
// all list the same incidents, so a SIEM alerting on JSON Lines sees the
// live loop the workbook puts first.
type incident struct {
	kind     string // loop, return-path-rewrite, spoofed-sender, backscatter, oof-storm
	severity audit.Severity
	// subject is what the incident is about: the group's address, the
	// spoofed sender, the backscatter source or the internal address.
	subject            string
	groupID, groupName string
	first, last        time.Time
	messages           int64
	peak               int64 // 0: not applicable
	amplification      float64
	signals            []string
	external, servers  string
	detail             string
	// reasonUnknown marks backscatter whose originals' failure the export
	// does not give: the headline must not claim unknown recipients.
	reasonUnknown bool
	// distributed marks backscatter from many sources taken together.
	distributed bool
}

// Incident kinds as the rule column of the line formats shows them: they
// are not rule IDs, so they carry a prefix no rule has. The CSV's group_name
// of an incident row is observedGroupName, as organization findings have
// theirs.
const (
	observedPrefix    = "observed-"
	observedGroupName = "(observed)"
)

func incidents(t *audit.Traffic) []incident {
	if t == nil {
		return nil
	}
	var out []incident
	for _, l := range t.Loops {
		detail := fmt.Sprintf("%d expansions reached %d recipients; %d bounces or automatic replies came back; one message went round up to %d times; report prefixes stacked %d deep; %.1f per hour",
			l.Expansions, l.Delivered, l.Bounces, l.MaxRounds, l.MaxDepth, l.PerHour)
		if len(l.ReentryMembers) > 0 {
			detail += "; external members whose mail came back: " + withMore(strings.Join(l.ReentryMembers, ", "), len(l.ReentryMembers), l.ReentryMembersTotal, l.ReentryMembersCapped)
		}
		ext := withMore(addressList(l.External), len(l.External), l.ExternalTotal, l.ExternalCapped)
		servers := "in: " + withMore(addressList(l.InboundServers), len(l.InboundServers), l.InboundServersTotal, l.InboundServersCapped) +
			"; out: " + withMore(addressList(l.OutboundServers), len(l.OutboundServers), l.OutboundServersTotal, l.OutboundServersCapped)
		out = append(out, incident{kind: "loop", severity: l.Severity, subject: l.Group, groupID: l.GroupID, groupName: l.GroupName,
			first: l.FirstSeen, last: l.LastSeen, messages: l.Expansions, peak: l.PeakPerInterval, amplification: l.Amplification,
			signals: l.Signals, external: ext, servers: servers, detail: detail})
	}
	for _, r := range t.ReturnPathRewrites {
		out = append(out, incident{kind: "return-path-rewrite", severity: audit.SeverityRewrite, subject: r.Group, groupID: r.GroupID, groupName: r.GroupName,
			first: r.FirstSeen, last: r.LastSeen, messages: r.Events,
			detail: "the group's own address was the return path of mail from: " + withMore(addressList(r.Senders), len(r.Senders), r.SendersTotal, r.SendersCapped)})
	}
	// The list holds the busiest senders only: each row says so, since a
	// row of the line formats stands alone.
	var others string
	if More(len(t.Spoofing), t.SpoofingTotal, t.SpoofingCapped) != "" {
		others = fmt.Sprintf("; %d spoofed messages in all, from %s spoofed senders: the list shows the %d with the most",
			t.SpoofedMessages, AtLeast(t.SpoofingTotal, t.SpoofingCapped), len(t.Spoofing))
	}
	for _, s := range t.Spoofing {
		out = append(out, incident{kind: "spoofed-sender", severity: s.Severity(), subject: s.Sender, first: s.FirstSeen, last: s.LastSeen,
			messages: s.Messages, servers: withMore(addressList(s.Clients), len(s.Clients), s.ClientsTotal, s.ClientsCapped),
			detail: fmt.Sprintf("internal address received from outside without authentication, to %d recipients; subjects: %s", s.Recipients,
				withMore(strings.Join(s.Subjects, " | "), len(s.Subjects), s.SubjectsTotal, s.SubjectsCapped)) + returnedNote(s) + others})
	}
	for _, b := range t.Backscatter {
		var peak int64
		for _, c := range b.Timeline {
			peak = max(peak, c.N)
		}
		detail := fmt.Sprintf("delivery reports to external addresses for recipients that do not exist; at most %d in one hour", b.PeakPerHour)
		servers := b.Source
		switch {
		case b.ReasonUnknown:
			detail = fmt.Sprintf("delivery reports to external addresses for messages that failed for a reason the export does not give (a recipient that does not exist, a full mailbox, a size limit or a rule); at most %d in one hour", b.PeakPerHour)
		case b.Distributed:
			detail = fmt.Sprintf("delivery reports to external addresses for recipients that do not exist, from %s sources each under the threshold of one source, together (%s); at most %d in one hour, %d within 24 hours",
				AtLeast(b.SourcesTotal, b.SourcesCapped), DistributedNature(b.Severity), b.PeakPerHour, b.PeakPer24Hours)
			servers = withMore(addressList(b.Sources), len(b.Sources), b.SourcesTotal, b.SourcesCapped)
		}
		out = append(out, incident{kind: "backscatter", severity: b.Severity, subject: b.Source, first: b.FirstSeen, last: b.LastSeen,
			messages: b.Reports, peak: peak, external: withMore(addressList(b.Domains), len(b.Domains), b.DomainsTotal, b.DomainsCapped), servers: servers,
			detail: detail, reasonUnknown: b.ReasonUnknown, distributed: b.Distributed})
	}
	for _, o := range t.OOFStorms {
		out = append(out, incident{kind: "oof-storm", severity: audit.SeverityOOFStorm, subject: o.Internal, first: o.FirstSeen, last: o.LastSeen,
			messages: o.Out + o.In, external: o.External, detail: fmt.Sprintf("%d automatic replies out, %d back", o.Out, o.In)})
	}
	return out
}

// returnedNote says how many of a spoofed sender's messages were the
// organization's own coming back, which an admin reads differently from
// forgeries: the remote server re-sending them is the one to call, unless
// none came back audit.ReturnFlood times to one recipient (nor
// audit.ReturnRepeat times among audit.ReturnMany returns), which an
// outside list with colleagues on it does with every post. It does not
// call the others forged, nor these genuine: a Message-ID is the sender's
// word.
func returnedNote(s audit.SpoofedSender) string {
	const own = "the organization's own messages coming back"
	const why = " (each has the Message-ID of a message the sender submitted within the week before, under its subject)"
	switch {
	case s.Returned == 0:
		return ""
	case s.Severity() < audit.SeveritySpoofing:
		return "; all of them are " + own + " from an outside list or forwarder" + why + ", " + ReturnsAtMost(s.MostReturnsOfOne)
	case s.Returned == s.Messages:
		return "; all of them are " + own + why + ": a remote server is re-sending them" + MostReturns(s)
	}
	return fmt.Sprintf("; %d of them are %s%s: a remote server is re-sending them", s.Returned, own, why) + MostReturns(s)
}

// MostReturns says how many times the one of a sender's returned messages
// that came back most did to one recipient (", one of them 12 times to one
// recipient"), or nothing when each came back once to each: a flood is
// one message to the same recipient many times. An earlier version's
// report with audit.SpoofedSender.MostReturnsCapped says nothing more: its
// count could be 0 ("at least 0 times").
func MostReturns(s audit.SpoofedSender) string {
	if s.MostReturnsOfOne <= 1 {
		return ""
	}
	return fmt.Sprintf(", one of them %d times to one recipient", s.MostReturnsOfOne)
}

// ReturnsAtMost is why a sender whose messages all came back, each at most
// n times to any one recipient, is info rather than an incident, in the
// stderr summary and the Incidents detail alike: a list with a dozen
// members may send a post back a dozen times, once to each.
func ReturnsAtMost(n int64) string {
	times := fmt.Sprintf("%d times", n)
	if n == 1 {
		times = "once"
	}
	return "each at most " + times + " to any one recipient: normal for outside lists with internal members"
}

// title is the incident's one-line headline for the line formats.
func (in incident) title() string {
	switch in.kind {
	case "loop":
		return "Observed: mail loops through the group"
	case "return-path-rewrite":
		return "Observed: the group's address is the return path of its mail"
	case "spoofed-sender":
		if in.severity < audit.SeveritySpoofing {
			return "Observed: the organization's own messages came back from outside"
		}
		return "Observed: an internal address arrived from outside"
	case "backscatter":
		if in.reasonUnknown {
			return "Observed: non-delivery reports to outside addresses, why the originals failed not known"
		}
		if in.distributed {
			return "Observed: non-delivery reports to outside addresses for unknown recipients, from many sources"
		}
		return "Observed: non-delivery reports to outside addresses for unknown recipients"
	}
	return "Observed: automatic replies go back and forth with an outside address"
}

// evidence is the incident's numbers in the one-line key=value form of the
// findings' evidence.
func (in incident) evidence() string {
	parts := []string{"subject=" + in.subject, "firstSeen=" + optTime(in.first), "lastSeen=" + optTime(in.last), fmt.Sprintf("messages=%d", in.messages)}
	if in.peak > 0 {
		parts = append(parts, fmt.Sprintf("peakPerInterval=%d", in.peak))
	}
	if in.amplification > 0 {
		parts = append(parts, fmt.Sprintf("amplification=%.1f", in.amplification))
	}
	if len(in.signals) > 0 {
		parts = append(parts, "signals="+strings.Join(in.signals, ","))
	}
	if in.external != "" {
		parts = append(parts, "external="+in.external)
	}
	if in.servers != "" {
		parts = append(parts, "servers="+in.servers)
	}
	return strings.Join(parts, "; ")
}

// More is what follows a list cut to shown of total entries: "" when
// nothing was cut, "and 17 more", or "and at least 17 more" when capped
// says total is a lower bound (the aggregate hit its cap and dropped keys).
// Counting what was left out from the cut list itself would say 0.
func More(shown, total int, capped bool) string {
	more := total - shown
	switch {
	case capped && more > 0:
		return fmt.Sprintf("and at least %d more", more)
	case capped:
		// A key was dropped at the cap, so there was at least one more.
		return "and more"
	case more > 0:
		return fmt.Sprintf("and %d more", more)
	}
	return ""
}

// AtLeast is a count that may be a lower bound: "280", or "at least 2000"
// when capped.
func AtLeast(total int, capped bool) string {
	if capped {
		return fmt.Sprintf("at least %d", total)
	}
	return fmt.Sprint(total)
}

func withMore(list string, shown, total int, capped bool) string {
	more := More(shown, total, capped)
	switch {
	case more == "":
		return list
	case list == "":
		return more
	}
	return list + " " + more
}

// evidenceBySeverity counts the incidents of the traffic section by
// severity, for the summaries beside the groups' findings.
func evidenceBySeverity(t *audit.Traffic) map[audit.Severity]int {
	by := map[audit.Severity]int{}
	for _, in := range incidents(t) {
		by[in.severity]++
	}
	return by
}

// DistributedNature says what the backscatter of many sources, each under
// the threshold, taken together is at its severity: an attack when high;
// at medium it may as well be the organization's own bounces, and says so.
func DistributedNature(sev audit.Severity) string {
	if sev >= audit.High {
		return "a distributed NDR attack"
	}
	return "spread over many hosts: an NDR attack, or the organization's own bounces, which recipient filtering would turn into rejections"
}
