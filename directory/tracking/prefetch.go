package tracking

import (
	"compress/gzip"
	"fmt"
	"io"
)

// prefetchBlock is the unit the read-ahead goroutine hands over.
const prefetchBlock = 1 << 20

// prefetcher reads (and, for gzip, inflates) a file in a goroutine one or two
// blocks ahead of the parser, so that system calls and decompression run on
// another core while the current block is parsed. Memory is fixed: three
// blocks circulate between the two sides.
type prefetcher struct {
	blocks chan prefetched
	free   chan []byte
	done   chan struct{}
	exited chan struct{}
	cur    []byte // unread part of the block being served
	held   []byte // the block being served, to return to free
	err    error
}

type prefetched struct {
	b   []byte
	err error
}

// newPrefetcher starts reading r. When gz is set, r is inflated in the
// goroutine too.
func newPrefetcher(r io.Reader, gz bool) *prefetcher {
	p := &prefetcher{
		blocks: make(chan prefetched, 2),
		free:   make(chan []byte, 3),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	for range 3 {
		p.free <- make([]byte, prefetchBlock)
	}
	go p.run(r, gz)
	return p
}

func (p *prefetcher) run(r io.Reader, gz bool) {
	defer close(p.exited)
	send := func(b []byte, err error) bool {
		select {
		case p.blocks <- prefetched{b, err}:
			return err == nil
		case <-p.done:
			return false
		}
	}
	if gz {
		zr, err := openGzip(r)
		if err != nil {
			send(nil, err)
			return
		}
		defer zr.Close()
		r = zr
	}
	for {
		var buf []byte
		select {
		case buf = <-p.free:
		case <-p.done:
			return
		}
		// Fill the block; a short read is not the end, and the reader's own
		// error (a truncated gzip stream's io.ErrUnexpectedEOF, say) is
		// passed on as it is.
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = r.Read(buf[n:])
			n += m
		}
		if !send(buf[:n], err) {
			return
		}
	}
}

// Read serves the blocks in order, then the error that ended them.
func (p *prefetcher) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.held != nil {
			p.free <- p.held[:cap(p.held)]
			p.held = nil
		}
		blk := <-p.blocks
		p.cur, p.held, p.err = blk.b, blk.b, blk.err
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// Close stops the goroutine and waits for it, so the file can be closed.
func (p *prefetcher) Close() {
	close(p.done)
	<-p.exited
}

// openGzip begins inflating r, or says why it cannot, as the file's reason
// to fail.
func openGzip(r io.Reader) (*gzip.Reader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("open gzip stream: %w", err)
	}
	return zr, nil
}

// failingReader fails every read with err: a file that cannot be read is
// parsed as one whose first read fails, so that it is recorded as any
// other.
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }
