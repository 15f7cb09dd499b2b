package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"dgaudit/audit"
	"dgaudit/audit/mailflow"
	"dgaudit/directory"
	"dgaudit/directory/tracking"
	"dgaudit/reports"
)

// trackingOptions are the flags that add message-tracking evidence to scan
// and audit.
type trackingOptions struct {
	paths    []string
	interval time.Duration
	relays   []string
}

func (o *trackingOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.paths, "tracking", nil, "add evidence from message-tracking logs: MSGTRK*.LOG files, Export-Csv of Get-MessageTrackingLog or Get-MessageTraceV2, saved Graph message-trace pages (JSON), a folder of them, .gz accepted (repeatable)")
	f.DurationVar(&o.interval, "tracking-interval", time.Hour, "timeline bucket width for --tracking")
	registerRelayClients(f, &o.relays)
}

// registerRelayClients adds --relay-client, which trace and --tracking
// share.
func registerRelayClients(f *pflag.FlagSet, relays *[]string) {
	f.StringArrayVar(relays, "relay-client", nil, "IP address or host name of a device or application that relays mail through the organization's servers, such as a scan-to-email printer on an anonymous relay connector: its mail is not from outside, so an internal sender in it is not spoofed; give the address of a device that relays through an Exchange 2013+ Front End, whose logs name it by address only. A Front End itself need not be given, even one that writes no logs: mail it hands over is judged by its client (original-client-ip), which is named as the remote server, or, behind a filtering gateway on a private address, the gateway (repeatable)")
}

// trackingFiles expands the paths before any collection starts, so that a
// typo does not cost a directory read. dgaudit's own reports found in a
// folder are left out (see expandTracking), each named in the log.
//
// A path that is missing, or a folder that cannot be listed or holds no
// logs, fails the run as input that could not be read (exit 3), as a
// missing --snapshot or a file that is not tracking data does: the command
// line was well formed.
func (a *app) trackingFiles(paths []string) ([]string, error) {
	files, own, skipped, err := expandTracking(paths)
	files, moved := tracking.Interleave(files)
	if moved != "" {
		a.log.Warn("a tracking file among Exchange's logs is read after all of them: its name gives no time to place it among them (Exchange names its logs MSGTRK<date><hour>-<n>.LOG), and the logs are read together by their rows' times; its rows may be read too far from the logs' rows of the same messages to be tied to them", "file", moved)
	}
	for _, f := range own {
		a.log.Info("skipped dgaudit's own report found among the tracking logs", "file", f)
	}
	for _, s := range skipped {
		a.log.Warn("skipped a tracking file", "file", s.Path, "reason", s.Reason)
	}
	return files, err
}

// expandTracking is tracking.Expand less what tracking.ReadOnce leaves
// out (skipped: a file named twice, a compressed copy of a log also read,
// a named pipe) and less the CSV reports dgaudit wrote into a folder it is
// given (trace DIR -o DIR/trace.csv), or that a wildcard matches (trace
// 'DIR/*'): read as logs, they would fail every later run of the same
// command as files that are not tracking data. They are returned as own,
// not as gaps: nothing that was tracking data is left unread. A report
// named on its own is read as asked, and fails as what it is.
func expandTracking(paths []string) (files, own []string, skipped []tracking.Skipped, err error) {
	if len(paths) == 0 {
		return nil, nil, nil, nil
	}
	var found []string
	var named []os.FileInfo
	for _, p := range paths {
		more, err := tracking.Expand([]string{p})
		if err != nil {
			return nil, nil, nil, err
		}
		// A file named on its own is read as asked; a folder's, or a
		// wildcard's (Expand), are left out when dgaudit wrote them.
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			named = append(named, st)
		}
		found = append(found, more...)
	}
	// Before ownReport opens them: a named pipe would block it.
	found, skipped = tracking.ReadOnce(found)
	for _, f := range found {
		if !namedFile(f, named) && ownReport(f) {
			own = append(own, f)
		} else {
			files = append(files, f)
		}
	}
	switch {
	case len(files) == 0 && len(own) > 0:
		return nil, own, skipped, fmt.Errorf("no tracking logs in %s: the only .log, .csv or .gz files are dgaudit's own reports (%s)", strings.Join(paths, ", "), strings.Join(own, ", "))
	case len(files) == 0:
		return nil, own, skipped, fmt.Errorf("no .log, .csv or .gz files in %s", strings.Join(paths, ", "))
	}
	return files, own, skipped, nil
}

