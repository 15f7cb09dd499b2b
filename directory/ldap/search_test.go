package ldap

import (
	"context"
	"errors"
	"net"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
)

// TestReadPageOnClosedConnection: go-ldap's SearchAsync on a connection
// that is already closing ends at once with no entries and no error. The
// page must fail, as a network error pool.do retries, rather than read as
// an empty last page (which cut a CI scan to 1 of 11 groups, silently).
func TestReadPageOnClosedConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = c.Read(make([]byte, 1<<16)); c.Close() }()
		}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := goldap.NewConn(nc, false)
	c.Start()
	_ = c.Close()
	if !c.IsClosing() {
		t.Fatal("connection not closing after Close")
	}
	s := &Source{cfg: Config{PageSize: 10}}
	req := goldap.NewSearchRequest("dc=example,dc=test", goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil)
	got := s.readPage(context.Background(), c, req, nil)
	if got.err == nil {
		t.Fatalf("page on a closed connection: %d entries and no error, want an error", len(got.entries))
	}
	if !transient(got.err) && !goldap.IsErrorWithCode(got.err, goldap.ErrorNetwork) {
		t.Errorf("error %v is not a network error", got.err)
	}
	var le *goldap.Error
	if !errors.As(got.err, &le) {
		t.Errorf("error %T is not an LDAP error", got.err)
	}
}
