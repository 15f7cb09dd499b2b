package reports

import (
	"time"

	"dgaudit/audit"
)

// The traffic section: evidence from message tracking (docs/report-schema.md,
// "traffic"). Present only when tracking logs were given.

type jsonTraffic struct {
	Input              jsonTrafficInput  `json:"input"`
	Start              string            `json:"start"`
	End                string            `json:"end"`
	IntervalSeconds    int64             `json:"intervalSeconds"`
	Loops              []jsonLoop        `json:"loops"`
	ReturnPathRewrites []jsonRewrite     `json:"returnPathRewrites"`
	Spoofing           []jsonSpoof       `json:"spoofing"`
	SpoofingTotal      int               `json:"spoofingTotal"`
	SpoofingCapped     bool              `json:"spoofingCapped"`
	SpoofedMessages    int64             `json:"spoofedMessages"`
	Backscatter        []jsonBackscatter `json:"backscatter"`
	BackscatterBelow   jsonBelow         `json:"backscatterBelowThreshold"`
	OOFStorms          []jsonOOFStorm    `json:"oofStorms"`
	Truncated          []string          `json:"truncated"`
	Unjudged           []string          `json:"unjudged"`
}

type jsonTrafficInput struct {
	Files               []jsonTrafficFile   `json:"files"`
	Bytes               int64               `json:"bytes"`
	Lines               int64               `json:"lines"`
	Events              int64               `json:"events"`
	Malformed           int64               `json:"malformed"`
	MalformedLines      int64               `json:"malformedLines"`
	MalformedSamples    []jsonMalformedLine `json:"malformedSamples"`
	Duplicates          int64               `json:"duplicates"`
	DuplicatesAtLeast   bool                `json:"duplicatesAtLeast"`
	Unmatched           int                 `json:"unmatched"`
	FailedFiles         int                 `json:"failedFiles"`
	GroupsFromDirectory bool                `json:"groupsFromDirectory"`
}

type jsonTrafficFile struct {
	Path      string `json:"path"`
	Format    string `json:"format"`
	Lines     int64  `json:"lines"`
	Events    int64  `json:"events"`
	Malformed int64  `json:"malformed"`
	// MalformedLines: see audit.TrafficInput.
	MalformedLines int64    `json:"malformedLines"`
	Duplicates     int64    `json:"duplicates"`
	Notes          []string `json:"notes"`
	Lacks          []string `json:"lacks"`
	Error          string   `json:"error,omitempty"`
}

type jsonMalformedLine struct {
	File  string `json:"file"`
	Line  int64  `json:"line"`
	Lines int64  `json:"lines"`
	// Reason says what was wrong with the record.
	Reason string `json:"reason"`
}

type jsonCount struct {
	At string `json:"at"`
	N  int64  `json:"n"`
}

type jsonAddressCount struct {
	Address string `json:"address"`
	N       int64  `json:"n"`
}

type jsonLoop struct {
	Group           string         `json:"group"`
	GroupID         string         `json:"groupId,omitempty"`
	GroupName       string         `json:"groupName,omitempty"`
	Severity        audit.Severity `json:"severity"`
	Signals         []string       `json:"signals"`
	FirstSeen       string         `json:"firstSeen"`
	LastSeen        string         `json:"lastSeen"`
	Expansions      int64          `json:"expansions"`
	Delivered       int64          `json:"delivered"`
	Inbound         int64          `json:"inbound"`
	Bounces         int64          `json:"bounces"`
	LoopingMessages int64          `json:"loopingMessages"`
	MaxRounds       int64          `json:"maxRounds"`
	MaxDepth        int            `json:"maxDepth"`
	Amplification   float64        `json:"amplification"`
	PerHour         float64        `json:"perHour"`
	PeakPerInterval int64          `json:"peakPerInterval"`
	PeakAt          string         `json:"peakAt,omitempty"`
	Timeline        []jsonCount    `json:"timeline"`
	// Each list cut to its busiest entries comes with how many distinct
	// entries there were, and whether that count stopped at the
	// aggregate's cap (a lower bound).
	External              []jsonAddressCount `json:"externalRecipients"`
	ExternalTotal         int                `json:"externalRecipientsTotal"`
	ExternalCapped        bool               `json:"externalRecipientsCapped"`
	ReentryMembers        []string           `json:"reentryMembers"`
	ReentryMembersTotal   int                `json:"reentryMembersTotal"`
	ReentryMembersCapped  bool               `json:"reentryMembersCapped"`
	InboundServers        []jsonAddressCount `json:"inboundServers"`
	InboundServersTotal   int                `json:"inboundServersTotal"`
	InboundServersCapped  bool               `json:"inboundServersCapped"`
	OutboundServers       []jsonAddressCount `json:"outboundServers"`
	OutboundServersTotal  int                `json:"outboundServersTotal"`
	OutboundServersCapped bool               `json:"outboundServersCapped"`
}

