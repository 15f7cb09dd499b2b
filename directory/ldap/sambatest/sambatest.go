// Package sambatest runs a real Active Directory domain controller (Samba
// AD DC) on a loopback address for integration tests: it provisions a domain
// into a temporary directory, gives it a TLS certificate from a throwaway CA,
// starts samba in the foreground in its own process group, extends the
// schema with the Exchange attributes and classes dgaudit reads, and can
// load a fixture organization. For Kerberos it writes a krb5.conf naming its
// KDC by address, registers ldap/<address> as a service name of the DC, and
// can export keytabs and run kinit.
//
// A test package starts one server in TestMain (Main) and shares it; tests
// call Get, which skips loudly when Samba is not installed, or fails when
// DGAUDIT_REQUIRE_SAMBA=1 (as CI sets it). The server is stopped, its whole
// process group killed, when Main returns; and samba runs with its stdin on
// a pipe from the test binary, so it exits by itself if the test binary
// dies without cleaning up.
//
// This is test code: it writes to the directory it starts. dgaudit itself
// never writes to a directory.
package sambatest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Domain constants of the provisioned domain.
const (
	Realm    = "CORP.EXAMPLE.TEST"
	Domain   = "corp.example.test"
	NetBIOS  = "CORP"
	HostName = "dc1"
	BaseDN   = "DC=corp,DC=example,DC=test"
	ConfigDN = "CN=Configuration," + BaseDN
	SchemaDN = "CN=Schema," + ConfigDN
	AdminDN  = "CN=Administrator,CN=Users," + BaseDN
	AdminUPN = "Administrator@" + Domain
	// Password is the Administrator password; it meets the default
	// complexity policy.
	Password = "Dgaudit-Test-Passw0rd"
)

// RequireEnv makes a missing Samba a test failure instead of a skip.
const RequireEnv = "DGAUDIT_REQUIRE_SAMBA"

// AddrEnv, when set, overrides the loopback address Main starts the server
// on, so that two test runs on one machine (say CI and a developer) do not
// fight over ports 389/636/88, which Samba cannot move.
const AddrEnv = "DGAUDIT_SAMBA_ADDR"

// Server is a running Samba AD DC.
type Server struct {
	// Dir holds everything: smb.conf, the databases, logs, TLS files.
	Dir string
	// Addr is the loopback address it listens on.
	Addr string
	// CAFile is the PEM CA that signed the server certificate (the
	// certificate names Addr and FQDN).
	CAFile string
	// FQDN is the DC's host name (dc1.corp.example.test).
	FQDN string

	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
	once  sync.Once
}

// LDAPSURL is the server's LDAPS URL (by address: the certificate lists it).
func (s *Server) LDAPSURL() string { return "ldaps://" + s.Addr + ":636" }

// LDAPURL is the server's plain LDAP URL (StartTLS upgrades it).
func (s *Server) LDAPURL() string { return "ldap://" + s.Addr + ":389" }

// Port is the address of one of the server's ports, for proxies.
func (s *Server) Port(port int) string { return net.JoinHostPort(s.Addr, fmt.Sprint(port)) }

// Options for Start.
type Options struct {
	// Addr is the loopback address to listen on; several servers (test
	// packages run in parallel) need different ones. Default 127.0.0.2.
	Addr string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Installed reports whether the Samba AD DC tools are on PATH, and if not,
// why.
func Installed() (bool, string) {
	for _, tool := range []string{"samba", "samba-tool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false, tool + " not found on PATH"
		}
	}
	if _, err := os.Stat("/usr/share/samba/setup"); err != nil {
		return false, "/usr/share/samba/setup missing (package samba-ad-provision)"
	}
	if os.Geteuid() != 0 {
		return false, "samba AD DC needs to run as root"
	}
	return true, ""
}

// SkipReason is what tests print when they skip for lack of Samba.
func SkipReason(why string) string {
	return "SAMBA NOT INSTALLED (" + why + "): skipping real-AD integration tests; " +
		"apt-get install -y --no-install-recommends samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind krb5-user ldap-utils " +
		"(set " + RequireEnv + "=1 to make this a failure)"
}

