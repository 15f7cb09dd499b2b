package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"dgaudit/directory"
)

func TestProgressOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	if p := newProgress(&bytes.Buffer{}); p != nil {
		t.Error("progress on a buffer")
	}
	f, err := os.Create(t.TempDir() + "/stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if p := newProgress(f); p != nil {
		t.Error("progress on a regular file")
	}
	// A nil progress is inert.
	var p *progress
	p.update("recipients", 1)
	p.clear()
	if log := slog.Default(); p.logger(log) != log {
		t.Error("a nil progress wraps the logger")
	}
}

func TestProgressLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	p := &progress{w: &buf, now: func() time.Time { return clock }}
	log := p.logger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))).With("source", "ldap")

	p.update("recipients", 500)
	p.update("recipients", 1000) // too soon: skipped
	clock = clock.Add(progressEvery)
	p.update("recipients", 1500)
	p.update("lookups", 1) // new stage: at once
	log.Info("read recipients", "count", 1500)
	p.update("lookups", 2) // after a log line: drawn again at once
	src := progressSource{snapSource{}, p}
	if _, err := src.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}

	const cl = "\r\033[K"
	want := cl + "reading recipients: 500" +
		cl + "reading recipients: 1500" +
		cl + "reading lookups: 1" +
		cl + "level=INFO msg=\"read recipients\" source=ldap count=1500\n" +
		cl + "reading lookups: 2" +
		cl
	// want holds no "1000": the exact match proves the throttled update
	// was not drawn.
	if got := buf.String(); got != want {
		t.Errorf("terminal output:\n got %q\nwant %q", got, want)
	}
}

type snapSource struct{}

func (snapSource) Snapshot(context.Context) (*directory.Snapshot, error) {
	return &directory.Snapshot{}, nil
}
