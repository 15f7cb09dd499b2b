package tracking

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
)

// serverScanRows is how many rows of one file Servers reads at most: a
// file names its server on its first RECEIVE and SEND rows, which come
// within a few rows of its start (most messages a server logs start with a
// RECEIVE, and on Exchange 2013 and later go on to a SEND to the mailbox
// delivery service). Files that have neither (mailbox submission logs)
// are read that far for nothing, so it stays small: 64 rows are some 20
// KB, where 256 cost 1 % of the read of 2 GB of synthetic logs whose SEND
// rows name no client.
const serverScanRows = 64

// serverScanBlock is what Servers reads at a time: a few dozen rows, where
// a full read takes a megabyte at once, most of which the scan would not
// look at.
const serverScanBlock = 64 << 10

// errScanned stops a file's scan: its server is named, its rows passed
// serverScanRows, or it is not a log of the organization's servers.
var errScanned = errors.New("scanned")

// Servers names the Exchange servers that wrote the files: the host names
// and IP addresses, lower-cased, sorted and each once, that their rows give
// the server writing them. A message-tracking log is written by one server,
// which is the destination of what it logs as received and the client of
// what it logs as sent: server-hostname and server-ip of RECEIVE rows,
// client-hostname and client-ip of SEND rows (Microsoft's field
// descriptions: client-* is "the messaging server or client that submitted
// the message", server-hostname "the destination server"). An edge server
// has two addresses, one it receives Internet mail on and one it sends to
// the organization from, and logs both.
//
// The analysis needs them before the first event: a server's logs may be
// read after another's that relayed to it (a folder per server, read one
// after the other), and a message it handed on must be an internal hop
// from the other's first row on, whatever the order. Reading only each
// file's first rows, until it has shown a RECEIVE and a SEND or
// serverScanRows have passed, costs one read of serverScanBlock a file; a
// full pass over the logs to learn them would double the read.
//
// Exchange Online exports name no server of the organization and are
// skipped. A Get-MessageTrackingLog export of several servers, one after
// another, is named by the first rows of each of its runs (see
// scanExportRuns): a server whose rows all come after the last of the
// server before it continues that one's run and is not named, though its
// rows are read in time order. A file that cannot be read names nothing:
// the read that follows reports it. Only ctx's error is returned.
func Servers(ctx context.Context, files []string) ([]string, error) {
	buf := make([]byte, serverScanBlock+scanSlack)
	seen := map[string]bool{}
	opt := Options{}.withDefaults()
	scans := scanExports(ctx, files, opt.MaxRecordBytes, opt.Workers)
	for i, path := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := serverOf(ctx, path, scans[i], buf, seen); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

// serverOf adds what one file's first rows name its server to seen; an
// export of several servers one after another, what each run's first rows
// name (see scanExportRuns).
func serverOf(ctx context.Context, path string, s *exportScan, buf []byte, seen map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if s == nil || !s.split() {
		return serverOfRows(ctx, f, path, hooks{buf: buf}, seen)
	}
	for i := range s.runs {
		sec := &section{scan: s, i: i}
		if err := serverOfRows(ctx, sec.open(f), path, hooks{buf: buf, section: sec}, seen); err != nil {
			return err
		}
	}
	return nil
}

// serverOfRows adds what the first rows of r name their server to seen.
func serverOfRows(ctx context.Context, r io.Reader, path string, h hooks, seen map[string]bool) error {
	var st Stats
	rows := 0
	var received, sent bool
	add := func(vs ...string) bool {
		found := false
		for _, v := range vs {
			// The row's strings point into the read buffer.
			if v = strings.ToLower(strings.TrimSpace(v)); v != "" && !seen[v] {
				seen[strings.Clone(v)] = true
			}
			found = found || v != ""
		}
		return found
	}
	err := readStream(ctx, r, path, Options{MaxSamples: 1}, &st, h, func(ev *Event) error {
		if ev.Format != FormatLog && ev.Format != FormatTrackingCSV {
			return errScanned
		}
		switch ev.EventID {
		case "RECEIVE":
			received = add(ev.ServerHostname, ev.ServerIP) || received
		case "SEND":
			sent = add(ev.ClientHostname, ev.ClientIP) || sent
		}
		if rows++; received && sent || rows >= serverScanRows {
			return errScanned
		}
		return nil
	})
	if errors.Is(err, errScanned) {
		return nil
	}
	return err
}
