package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"dgaudit/directory/tracking"
	"dgaudit/directory/tracking/trackingtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gentracking:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = rest, u.m
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want a number with KB, MB or GB", s)
	}
	return int64(n * float64(mult)), nil
}

// countingFile counts bytes written so the generator knows when to roll.
type countingFile struct {
	f *os.File
	n int64
}

func (c *countingFile) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	c.n += int64(n)
	return n, err
}

func run() error {
	sizeFlag := flag.String("size", "100MB", "total size to write (KB, MB, GB)")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("o", "", "output folder (created)")
	fileSize := flag.Int64("file-mb", 10, "size of each log file in MB")
	flag.Parse()
	if *out == "" {
		return errors.New("-o FOLDER is required")
	}
	total, err := parseSize(*sizeFlag)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	g := &gen{rnd: rand.New(rand.NewPCG(*seed, 42)), t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	var written int64
	files := 0
	events := 0
	started := time.Now()
	for written < total {
		files++
		path := filepath.Join(*out, fmt.Sprintf("MSGTRK%s-%d.LOG", g.t.Format("20060102"), files))
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		cf := &countingFile{f: f}
		lw, err := trackingtest.NewLogWriter(cf, trackingtest.Fields2013, g.t)
		if err != nil {
			f.Close()
			return err
		}
		for cf.n < *fileSize<<20 && written+cf.n < total {
			for _, ev := range g.next() {
				if err := lw.Write(&ev); err != nil {
					f.Close()
					return err
				}
				events++
			}
			// The writer buffers 1 MiB; flush often enough that cf.n
			// tracks the size.
			if events%2048 == 0 {
				if err := lw.Flush(); err != nil {
					f.Close()
					return err
				}
			}
		}
		if err := lw.Flush(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		written += cf.n
	}
	fmt.Fprintf(os.Stderr, "gentracking: %d files, %d bytes, %d events in %s\n", files, written, events, time.Since(started).Round(time.Millisecond))
	return nil
}

const domain = "contoso.com"

type gen struct {
	rnd  *rand.Rand
	t    time.Time
	n    int
	loop []string // subjects of NDRs due back to the looping list
}

func (g *gen) id() string {
	g.n++
	return "<" + strconv.Itoa(g.n) + "." + strconv.FormatUint(g.rnd.Uint64(), 36) + "@" + domain + ">"
}

func (g *gen) user() string { return "user" + strconv.Itoa(g.rnd.IntN(5000)) + "@" + domain }
func (g *gen) ext() string {
	return "person" + strconv.Itoa(g.rnd.IntN(20000)) + "@partner" + strconv.Itoa(g.rnd.IntN(300)) + ".example"
}

var subjects = []string{"Quarterly report", "Meeting notes", "RE: Project kickoff", "Invoice 2026-03", "Lunch on Friday?", "FW: Contract draft, final version", "Weekly update"}

// next returns the rows of one message, advancing the clock.
func (g *gen) next() []tracking.Event {
	g.t = g.t.Add(time.Duration(50+g.rnd.IntN(100)) * time.Millisecond)
	r := g.rnd.IntN(1000)
	switch {
	case r < 4 || len(g.loop) > 0 && r < 40:
		return g.loopMessage()
	case r < 45:
		return g.spoofed()
	case r < 55:
		return g.backscatter()
	case r < 60:
		return g.oof()
	case r < 500:
		return g.outbound()
	default:
		return g.inbound()
	}
}

func (g *gen) outbound() []tracking.Event {
	id, from, to := g.id(), g.user(), g.ext()
	subj := subjects[g.rnd.IntN(len(subjects))]
	base := tracking.Event{Time: g.t, Sender: from, ReturnPath: from, Recipients: []string{to}, Subject: subj, MessageID: id, Directionality: "Originating", TotalBytes: int64(2000 + g.rnd.IntN(90000))}
	sub, rcv, send := base, base, base
	sub.EventID, sub.Source, sub.ServerHostname = "SUBMIT", "STOREDRIVER", "MBX01"
	rcv.EventID, rcv.Source, rcv.ClientIP, rcv.ServerHostname, rcv.ConnectorID = "RECEIVE", "STOREDRIVER", "10.0.0.11", "MBX01", "MBX01\\Default MBX01"
	send.EventID, send.Source, send.ServerHostname, send.ServerIP, send.ConnectorID = "SEND", "SMTP", "mx."+strings.SplitN(to, "@", 2)[1], "198.51.100."+strconv.Itoa(g.rnd.IntN(250)), "Internet"
	send.RecipientStatus = []string{"250 2.6.0 Queued mail for delivery"}
	return []tracking.Event{sub, rcv, send}
}

func (g *gen) inbound() []tracking.Event {
	id, from, to := g.id(), g.ext(), g.user()
	subj := subjects[g.rnd.IntN(len(subjects))]
	base := tracking.Event{Time: g.t, Sender: from, ReturnPath: from, Recipients: []string{to}, Subject: subj, MessageID: id, Directionality: "Incoming", TotalBytes: int64(2000 + g.rnd.IntN(90000))}
	rcv, dlv := base, base
	rcv.EventID, rcv.Source, rcv.ClientIP, rcv.ClientHostname, rcv.ServerHostname, rcv.ConnectorID = "RECEIVE", "SMTP", "203.0.113."+strconv.Itoa(g.rnd.IntN(250)), "mx."+strings.SplitN(from, "@", 2)[1], "MBX01", "MBX01\\Default Frontend MBX01"
	rcv.SourceContext = "08DC3A1B2C3D4E5F;2026-03-01T00:00:00.000Z;0"
	dlv.EventID, dlv.Source, dlv.ServerHostname = "DELIVER", "STOREDRIVER", "MBX01"
	dlv.RecipientStatus = []string{"250 2.1.5 OK"}
	if g.rnd.IntN(20) == 0 {
		// Mail to the all-staff list, expanded to internal members.
		rcv.Recipients = []string{"allstaff@" + domain}
		exp := base
		exp.EventID, exp.Source, exp.RelatedRecipient = "EXPAND", "ROUTING", "allstaff@"+domain
		exp.Recipients = []string{g.user(), g.user(), g.user(), g.user()}
		dlv.Recipients = exp.Recipients
		return []tracking.Event{rcv, exp, dlv}
	}
	return []tracking.Event{rcv, dlv}
}

// loopMessage feeds the NDR loop of seed 001: a list with stale external
// contacts whose bounces come back to it.
func (g *gen) loopMessage() []tracking.Event {
	const dl = "partners-list@" + domain
	members := []string{"stale1@gone.example", "paul@practical365.example", "old@defunct.example", "ann@" + domain}
	subj := "Partner newsletter"
	from, rp, client := "news@external.example", "news@external.example", "mx.external.example"
	if len(g.loop) > 0 {
		subj = g.loop[0]
		g.loop = g.loop[1:]
		if len(g.loop) > 5000 {
			g.loop = g.loop[len(g.loop)-5000:] // the queue stays bounded
		}
		from, rp, client = "postmaster@gone.example", "<>", "mx.gone.example"
	}
	id := g.id()
	rcv := tracking.Event{Time: g.t, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.20", ClientHostname: client, ServerHostname: "MBX01", Sender: from, ReturnPath: rp, Recipients: []string{dl}, Subject: subj, MessageID: id, Directionality: "Incoming"}
	exp := tracking.Event{Time: g.t, EventID: "EXPAND", Source: "ROUTING", ServerHostname: "MBX01", RelatedRecipient: dl, Sender: from, ReturnPath: rp, Recipients: members, Subject: subj, MessageID: id, Directionality: "Incoming",
		RecipientStatus: []string{"250 2.1.5 RESOLVER.GRP.Expanded; distribution list expanded"}}
	send := tracking.Event{Time: g.t, EventID: "SEND", Source: "SMTP", ServerHostname: "mx.gone.example", ServerIP: "198.51.100.20", Sender: from, ReturnPath: dl, Recipients: members[:3], Subject: subj, MessageID: id, Directionality: "Incoming"}
	if len(subj) < 400 {
		g.loop = append(g.loop, "Undeliverable: "+subj, "Undeliverable: "+subj)
	}
	return []tracking.Event{rcv, exp, send}
}

func (g *gen) spoofed() []tracking.Event {
	id := g.id()
	return []tracking.Event{{Time: g.t, EventID: "RECEIVE", Source: "SMTP", ClientIP: "192.0.2.55", ClientHostname: "mail.partner-org.example", ServerHostname: "MBX01",
		Sender: "ceo@" + domain, ReturnPath: "ceo@" + domain, Recipients: []string{g.user()}, Subject: "Urgent wire transfer", MessageID: id, Directionality: "Incoming"}}
}

func (g *gen) backscatter() []tracking.Event {
	id := g.id()
	victim := g.ext()
	bogus := "x" + strconv.Itoa(g.rnd.IntN(1e6)) + "@" + domain
	return []tracking.Event{
		{Time: g.t, EventID: "RECEIVE", Source: "SMTP", ClientIP: "203.0.113.66", ClientHostname: "bot.botnet.example", ServerHostname: "MBX01", Sender: victim, ReturnPath: victim, Recipients: []string{bogus}, Subject: "cheap pills", MessageID: id, Directionality: "Incoming"},
		{Time: g.t, EventID: "FAIL", Source: "ROUTING", ServerHostname: "MBX01", Sender: victim, ReturnPath: victim, Recipients: []string{bogus}, RecipientStatus: []string{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}, MessageID: id},
		{Time: g.t, EventID: "DSN", Source: "DSN", ServerHostname: "MBX01", Sender: "postmaster@" + domain, ReturnPath: "<>", Recipients: []string{victim}, Subject: "Undeliverable: cheap pills", MessageID: g.id(), Reference: id},
	}
}

func (g *gen) oof() []tracking.Event {
	return []tracking.Event{
		{Time: g.t, EventID: "RECEIVE", Source: "SMTP", ClientIP: "198.51.100.9", ClientHostname: "mx.vendor.example", ServerHostname: "MBX01", Sender: "helpdesk@vendor.example", ReturnPath: "<>", Recipients: []string{"bob@" + domain}, Subject: "Automatic reply: Ticket 4711", MessageID: g.id(), Directionality: "Incoming"},
		{Time: g.t, EventID: "SEND", Source: "SMTP", ServerHostname: "mx.vendor.example", Sender: "bob@" + domain, ReturnPath: "<>", Recipients: []string{"helpdesk@vendor.example"}, Subject: "Automatic reply: Ticket 4711", MessageID: g.id(), Directionality: "Originating"},
	}
}
