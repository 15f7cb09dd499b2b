package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sync"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldap/v3/gssapi"
)

// pool holds one connection and replaces it when it breaks. go-ldap
// multiplexes concurrent requests on a connection, so the lookups after the
// main scan share the source's pool; the concurrent recipient searches each
// get a fork, so that the server and the decoding work on them in parallel.
type pool struct {
	cfg   *Config
	roots *x509.CertPool

	mu     sync.Mutex
	conn   *goldap.Conn
	server string
	gen    int
	// krb holds the Kerberos login (and its tickets) across connections.
	krb *gssapi.Client
	// prefer is the server to try first, if set: a fork's parent's.
	prefer string
}

// fork returns a pool for a second connection, to the server p is on if
// it has connected. It logs in again for Kerberos rather than share p's
// client between goroutines.
func (p *pool) fork() *pool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return &pool{cfg: p.cfg, roots: p.roots, prefer: p.server}
}

// get returns the current connection, connecting first if there is none.
func (p *pool) get(ctx context.Context) (*goldap.Conn, string, int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil && !p.conn.IsClosing() {
		return p.conn, p.server, p.gen, nil
	}
	c, server, err := p.connect(ctx)
	if err != nil {
		return nil, "", 0, err
	}
	p.conn, p.server = c, server
	p.gen++
	return c, server, p.gen, nil
}

// drop closes the connection of generation gen, unless another caller has
// already replaced it.
func (p *pool) drop(gen int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil && p.gen == gen {
		_ = p.conn.Close()
		p.conn = nil
	}
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		_ = p.conn.Close()
		p.conn = nil
	}
	if p.krb != nil {
		_ = p.krb.Close()
		p.krb = nil
	}
}

// connect tries the URLs in order. A wrong password ends the attempt at
// once: every DC of the domain would refuse it too, and each try counts
// towards the account's lockout threshold.
func (p *pool) connect(ctx context.Context) (*goldap.Conn, string, error) {
	var errs []error
	urls := p.cfg.URLs
	if p.prefer != "" {
		urls = append([]string{p.prefer}, slices.DeleteFunc(slices.Clone(urls), func(u string) bool { return u == p.prefer })...)
	}
	for _, raw := range urls {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		c, err := p.connectOne(ctx, raw)
		if err == nil {
			return c, raw, nil
		}
		if errors.Is(err, ErrAuth) || errors.Is(err, ErrKerberos) || len(urls) == 1 {
			return nil, "", err
		}
		p.cfg.Logger.Warn("server failed, trying the next", "server", serverName(raw), "err", err)
		errs = append(errs, err)
	}
	return nil, "", fmt.Errorf("ldap: no server could be used (%d tried): %w", len(errs), errors.Join(errs...))
}

func (p *pool) connectOne(ctx context.Context, raw string) (*goldap.Conn, error) {
	server := serverName(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("ldap: %s: %w", server, err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "389"
		if u.Scheme == "ldaps" {
			port = "636"
		}
	}
	var verifyErr error
	tc := tlsConfig(p.roots, host, p.cfg.InsecureSkipVerify, &verifyErr)
	dctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	d := &net.Dialer{Timeout: p.cfg.Timeout, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(dctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, connectError(server, err, nil)
	}
	var c *goldap.Conn
	plain := false
	switch {
	case u.Scheme == "ldaps":
		tconn := tls.Client(nc, tc)
		if err := tconn.HandshakeContext(dctx); err != nil {
			_ = nc.Close()
			return nil, connectError(server, err, verifyErr)
		}
		c = goldap.NewConn(tconn, true)
		c.Start()
	default:
		c = goldap.NewConn(nc, false)
		c.Start()
		if !p.cfg.AllowPlaintext {
			c.SetTimeout(p.cfg.Timeout)
			if err := c.StartTLS(tc); err != nil {
				_ = c.Close()
				return nil, connectError(server, fmt.Errorf("StartTLS: %w", err), verifyErr)
			}
		} else {
			plain = true
			p.cfg.Logger.Warn(p.cfg.plaintextWarning(), "server", server)
		}
	}
	// Without TLS there is no certificate to leave unverified; the
	// plaintext warning has said worse.
	if p.cfg.InsecureSkipVerify && !plain {
		p.cfg.Logger.Warn(p.cfg.unverifiedTLSWarning(), "server", server)
	}
	c.SetTimeout(p.cfg.Timeout)
	if p.cfg.Kerberos {
		if err := p.gssapiBind(c, server, host); err != nil {
			_ = c.Close()
			return nil, err
		}
		p.cfg.Logger.Info("connected", "server", server, "kerberos", p.cfg.krbSource())
		return c, nil
	}
	if err := c.Bind(p.cfg.BindDN, p.cfg.Password); err != nil {
		// A connection that died under the bind (go-ldap then reports
		// an untyped read error) is a network failure, not a refusal.
		dead := c.IsClosing()
		_ = c.Close()
		if transient(err) || dead {
			return nil, connectError(server, fmt.Errorf("bind: %w", err), nil)
		}
		return nil, bindError(server, p.cfg.BindDN, err)
	}
	p.cfg.Logger.Info("connected", "server", server, "bind", p.cfg.BindDN)
	return c, nil
}

// do runs op on the connection, retrying transient failures on a fresh
// connection with a growing pause, up to cfg.Retries times. A retried paged
// search starts again from its first page (the cookie belongs to the
// connection), so op must tolerate seeing entries twice.
func (p *pool) do(ctx context.Context, what string, op func(c *goldap.Conn, server string) error) error {
	for attempt := 0; ; attempt++ {
		c, server, gen, err := p.get(ctx)
		if err == nil {
			err = op(c, server)
			if err == nil {
				return nil
			}
			// go-ldap reports a connection that died under a request as
			// an untyped error; the closed connection is the tell.
			if !transient(err) && !c.IsClosing() {
				return err
			}
			p.drop(gen)
		} else if !errors.Is(err, ErrUnreachable) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= p.cfg.Retries {
			if attempt > 0 {
				return fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
			}
			return err
		}
		wait := backoff(attempt)
		p.cfg.Logger.Warn("transient failure, retrying", "op", what, "attempt", attempt+1, "wait", wait, "err", err)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func backoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << attempt
	return min(d, 5*time.Second)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