// namedFile reports whether f is one of the files named on their own,
// however each was spelled.
func namedFile(f string, named []os.FileInfo) bool {
	st, err := os.Stat(f)
	return err == nil && slices.ContainsFunc(named, func(n os.FileInfo) bool { return os.SameFile(n, st) })
}

// ownReport reports whether a file's first line is the header of a CSV
// report dgaudit writes. A file that cannot be opened is not: the reader
// says what is wrong with it.
func ownReport(path string) bool {
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	// The longest header dgaudit writes is well under this.
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	line, _, _ := bytes.Cut(head[:n], []byte("\n"))
	return reports.IsOwnCSV(line)
}

func checkInterval(d time.Duration, flag string) error {
	if d < time.Minute {
		return usagef("%s %s: want at least 1m", flag, d)
	}
	return nil
}

// readTracking streams the files through the analysis. snap may be nil:
// groups and internal domains are then inferred from the logs.
func (a *app) readTracking(ctx context.Context, files []string, snap *directory.Snapshot, internal, relays []string, interval time.Duration) (*audit.Traffic, error) {
	read, servers, err := fileReader(ctx, files)
	if err != nil {
		return nil, err
	}
	return a.analyseTracking(ctx, "read tracking logs", read, append(servers, relays...), snap, internal, interval)
}

// fileReader reads tracking files, and names the organization's servers
// that wrote them (tracking.Servers) for the analysis to know before it
// starts.
func fileReader(ctx context.Context, files []string) (trackingReader, []string, error) {
	servers, err := tracking.Servers(ctx, files)
	if err != nil {
		return nil, nil, fmt.Errorf("read tracking logs: %w", err)
	}
	read := func(ctx context.Context, fn func(*tracking.Event) error) (tracking.Stats, error) {
		return tracking.Read(ctx, files, tracking.Options{}, fn)
	}
	return read, servers, nil
}

// trackingReader streams events from somewhere (files, Graph) to fn.
type trackingReader func(ctx context.Context, fn func(*tracking.Event) error) (tracking.Stats, error)

