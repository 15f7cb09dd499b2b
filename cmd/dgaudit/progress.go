package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"dgaudit/directory"
)

// progress prints a one-line, self-overwriting status on stderr while a long
// collection runs, but only when stderr is a terminal: redirected output and
// log files get the adapters' log lines instead.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	last  time.Time
	stage string
	shown bool
}

// progressEvery is how often the status line is redrawn at most.
const progressEvery = 200 * time.Millisecond

// newProgress returns nil when w is not a terminal; a nil *progress does
// nothing.
func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progress{w: w, now: time.Now}
}

// update shows what has been read so far, at most a few times a second, and
// at once when the stage changes.
func (p *progress) update(stage string, n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if stage == p.stage && now.Sub(p.last) < progressEvery {
		return
	}
	p.last, p.stage, p.shown = now, stage, true
	fmt.Fprintf(p.w, "\r\033[Kreading %s: %d", stage, n)
}

// clear removes the status line, so that a log line starts at the left
// margin; the next update draws it again.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
		p.stage = "" // redraw on the next update
	}
}

// logger returns log with every record clearing the status line first.
func (p *progress) logger(log *slog.Logger) *slog.Logger {
	if p == nil {
		return log
	}
	return slog.New(clearingHandler{log.Handler(), p})
}

// clearingHandler clears the status line before each log record.
type clearingHandler struct {
	slog.Handler
	p *progress
}

func (h clearingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.p.clear()
	return h.Handler.Handle(ctx, r)
}

func (h clearingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return clearingHandler{h.Handler.WithAttrs(attrs), h.p}
}

func (h clearingHandler) WithGroup(name string) slog.Handler {
	return clearingHandler{h.Handler.WithGroup(name), h.p}
}

// progressSource clears the status line when the read ends, whichever way.
type progressSource struct {
	directory.Source
	p *progress
}

func (s progressSource) Snapshot(ctx context.Context) (*directory.Snapshot, error) {
	defer s.p.clear()
	return s.Source.Snapshot(ctx)
}