// Tool returns the path of a command-line tool a test needs beside Samba.
// Without it the test skips, loudly; where Samba is required
// (RequireEnv=1, as in CI) a missing tool fails the test, so the round trip
// it drives cannot quietly stop running.
func Tool(t testing.TB, name, pkg, what string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s NOT INSTALLED (package %s): %s", strings.ToUpper(name), pkg, what)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg + " is required here (" + RequireEnv + "=1)")
	}
	t.Skip(msg + ": skipped")
	return ""
}

// Start provisions and starts a server. The caller must Stop it.
func Start(ctx context.Context, opt Options) (*Server, error) {
	if opt.Addr == "" {
		opt.Addr = "127.0.0.2"
	}
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	dir, err := os.MkdirTemp("", "dgaudit-samba-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Addr: opt.Addr, FQDN: HostName + "." + Domain, done: make(chan struct{})}
	t0 := time.Now()
	prov := exec.CommandContext(ctx, "samba-tool", "domain", "provision",
		"--realm="+Realm, "--domain="+NetBIOS, "--adminpass="+Password, "--server-role=dc",
		"--dns-backend=NONE", "--host-name="+HostName, "--targetdir="+dir,
		"--option=interfaces="+opt.Addr+"/8", "--option=bind interfaces only=yes",
		// Schema changes are what the Exchange extension needs; nosync
		// makes loading fixtures several times faster (no fsync per
		// write) and costs nothing for a throwaway directory.
		"--option=dsdb:schema update allowed=true", "--option=ldb:nosync=true",
	)
	if out, err := prov.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("samba-tool domain provision: %v\n%s", err, tail(out))
	}
	fmt.Fprintf(logw, "sambatest: provisioned %s in %s\n", Realm, time.Since(t0).Round(time.Millisecond))

	conf := filepath.Join(dir, "etc", "smb.conf")
	if err := editConf(conf, map[string]string{
		"log file": filepath.Join(dir, "log.%m"),
		// Provisioning leaves the pid file in the shared /run/samba, where
		// a second instance (another test package, CI next to a
		// developer's run) would find it and refuse to start.
		"pid directory": filepath.Join(dir, "run"),
		// Only what the tests use: LDAP (389, 636, 3268, 3269) and the KDC.
		"server services": "ldap, kdc",
		// Like a Windows DC: a SASL (Kerberos) bind without signing or
		// sealing is accepted inside TLS. Samba's default ("yes") refuses
		// it, and go-ldap's GSSAPI client negotiates no SASL security
		// layer. Plain LDAP still needs TLS or a sealed SASL bind.
		"ldap server require strong auth": "allow_sasl_over_tls",
	}); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := writeCerts(filepath.Join(dir, "private", "tls"), opt.Addr, s.FQDN); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.CAFile = filepath.Join(dir, "private", "tls", "ca.pem")

	cmd := exec.Command("samba", "-s", conf, "-i", "-M", "single")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(dir, "samba.out"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	// samba -i exits when its stdin closes: if this process dies without
	// running Stop, the kernel closes the pipe and samba follows.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start samba: %w", err)
	}
	s.cmd, s.stdin = cmd, stdin
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		out, _ := os.ReadFile(filepath.Join(dir, "samba.out"))
		s.Stop()
		return nil, fmt.Errorf("%w\nsamba output:\n%s", err, tail(out))
	}
	fmt.Fprintf(logw, "sambatest: samba answering LDAPS on %s after %s\n", opt.Addr, time.Since(t0).Round(time.Millisecond))
	if err := s.writeKrb5Conf(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("krb5.conf: %w", err)
	}
	if err := s.addAddressSPN(); err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.ExtendSchema(ctx); err != nil {
		s.Stop()
		return nil, fmt.Errorf("extend schema: %w", err)
	}
	fmt.Fprintf(logw, "sambatest: schema extended after %s\n", time.Since(t0).Round(time.Millisecond))
	return s, nil
}