// analyseTracking runs what read streams through the analysis; what names
// the read in errors. servers are the organization's Exchange servers that
// wrote the logs (none for Exchange Online), and the relay clients the
// user named (--relay-client): mail any of them hands over is not from
// outside.
func (a *app) analyseTracking(ctx context.Context, what string, read trackingReader, servers []string, snap *directory.Snapshot, internal []string, interval time.Duration) (*audit.Traffic, error) {
	var cfg mailflow.Config
	if snap != nil {
		cfg = mailflow.ConfigFor(snap, internal)
	} else {
		cfg.InternalDomains = internal
	}
	cfg.Interval = interval
	cfg.Servers = servers
	if len(servers) > 0 {
		a.log.Debug("the organization's Exchange servers, named by the logs: mail they relay to each other is not from outside", "servers", strings.Join(servers, ", "))
	}
	an := mailflow.New(cfg)
	start := time.Now()
	st, err := read(ctx, func(e *tracking.Event) error {
		an.Add(e)
		return nil
	})
	if err != nil {
		var use usageError
		if errors.As(err, &use) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for _, f := range st.Files {
		if f.Err != "" {
			a.log.Warn("tracking file not read to its end", "file", f.Path, "error", f.Err)
		}
		for _, n := range f.Notes {
			a.log.Warn("tracking file", "file", f.Path, "note", n)
		}
		for _, n := range f.Lacks {
			a.log.Warn("tracking file lacks what the evidence rests on", "file", f.Path, "lacks", n)
		}
	}
	for i, m := range st.Samples {
		if i == 5 {
			break
		}
		a.log.Warn("malformed tracking line", "file", m.File, "line", m.Line, "lines", m.Lines, "reason", m.Reason)
	}
	a.log.Info("tracking logs read", "files", len(st.Files), "bytes", st.Bytes, "events", st.Events,
		"malformed", st.Malformed, "malformedLines", st.MalformedLines, "duplicates", st.Duplicates, "elapsed", time.Since(start).Round(time.Millisecond))
	return an.Result(st), nil
}

func (a *app) traceCmd() *cobra.Command {
	var src sourceOptions
	var gm traceM365Options
	var outputs, internal, relays []string
	var interval time.Duration
	var failOn string
	var cfg configOptions
	cmd := &cobra.Command{
		Use:   "trace PATH... | trace --m365",
		Short: "Find loops, spoofed senders, backscatter and out-of-office storms in message-tracking logs",
		Long: `trace reads message-tracking data and reports what it shows: loops through groups (with the
external recipients and remote servers involved, first seen, rate and amplification), return
paths rewritten to a group's address, internal senders arriving from outside, backscatter and
out-of-office storms.

Backscatter is delivery reports sent to outside addresses for recipients that do not exist, by
the host that sent the originals. A source is reported from 10 reports on, as medium, and as
high when 10 came within one clock hour; a bounce of a mistyped address is not backscatter, and
neither is one for a full mailbox, a size limit or a rule. The sources under 10 are also judged
together, as one distributed source (a botnet's hosts each sending one or two): medium from 50
reports within 24 hours, high from 200 within one clock hour. Exchange Online summary rows do not
say why a message failed: add a Get-MessageTraceDetailV2 export of the failed messages (or a
Detail column) to tell; reports whose reason stays unknown are listed apart, medium at most.

An internal sender arriving from outside is high, unless every one of its messages was the
organization's own coming back (the Message-ID of a new message the same sender's mailbox
submitted within the week before, under its subject as lists change it: [tags], Re:/Fwd: and
their translations, EXTERNAL:, case, whitespace and encoded-words aside) and none came back 5
times to the same recipient, nor 3 times with 50 returns in all, whatever the return path or
server: a post to an outside list with colleagues on it, once to each of them (twice with a
digest, three times from three lists), listed as info. A message sent back to the same
recipient again and again stays high, and so does one from another sender or under another
subject than the submission's. Automatic replies, read receipts and messages a redirect rule
submits again prove nothing. A forgery copying a list post's Message-ID, sender and subject is
taken for a return. Known false alarms (high): a message sent on behalf of another, or by the
organization's own list hosted outside, comes back from another sender; without subjects in
the logs every such message is high.

PATH is a file or a folder (every .log, .csv and .gz below it): on-premises MSGTRK*.LOG files of
any Exchange version, Get-MessageTrackingLog | Export-Csv output, Exchange Online
Get-MessageTraceV2 / Get-MessageTraceDetailV2 exports, or pages of the Graph message-trace API
saved as JSON (Graph Explorer, Invoke-MgGraphRequest -OutputFilePath; named as files, not found
in folders; a last page with an @odata.nextLink is incomplete, exit 4). Give a directory source (--snapshot,
--ldif) to name groups and classify domains as the audit does; without one, groups are inferred
from EXPAND events and internal domains from local deliveries.

With --m365 instead of PATH, trace reads Exchange Online message trace through Microsoft Graph
(--since, or --from/--to; up to 90 days back, read in ten-day windows) with the Microsoft 365
sign-in (--tenant, --client-id, AZURE_CLIENT_SECRET or a certificate). The application needs the
Graph application permission ExchangeMessageTrace.Read.All.

With -c FILE (or DGAUDIT_CONFIG) trace reads the config file scan uses, with the same precedence
(flags, then DGAUDIT_* variables, then the file): its directory source (snapshot, ldif,
exchange-export or demo; a file naming LDAP, or Microsoft 365 without --m365, is refused unless a
source flag such as --snapshot replaces it), internal-domains, fail-on and strict, and with
--m365 the m365 section's sign-in. The file never turns --m365 on. Keys only the audit uses
(fail-on-new, baseline, suppressions, rules) and outputs are named in a warning and not used:
the file's outputs are the scan's reports, which a trace must not overwrite; trace writes what
-o names.

` + exitCodesHelp,
		Example: `  dgaudit trace 'C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\Logs\MessageTracking' -o trace.xlsx
  dgaudit trace --snapshot corp.snapshot.json logs/*.LOG.gz -o trace.json
  dgaudit scan --snapshot corp.snapshot.json --tracking logs/ -o report.xlsx
  dgaudit trace --m365 --tenant contoso.onmicrosoft.com --client-id APP-ID --since 72h -o trace.xlsx
  dgaudit trace -c trace.yaml logs/`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case gm.m365.enabled && len(args) > 0:
				return usagef("give tracking log files or --m365, not both")
			case len(args) == 0 && !gm.m365.enabled:
				return usagef("trace needs at least one tracking log file or folder, or --m365")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// Files or Graph is the command line's choice; the --m365
			// companions are checked before the file can fill them.
			if !gm.m365.enabled {
				if err := gm.stray(cmd); err != nil {
					return err
				}
			}
			given := givenFlags(cmd.Flags())
			fo, err := a.configure(cmd, &cfg)
			if err != nil {
				return err
			}
			gm.m365.secretEnv = fo.m365SecretEnv
			threshold, err := parseFailOn(failOn)
			if err != nil {
				return usagef("%s: %v", settingName(given, a.env)("fail-on"), err)
			}
			if err := checkInterval(interval, "--interval"); err != nil {
				return err
			}
			outs, err := planOutputs(outputs)
			if err != nil {
				return err
			}
			what, label := "read tracking logs", "tracking logs: "+strings.Join(args, ", ")
			var read trackingReader
			var servers []string
			if gm.m365.enabled {
				if read, label, err = a.m365TraceReader(cmd, &gm); err != nil {
					return err
				}
				what = "read message trace"
			} else {
				files, err := a.trackingFiles(args)
				if err != nil {
					return err
				}
				if read, servers, err = fileReader(ctx, files); err != nil {
					return err
				}
			}
			var snap *directory.Snapshot
			if src.demo || src.snapshot != "" || src.ldif != "" || src.exchangeExport != "" {
				if snap, err = a.collect(ctx, &src); err != nil {
					return err
				}
			}
			t, err := a.analyseTracking(ctx, what, read, append(servers, relays...), snap, internal, interval)
			if err != nil {
				return err
			}
			if err := strictTracking(src.strict, t.Input); err != nil {
				return err
			}
			if noneRead(t.Input) {
				// Not one file could be read: there is no evidence either
				// way, and a report would only restate the errors listed
				// here. Exit 4 says a run completed with gaps, and a job may
				// take its results as lower bounds; there are none. This is
				// the directory being unreachable (exit 3), and like
				// --strict's exit 3 it writes no report, so a scheduled run
				// cannot replace a real report with an empty one.
				var b strings.Builder
				writeTrafficSummary(&b, t)
				writeExitLine(&b, exitRuntime, threshold, t, 0)
				fmt.Fprint(a.stderr, b.String())
				return resultError{exitRuntime}
			}
			now := time.Now().UTC()
			rep := &audit.Report{
				SchemaVersion: audit.ReportSchemaVersion,
				Source:        label,
				AuditedAt:     now,
				// Without a directory, the logs were read now: a reader of
				// collectedAt gets that rather than year 1.
				CollectedAt: now,
				Complete:    true,
				Summary:     audit.Summary{ByBand: map[audit.Band]int{}, ByRule: map[string]int{}, BySeverity: map[audit.Severity]int{}},
			}
			var dirGaps []directory.Gap
			if snap != nil {
				// The snapshot decides which domains are internal: what it
				// could not read makes the evidence a lower bound too.
				rep.CollectedAt = snap.CollectedAt
				rep.Coverage = snap.Coverage
				rep.Complete = len(snap.Coverage.Gaps) == 0
				dirGaps = snap.Coverage.Gaps
			}
			rep.AttachTraffic(t)
			if err := writeOutputs(outs, rep, a.stdout); err != nil {
				return err
			}
			code := traceVerdict(rep, threshold)
			var b strings.Builder
			writeTrafficSummary(&b, t)
			writeDirectoryGaps(&b, dirGaps)
			writeReportLines(&b, outs)
			writeExitLine(&b, code, threshold, t, len(dirGaps))
			fmt.Fprint(a.stderr, b.String())
			if code != exitOK {
				return resultError{code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&outputs, "output", "o", nil, "write a report; format from the extension: .xlsx, .json, .jsonl or .csv (a line per incident); - is JSON on stdout (repeatable)")
	f.StringArrayVar(&internal, "internal-domain", nil, "treat this domain and its subdomains as internal (repeatable)")
	registerRelayClients(f, &relays)
	f.DurationVar(&interval, "interval", time.Hour, "timeline bucket width")
	f.StringVar(&failOn, "fail-on", defaultFailOn, fmt.Sprintf("exit 1 when evidence is at or above this severity (loops are high or critical, spoofing high (info for the organization's own messages coming back fewer than %d times each to any one recipient, and fewer than %d times when there are %d returns or more), backscatter medium or high, storms and rewritten return paths medium): %s (never fail)", audit.ReturnFlood, audit.ReturnRepeat, audit.ReturnMany, strings.Join(failOnValues(), ", ")))
	src.register(cmd, offlineSources)
	gm.register(cmd)
	cfg.register(cmd)
	// trace's --m365 chooses the message trace, not the directory: the
	// config file's m365 section gives its sign-in but never turns it on.
	f.Lookup("m365").Annotations = map[string][]string{ownFlag: {"message trace"}}
	// The file's outputs (and DGAUDIT_OUTPUT) are the scan's reports: a
	// trace run with the same file must not overwrite them.
	f.Lookup("output").Annotations = map[string][]string{ownFlag: {"trace report"}}
	return cmd
}

func traceVerdict(rep *audit.Report, failOn *audit.Severity) int {
	if !rep.Complete {
		return exitGaps
	}
	if failOn == nil || rep.Traffic == nil {
		return exitOK
	}
	if s, ok := rep.Traffic.Worst(); ok && s >= *failOn {
		return exitFindings
	}
	return exitOK
}

// writeTrafficSummary is the evidence part of the stderr summary, the worst
// loop first.
func writeTrafficSummary(b *strings.Builder, t *audit.Traffic) {
	in := t.Input
	noun := "tracking files"
	if graphTrace(in.Files) {
		noun = "message-trace windows from Microsoft Graph"
	}
	empty := in.Events == 0 && len(in.Files) > 0
	if empty {
		// Said first and plainly: without events, "loops: none" and an
		// empty evidence list would read as an all-clear.
		fmt.Fprintf(b, "\ndgaudit: no events could be read from %d %s (%s, %s): %s; there is no evidence either way\n",
			len(in.Files), noun, byteSize(in.Bytes), malformedCount(in), whyNoEvents(in))
	} else {
		fmt.Fprintf(b, "\ndgaudit: read %s %s (%s, %d events, %s%s)", readCount(in.Files), noun, byteSize(in.Bytes), in.Events, malformedCount(in), duplicateCount(in))
		if !t.Start.IsZero() {
			fmt.Fprintf(b, " from %s to %s", t.Start.Format(time.RFC3339), t.End.Format(time.RFC3339))
		}
		b.WriteString("\n")
		if !in.GroupsFromDirectory {
			b.WriteString("groups and internal domains inferred from the logs (give --snapshot to use the directory's)\n")
		}
	}
	if len(t.Loops) == 0 && !empty {
		b.WriteString("loops: none\n")
	}
	for i, l := range t.Loops {
		if i == 0 {
			fmt.Fprintf(b, "loops: %d, worst first\n", len(t.Loops))
		}
		if i == 5 {
			fmt.Fprintf(b, "  ... and %d more\n", len(t.Loops)-5)
			break
		}
		name := printable(l.Group)
		if l.GroupName != "" {
			name = printable(l.GroupName) + " <" + name + ">"
		}
		fmt.Fprintf(b, "  %s %s: since %s, %d expansions to %d recipients, one message went round %d times, amplification %.0fx, peak %d %s at %s; %s\n",
			strings.ToUpper(l.Severity.String()), name, l.FirstSeen.Format(time.RFC3339), l.Expansions, l.Delivered, l.MaxRounds,
			l.Amplification, l.PeakPerInterval, reports.Per(t.Interval), l.PeakAt.Format("2006-01-02 15:04"), strings.Join(printables(l.Signals), ", "))
		if len(l.External) > 0 {
			fmt.Fprintf(b, "    external recipients (%s): %s\n", reports.AtLeast(l.ExternalTotal, l.ExternalCapped), countList(l.External, l.ExternalTotal, l.ExternalCapped, 5))
		}
		if len(l.InboundServers) > 0 {
			fmt.Fprintf(b, "    remote servers sending into the group (%s): %s\n", reports.AtLeast(l.InboundServersTotal, l.InboundServersCapped),
				countList(l.InboundServers, l.InboundServersTotal, l.InboundServersCapped, 5))
		}
		if len(l.OutboundServers) > 0 {
			fmt.Fprintf(b, "    remote servers receiving from it (%s): %s\n", reports.AtLeast(l.OutboundServersTotal, l.OutboundServersCapped),
				countList(l.OutboundServers, l.OutboundServersTotal, l.OutboundServersCapped, 5))
		}
	}
	for i, r := range t.ReturnPathRewrites {
		if i == 3 {
			fmt.Fprintf(b, "  ... and %d more\n", len(t.ReturnPathRewrites)-3)
			break
		}
		fmt.Fprintf(b, "return path rewritten to the group's own address: %s, %d events since %s\n", printable(r.Group), r.Events, r.FirstSeen.Format(time.RFC3339))
	}
	// The list is already cut to the busiest senders: what is left out is
	// counted from the total.
	shown := min(len(t.Spoofing), 3)
	for _, s := range t.Spoofing[:shown] {
		sev := s.Severity()
		var back string
		switch {
		case sev < audit.SeveritySpoofing:
			back = " (all of them its own messages coming back from an outside list or forwarder, " + reports.ReturnsAtMost(s.MostReturnsOfOne) + ")"
		case s.Returned > 0:
			back = fmt.Sprintf(" (%d of them its own messages coming back%s)", s.Returned, reports.MostReturns(s))
		}
		fmt.Fprintf(b, "spoofed internal sender: %s %s, %d messages from outside%s via %s\n", strings.ToUpper(sev.String()), printable(s.Sender), s.Messages, back,
			countList(s.Clients, s.ClientsTotal, s.ClientsCapped, 3))
	}
	if more := reports.More(shown, t.SpoofingTotal, t.SpoofingCapped); more != "" {
		fmt.Fprintf(b, "  ... %s spoofed senders, %d spoofed messages in all\n", more, t.SpoofedMessages)
	}
	// The sources under the threshold taken together are the whole
	// organization's: said whatever the single sources before them.
	var distributed bool
	for _, s := range t.Backscatter {
		if !s.Distributed {
			continue
		}
		distributed = true
		fmt.Fprintf(b, "backscatter: %s %d delivery reports to external addresses for unknown recipients (at most %d in one hour, %d within 24 hours) from %s sources, each fewer than %d, together (%s): %s; to %s domains: %s\n",
			strings.ToUpper(s.Severity.String()), s.Reports, s.PeakPerHour, s.PeakPer24Hours, reports.AtLeast(s.SourcesTotal, s.SourcesCapped), t.BackscatterBelow.Threshold, reports.DistributedNature(s.Severity),
			countList(s.Sources, s.SourcesTotal, s.SourcesCapped, 3), reports.AtLeast(s.DomainsTotal, s.DomainsCapped), countList(s.Domains, s.DomainsTotal, s.DomainsCapped, 3))
	}
	single := slices.DeleteFunc(slices.Clone(t.Backscatter), func(s audit.BackscatterSource) bool { return s.Distributed })
	for i, s := range single {
		if i == 3 {
			fmt.Fprintf(b, "  ... and %d more backscatter sources\n", len(single)-3)
			break
		}
		why := "for unknown recipients"
		if s.ReasonUnknown {
			why = "for failures the export gives no reason for"
		}
		fmt.Fprintf(b, "backscatter: %s %d delivery reports to external addresses %s (at most %d in one hour), source %s, to %s domains: %s\n",
			strings.ToUpper(s.Severity.String()), s.Reports, why, s.PeakPerHour, printable(s.Source),
			reports.AtLeast(s.DomainsTotal, s.DomainsCapped), countList(s.Domains, s.DomainsTotal, s.DomainsCapped, 3))
	}
	// A bounce or two is mail working: said only when the sources under the
	// threshold add up to what one source would need, and not judged
	// together (too few in any 24 hours to be a distributed attack).
	if bl := t.BackscatterBelow; bl.Threshold > 0 && bl.Reports >= int64(bl.Threshold) && !distributed {
		fmt.Fprintf(b, "delivery reports to external addresses under the backscatter threshold: %d from %d sources, each fewer than %d (not judged)\n",
			bl.Reports, bl.Sources, bl.Threshold)
	}
	for i, o := range t.OOFStorms {
		if i == 3 {
			fmt.Fprintf(b, "  ... and %d more out-of-office storms\n", len(t.OOFStorms)-3)
			break
		}
		fmt.Fprintf(b, "out-of-office storm: %s <-> %s, %d out, %d back\n", printable(o.Internal), printable(o.External), o.Out, o.In)
	}
	for i, m := range in.MalformedSamples {
		if i == 5 {
			fmt.Fprintf(b, "  ... %s in all (listed in the report)\n", malformedCount(in))
			break
		}
		if m.Lines > 1 {
			fmt.Fprintf(b, "malformed: %s:%d, a record over %d lines: %s\n", printable(m.File), m.Line, m.Lines, printable(m.Reason))
			continue
		}
		fmt.Fprintf(b, "malformed: %s:%d: %s\n", printable(m.File), m.Line, printable(m.Reason))
	}
	for _, f := range in.Files {
		if f.Error != "" {
			fmt.Fprintf(b, "not read to its end: %s: %s\n", printable(f.Path), printable(f.Error))
		}
	}
	if len(t.Truncated) > 0 {
		fmt.Fprintf(b, "capped (counts exact, some keys folded away): %s\n", strings.Join(printables(t.Truncated), ", "))
	}
	for _, u := range t.Unjudged {
		fmt.Fprintf(b, "not looked for: %s; give --internal-domain or a directory source\n", u)
	}
}

// whyNoEvents says why no file yielded an event: how many could not be read
// and how many were read but held none (or only lines that were not
// events).
func whyNoEvents(in audit.TrafficInput) string {
	failed, n := in.Failed, len(in.Files)
	switch {
	case failed >= n:
		return "none could be read"
	case failed == 0:
		return "they were read and held none"
	}
	return fmt.Sprintf("%d could not be read and %d held none", failed, n-failed)
}

// noneRead reports whether every file (or Graph window) failed and none
// yielded an event: the read itself failed.
func noneRead(in audit.TrafficInput) bool {
	return len(in.Files) > 0 && in.Events == 0 && in.Failed >= len(in.Files)
}

// countList shows the first n of cs, a list already cut from total
// distinct entries (a lower bound when capped): what it leaves out is
// counted from total, since cs itself may be the first 20 of 280.
func countList(cs []audit.AddressCount, total int, capped bool, n int) string {
	shown := cs[:min(n, len(cs))]
	parts := make([]string, 0, len(shown)+1)
	for _, c := range shown {
		parts = append(parts, fmt.Sprintf("%s (%d)", printable(c.Address), c.N))
	}
	if more := reports.More(len(shown), total, capped); more != "" {
		parts = append(parts, more)
	}
	return strings.Join(parts, ", ")
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

func writeReportLines(b *strings.Builder, outs []output) {
	if len(outs) == 0 {
		b.WriteString("reports: none written (add -o trace.xlsx -o trace.json)\n")
	}
	for _, o := range outs {
		where := o.path
		if where == "-" {
			where = "stdout"
		}
		fmt.Fprintf(b, "report: %s (%s)\n", printable(where), o.format)
	}
}

// writeDirectoryGaps lists what the directory source could not read, as the
// audit's summary does; unreadable tracking files are listed with the
// evidence.
func writeDirectoryGaps(b *strings.Builder, gaps []directory.Gap) {
	if len(gaps) == 0 {
		return
	}
	fmt.Fprintf(b, "directory gaps: %d things the directory source could not read (see the coverage section of the report)\n", len(gaps))
	for i, g := range gaps {
		if i == 5 {
			fmt.Fprintf(b, "  ... and %d more\n", len(gaps)-5)
			break
		}
		fmt.Fprintf(b, "  %s %s: %s\n", printable(g.What), printable(g.Object), printable(g.Reason))
	}
}

// writeExitLine ends the summary; an exit 4 names what was incomplete, the
// tracking input, the directory source or both.
func writeExitLine(b *strings.Builder, code int, failOn *audit.Severity, t *audit.Traffic, dirGaps int) {
	in := t.Input
	threshold := "none"
	if failOn != nil {
		threshold = failOn.String()
	}
	switch code {
	case exitRuntime:
		what := "tracking files"
		if graphTrace(in.Files) {
			what = "message-trace windows"
		}
		fmt.Fprintf(b, "exit %d: none of the %d %s could be read; no report written\n", code, len(in.Files), what)
	case exitFindings:
		fmt.Fprintf(b, "exit %d: evidence at or above %s (--fail-on)\n", code, threshold)
	case exitGaps:
		// The files counted are those AttachTraffic made gaps of.
		failed := in.Failed
		var what []string
		switch {
		case failed > 0 && graphTrace(in.Files):
			what = append(what, "some message-trace windows could not be read to their end")
		case failed > 0:
			what = append(what, "some tracking files could not be read to their end")
		}
		if in.Malformed > 0 {
			what = append(what, "some tracking lines could not be read")
		}
		if i := slices.IndexFunc(in.Files, func(f audit.TrafficFile) bool { return len(f.Lacks) > 0 }); i >= 0 {
			what = append(what, "some tracking files lack "+in.Files[i].Lacks[0])
		}
		if dirGaps > 0 {
			what = append(what, "the directory source could not be read in full")
		}
		for _, u := range t.Unjudged {
			kind, _, _ := strings.Cut(u, ": ")
			what = append(what, kind+" could not be looked for")
		}
		if in.Events == 0 && len(in.Files) > 0 {
			fmt.Fprintf(b, "exit %d: %s, and no events were read: there are no results\n", code, strings.Join(what, " and "))
			break
		}
		fmt.Fprintf(b, "exit %d: %s; the results are lower bounds\n", code, strings.Join(what, " and "))
	default:
		if in.Events == 0 && len(in.Files) > 0 {
			fmt.Fprintf(b, "exit 0: the input held no events, so nothing was judged (--fail-on %s)\n", threshold)
			break
		}
		fmt.Fprintf(b, "exit 0: nothing at or above %s (--fail-on)\n", threshold)
	}
}

// strictTracking is --strict for the tracking input: a file not read to its
// end or a line not read as an event fails the run before any report is
// written.
func strictTracking(strict bool, in audit.TrafficInput) error {
	switch {
	case !strict:
		return nil
	case in.Failed > 0:
		return fmt.Errorf("--strict: %d tracking files could not be read to their end; no report written", in.Failed)
	case in.Malformed > 0:
		what := fmt.Sprintf("%d tracking lines", in.Malformed)
		if in.MalformedLines > in.Malformed {
			what = fmt.Sprintf("%d tracking records over %d lines", in.Malformed, in.MalformedLines)
		}
		return fmt.Errorf("--strict: %s could not be read as events; no report written", what)
	}
	return nil
}

// malformedCount says how many tracking lines could not be read: "N
// malformed lines" while each malformed record is one line, and how many
// lines the records took when a value left open by a stray quote ran over
// several ("1 malformed record over 4194 lines"), which one count of
// records would hide.
func malformedCount(in audit.TrafficInput) string {
	if in.MalformedLines > in.Malformed {
		noun := "records"
		if in.Malformed == 1 {
			noun = "record"
		}
		return fmt.Sprintf("%d malformed %s over %d lines", in.Malformed, noun, in.MalformedLines)
	}
	return fmt.Sprintf("%d malformed lines", in.Malformed)
}

// duplicateCount says, after the other counts of the read, how many rows
// were found in more than one export and counted once; nothing when none
// were. When rows kept to find copies were let go, the count is a lower
// bound and says so: copies past them were counted twice.
func duplicateCount(in audit.TrafficInput) string {
	least := ""
	if in.DuplicatesAtLeast {
		least = "at least "
	}
	s := ""
	switch {
	case in.Duplicates == 0 && !in.DuplicatesAtLeast:
	case in.Duplicates == 1 && least == "":
		s = ", 1 row found in more than one export counted once"
	default:
		s = fmt.Sprintf(", %s%d rows found in more than one export counted once", least, in.Duplicates)
	}
	// Overlaps that could not be checked are said here too, where an admin
	// reads the counts: the notes that say why are on the files.
	switch in.Unmatched {
	case 0:
	case 1:
		s += "; 1 export overlaps others in time but its rows could not be matched with theirs (see its notes): rows of the overlap may be counted twice"
	default:
		s += fmt.Sprintf("; %d exports overlap others in time but their rows could not be matched (see their notes): rows of the overlap may be counted twice", in.Unmatched)
	}
	return s
}

// readCount is how many of the files (or message-trace windows) were read to
// their end, as "N", or "N of M" when some were not: a window that failed is
// not one that was read, and the summary's gaps name it.
func readCount(files []audit.TrafficFile) string {
	read := 0
	for _, f := range files {
		if f.Error == "" {
			read++
		}
	}
	if read == len(files) {
		return strconv.Itoa(read)
	}
	return fmt.Sprintf("%d of %d", read, len(files))
}