type jsonRewrite struct {
	Group         string             `json:"group"`
	GroupID       string             `json:"groupId,omitempty"`
	GroupName     string             `json:"groupName,omitempty"`
	Events        int64              `json:"events"`
	FirstSeen     string             `json:"firstSeen"`
	LastSeen      string             `json:"lastSeen"`
	Senders       []jsonAddressCount `json:"senders"`
	SendersTotal  int                `json:"sendersTotal"`
	SendersCapped bool               `json:"sendersCapped"`
}

type jsonSpoof struct {
	Sender   string `json:"sender"`
	Messages int64  `json:"messages"`
	Returned int64  `json:"returned"`
	// Severity and the returns below it are later fields: a sender whose
	// messages all came back, none of them audit.ReturnFlood times (nor
	// audit.ReturnRepeat among audit.ReturnMany), is info
	// (audit.SpoofedSender.Severity).
	Severity          audit.Severity     `json:"severity"`
	MostReturnsOfOne  int64              `json:"mostReturnsOfOne"`
	MostReturnsCapped bool               `json:"mostReturnsCapped"`
	Recipients        int64              `json:"recipients"`
	FirstSeen         string             `json:"firstSeen"`
	LastSeen          string             `json:"lastSeen"`
	Clients           []jsonAddressCount `json:"clients"`
	ClientsTotal      int                `json:"clientsTotal"`
	ClientsCapped     bool               `json:"clientsCapped"`
	Subjects          []string           `json:"subjects"`
	SubjectsTotal     int                `json:"subjectsTotal"`
	SubjectsCapped    bool               `json:"subjectsCapped"`
}

type jsonBackscatter struct {
	Source         string             `json:"source"`
	Severity       audit.Severity     `json:"severity"`
	ReasonUnknown  bool               `json:"reasonUnknown"`
	Distributed    bool               `json:"distributed"`
	Reports        int64              `json:"reports"`
	PeakPerHour    int64              `json:"peakPerHour"`
	PeakPer24Hours int64              `json:"peakPer24Hours"`
	FirstSeen      string             `json:"firstSeen"`
	LastSeen       string             `json:"lastSeen"`
	Domains        []jsonAddressCount `json:"domains"`
	DomainsTotal   int                `json:"domainsTotal"`
	DomainsCapped  bool               `json:"domainsCapped"`
	Sources        []jsonAddressCount `json:"sources"`
	SourcesTotal   int                `json:"sourcesTotal"`
	SourcesCapped  bool               `json:"sourcesCapped"`
	Timeline       []jsonCount        `json:"timeline"`
}

type jsonBelow struct {
	Threshold int   `json:"threshold"`
	Sources   int   `json:"sources"`
	Reports   int64 `json:"reports"`
}

type jsonOOFStorm struct {
	Internal  string `json:"internal"`
	External  string `json:"external"`
	Out       int64  `json:"out"`
	In        int64  `json:"in"`
	FirstSeen string `json:"firstSeen"`
	LastSeen  string `json:"lastSeen"`
}

type jsonObserved struct {
	Loop     bool     `json:"loop"`
	Signals  []string `json:"signals"`
	Messages int64    `json:"messages"`
	Points   int      `json:"points"`
	// AddedPoints is what Points added to the score under its cap.
	AddedPoints int `json:"addedPoints"`
}

// optTime is "" for the zero time, so that an empty log does not claim
// year 1.
func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return jsonTime(t)
}

func countsJSON(cs []audit.Count) []jsonCount {
	out := make([]jsonCount, len(cs))
	for i, c := range cs {
		out[i] = jsonCount{At: jsonTime(c.At), N: c.N}
	}
	return out
}

func addressCountsJSON(cs []audit.AddressCount) []jsonAddressCount {
	out := make([]jsonAddressCount, len(cs))
	for i, c := range cs {
		out[i] = jsonAddressCount{Address: c.Address, N: c.N}
	}
	return out
}

func observedJSON(o *audit.ObservedTraffic) *jsonObserved {
	if o == nil {
		return nil
	}
	return &jsonObserved{Loop: o.Loop, Signals: nonNil(o.Signals), Messages: o.Messages, Points: o.Points, AddedPoints: o.Added}
}

func trafficJSON(t *audit.Traffic) jsonTraffic {
	in := t.Input
	j := jsonTraffic{
		Input: jsonTrafficInput{
			Bytes: in.Bytes, Lines: in.Lines, Events: in.Events, Malformed: in.Malformed, MalformedLines: in.MalformedLines,
			Duplicates: in.Duplicates, DuplicatesAtLeast: in.DuplicatesAtLeast, Unmatched: in.Unmatched, FailedFiles: in.Failed, GroupsFromDirectory: in.GroupsFromDirectory,
			Files: make([]jsonTrafficFile, len(in.Files)), MalformedSamples: make([]jsonMalformedLine, len(in.MalformedSamples)),
		},
		Start: optTime(t.Start), End: optTime(t.End), IntervalSeconds: int64(t.Interval / time.Second),
		Loops:              make([]jsonLoop, len(t.Loops)),
		ReturnPathRewrites: make([]jsonRewrite, len(t.ReturnPathRewrites)),
		Spoofing:           make([]jsonSpoof, len(t.Spoofing)),
		SpoofingTotal:      t.SpoofingTotal,
		SpoofingCapped:     t.SpoofingCapped,
		SpoofedMessages:    t.SpoofedMessages,
		Backscatter:        make([]jsonBackscatter, len(t.Backscatter)),
		BackscatterBelow:   jsonBelow{Threshold: t.BackscatterBelow.Threshold, Sources: t.BackscatterBelow.Sources, Reports: t.BackscatterBelow.Reports},
		OOFStorms:          make([]jsonOOFStorm, len(t.OOFStorms)),
		Truncated:          nonNil(t.Truncated),
		Unjudged:           nonNil(t.Unjudged),
	}
	for i, f := range in.Files {
		j.Input.Files[i] = jsonTrafficFile{Path: f.Path, Format: f.Format, Lines: f.Lines, Events: f.Events, Malformed: f.Malformed, MalformedLines: f.MalformedLines, Duplicates: f.Duplicates, Notes: nonNil(f.Notes), Lacks: nonNil(f.Lacks), Error: f.Error}
	}
	for i, m := range in.MalformedSamples {
		j.Input.MalformedSamples[i] = jsonMalformedLine{File: m.File, Line: m.Line, Lines: m.Lines, Reason: m.Reason}
	}
	for i, l := range t.Loops {
		j.Loops[i] = jsonLoop{
			Group: l.Group, GroupID: l.GroupID, GroupName: l.GroupName, Severity: l.Severity, Signals: nonNil(l.Signals),
			FirstSeen: optTime(l.FirstSeen), LastSeen: optTime(l.LastSeen),
			Expansions: l.Expansions, Delivered: l.Delivered, Inbound: l.Inbound, Bounces: l.Bounces,
			LoopingMessages: l.LoopingMessages, MaxRounds: l.MaxRounds, MaxDepth: l.MaxDepth,
			Amplification: l.Amplification, PerHour: l.PerHour, PeakPerInterval: l.PeakPerInterval, PeakAt: optTime(l.PeakAt),
			Timeline: countsJSON(l.Timeline), External: addressCountsJSON(l.External), ExternalTotal: l.ExternalTotal,
			ReentryMembers: nonNil(l.ReentryMembers), InboundServers: addressCountsJSON(l.InboundServers), OutboundServers: addressCountsJSON(l.OutboundServers),
			ExternalCapped: l.ExternalCapped, ReentryMembersTotal: l.ReentryMembersTotal, ReentryMembersCapped: l.ReentryMembersCapped,
			InboundServersTotal: l.InboundServersTotal, InboundServersCapped: l.InboundServersCapped,
			OutboundServersTotal: l.OutboundServersTotal, OutboundServersCapped: l.OutboundServersCapped,
		}
	}
	for i, r := range t.ReturnPathRewrites {
		j.ReturnPathRewrites[i] = jsonRewrite{Group: r.Group, GroupID: r.GroupID, GroupName: r.GroupName, Events: r.Events,
			FirstSeen: optTime(r.FirstSeen), LastSeen: optTime(r.LastSeen), Senders: addressCountsJSON(r.Senders),
			SendersTotal: r.SendersTotal, SendersCapped: r.SendersCapped}
	}
	for i, s := range t.Spoofing {
		j.Spoofing[i] = jsonSpoof{Sender: s.Sender, Messages: s.Messages, Returned: s.Returned, Severity: s.Severity(),
			MostReturnsOfOne: s.MostReturnsOfOne, MostReturnsCapped: s.MostReturnsCapped, Recipients: s.Recipients, FirstSeen: optTime(s.FirstSeen),
			LastSeen: optTime(s.LastSeen), Clients: addressCountsJSON(s.Clients), Subjects: nonNil(s.Subjects),
			ClientsTotal: s.ClientsTotal, ClientsCapped: s.ClientsCapped, SubjectsTotal: s.SubjectsTotal, SubjectsCapped: s.SubjectsCapped}
	}
	for i, b := range t.Backscatter {
		j.Backscatter[i] = jsonBackscatter{Source: b.Source, Severity: b.Severity, ReasonUnknown: b.ReasonUnknown, Distributed: b.Distributed,
			Reports: b.Reports, PeakPerHour: b.PeakPerHour, PeakPer24Hours: b.PeakPer24Hours,
			FirstSeen: optTime(b.FirstSeen), LastSeen: optTime(b.LastSeen),
			Domains: addressCountsJSON(b.Domains), Timeline: countsJSON(b.Timeline), DomainsTotal: b.DomainsTotal, DomainsCapped: b.DomainsCapped,
			Sources: addressCountsJSON(b.Sources), SourcesTotal: b.SourcesTotal, SourcesCapped: b.SourcesCapped}
	}
	for i, o := range t.OOFStorms {
		j.OOFStorms[i] = jsonOOFStorm{Internal: o.Internal, External: o.External, Out: o.Out, In: o.In, FirstSeen: optTime(o.FirstSeen), LastSeen: optTime(o.LastSeen)}
	}
	return j
}