// waitReady polls until an Administrator bind over LDAPS works.
func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("samba exited during startup")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		c, err := s.Admin()
		if err == nil {
			c.Close()
			return nil
		}
		last = err
	}
	return fmt.Errorf("samba not answering LDAPS on %s after %s: %v", s.Addr, limit, last)
}

// TLSConfig trusts the server's CA.
func (s *Server) TLSConfig() (*tls.Config, error) {
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{RootCAs: pool, ServerName: s.Addr, MinVersion: tls.VersionTLS12}, nil
}

// Admin returns a connection bound as Administrator over LDAPS, for
// loading fixtures.
func (s *Server) Admin() (*goldap.Conn, error) {
	tc, err := s.TLSConfig()
	if err != nil {
		return nil, err
	}
	c, err := goldap.DialURL(s.LDAPSURL(), goldap.DialWithTLSConfig(tc), goldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(60 * time.Second)
	if err := c.Bind(AdminDN, Password); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Stop kills samba's process group, waits for it and removes Dir. It is
// safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.stdin.Close()
			pgid := s.cmd.Process.Pid
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-s.done
			}
		}
		if os.Getenv("DGAUDIT_KEEP_SAMBA_DIR") == "" {
			os.RemoveAll(s.Dir)
		}
	})
}

var (
	shared    *Server
	sharedErr string
	skipWhy   string
)

// Main is TestMain for a package whose tests share one server: it starts
// it (unless Samba is missing), calls setup (to load fixtures), runs the
// tests and stops the server. Use as: func TestMain(m *testing.M) {
// os.Exit(sambatest.Main(m, Options{}, setup)) }.
func Main(m *testing.M, opt Options, setup func(*Server) error) int {
	ok, why := Installed()
	switch {
	case !ok && os.Getenv(RequireEnv) == "1":
		fmt.Fprintf(os.Stderr, "FAIL: %s=1 but Samba cannot run here: %s\n", RequireEnv, why)
		return 1
	case !ok:
		skipWhy = why
		fmt.Fprintln(os.Stderr, SkipReason(why))
		return m.Run()
	}
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	if a := os.Getenv(AddrEnv); a != "" {
		opt.Addr = a
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Start(ctx, opt)
	if err == nil && setup != nil {
		if err = setup(s); err != nil {
			err = fmt.Errorf("fixture setup: %w", err)
		}
	}
	if err != nil {
		sharedErr = err.Error()
		fmt.Fprintf(os.Stderr, "sambatest: %v\n", err)
	}
	shared = s
	code := m.Run()
	if s != nil {
		s.Stop()
	}
	return code
}

// Get returns the shared server started by Main. It skips the test, loudly,
// when Samba is not installed (fails instead under DGAUDIT_REQUIRE_SAMBA=1),
// and fails it when the server could not be started.
func Get(t testing.TB) *Server {
	t.Helper()
	switch {
	case skipWhy != "":
		t.Skip(SkipReason(skipWhy))
	case sharedErr != "":
		t.Fatalf("samba test server: %s", sharedErr)
	case shared == nil:
		t.Fatal("sambatest.Get: no server: call sambatest.Main from TestMain")
	}
	return shared
}

// editConf sets [global] parameters in smb.conf, replacing existing ones.
func editConf(path string, set map[string]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	done := map[string]bool{}
	for i, l := range lines {
		key, _, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok {
			continue
		}
		key = strings.TrimSpace(key)
		if v, ok := set[key]; ok {
			lines[i] = "\t" + key + " = " + v
			done[key] = true
		}
	}
	var add []string
	for k, v := range set {
		if !done[k] {
			add = append(add, "\t"+k+" = "+v)
		}
	}
	out := strings.Replace(strings.Join(lines, "\n"), "[global]\n", "[global]\n"+strings.Join(add, "\n")+"\n", 1)
	return os.WriteFile(path, []byte(out), 0o644)
}

func tail(b []byte) string {
	const n = 4000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
