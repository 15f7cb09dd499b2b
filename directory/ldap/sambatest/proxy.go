package sambatest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Proxy forwards TCP connections to a server and can break them, to test
// what a client does when the server dies or the network drops mid-read.
type Proxy struct {
	ln     net.Listener
	target string

	// cutAfter, when positive, makes the proxy drop every connection once
	// this many bytes have come back from the server in total.
	cutAfter atomic.Int64
	sent     atomic.Int64
	// refuse, once set, makes the proxy close new connections at once
	// (the server is gone).
	refuse atomic.Bool
	// dieOnCut sets refuse when the cut happens.
	dieOnCut bool

	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// NewProxy listens on 127.0.0.1 and forwards to target. dieOnCut makes
// the cut permanent (the server killed) instead of one dropped connection.
func NewProxy(target string, cutAfter int64, dieOnCut bool) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}, dieOnCut: dieOnCut}
	p.cutAfter.Store(cutAfter)
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Sent is how many bytes came back from the server so far.
func (p *Proxy) Sent() int64 { return p.sent.Load() }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.track(c, up)
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); up.Close() }()
		go func() { defer p.wg.Done(); p.down(c, up) }()
	}
}

func (p *Proxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = true
	}
}

// down copies server -> client, counting bytes and cutting when due.
func (p *Proxy) down(c, up net.Conn) {
	defer c.Close()
	buf := make([]byte, 16<<10)
	for {
		n, err := up.Read(buf)
		if n > 0 {
			total := p.sent.Add(int64(n))
			if cut := p.cutAfter.Load(); cut > 0 && total >= cut {
				p.cut()
				return
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cut drops every open connection; after it the proxy passes traffic again
// unless it was made to die.
func (p *Proxy) cut() {
	p.cutAfter.Store(0)
	if p.dieOnCut {
		p.refuse.Store(true)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Close stops the proxy and drops its connections.
func (p *Proxy) Close() {
	p.refuse.Store(true)
	p.ln.Close()
	p.cut()
	p.wg.Wait()
}
