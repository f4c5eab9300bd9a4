// Package dnsserver starts real DNS servers for tests: the authoritative BIND named, Knot
// knotd and PowerDNS, the secondaries NSD and Knot (fed by NOTIFY and zone transfer from a
// BIND primary), and the resolvers Unbound, PowerDNS Recursor and Knot Resolver. Each
// runs in its own temporary directory, on a free loopback port (the same number for UDP and
// TCP), is waited for until it answers, and is stopped (process group killed and reaped) on
// t.Cleanup. Server logs go to a file in that directory and are printed when the test fails.
//
// When a server binary is missing the test is skipped, unless the environment variable CI is
// "true", where it fails instead.
package dnsserver

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Zone is one zone a server loads: its origin ("example.test.") and the initial master-file text.
// The text is written as is; it should contain an SOA and apex NS, and may omit $ORIGIN.
type Zone struct {
	Origin string
	Text   string
}

// TSIG is a transaction key. Alg is a miekg/dns algorithm name ("hmac-sha256." or
// "hmac-sha256"); Secret is base64.
type TSIG struct {
	Name   string // absolute ("twinzone-test.")
	Alg    string
	Secret string
}

// TestKey is a fixed hmac-sha256 key for tests.
var TestKey = TSIG{Name: "twinzone-test.", Alg: "hmac-sha256", Secret: "c2VjcmV0LXRlc3Qta2V5LWZvci10d2luem9uZS0wMTI="}

// Options configure an authoritative server.
type Options struct {
	Zones []Zone
	// Key, when set, is allowed to update and transfer every zone; when nil, updates and
	// transfers are allowed from anyone (loopback only).
	Key *TSIG
	// IP to listen on; default 127.0.0.1. Knot binds any 127.0.0.x; BIND only addresses that
	// exist on an interface (127.0.0.1).
	IP string
	// Port to listen on (UDP and TCP); 0 picks a free one.
	Port int
	// Notify lists secondaries ("ip:port") BIND sends NOTIFY to (signed with Key) after every
	// change of each zone (StartNSD, StartKnotSecondary); empty: no NOTIFY.
	Notify []string
	// MaxRecordsPerType is BIND's max-records-per-type; 0, the default here, is unlimited
	// (BIND's own default is 100).
	MaxRecordsPerType int
}

// Server is a running (or stopped) server process.
type Server struct {
	Addr string // "ip:port", valid across Stop/Start
	Kind string // "bind", "knot", "unbound"
	Dir  string // working directory: config, zone files, journals, log

	t       testing.TB
	bin     string
	args    []string
	logPath string
	ready   func(addr string) error

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// AddrPort is Addr parsed.
func (s *Server) AddrPort() netip.AddrPort { return netip.MustParseAddrPort(s.Addr) }

// Port is the server's port.
func (s *Server) Port() int { return int(s.AddrPort().Port()) }

// PID is the current process id, 0 when stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Logs returns the server's log so far.
func (s *Server) Logs() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// Stop terminates the server (SIGTERM to its process group, SIGKILL after 5 s) and waits for
// it. Stopping a stopped server does nothing. Safe from any goroutine.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}

// Start starts a stopped server again with the same directory, data and port, and waits until
// it answers. It fails the test on error, so call it from the test goroutine.
//
// The port was free when the server stopped, but another process on the machine (another test
// package's client socket, say) may hold it for a moment: a server that exits during startup is
// started again once the port can be bound, for up to 15 s.
func (s *Server) Start() {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := s.start()
		if err == nil {
			return
		}
		if !errors.Is(err, errExited) || time.Now().After(deadline) || !waitPortFree(s.Addr, deadline) {
			s.t.Fatalf("%s: restart: %v\n--- log ---\n%s", s.Kind, err, tail(s.Logs(), 60))
		}
	}
}

// errExited marks a server process that exited before it answered.
var errExited = errors.New("exited during startup")

// waitPortFree polls until addr ("ip:port") can be bound over UDP and TCP, or deadline passes.
func waitPortFree(addr string, deadline time.Time) bool {
	for time.Now().Before(deadline) {
		u, uerr := net.ListenPacket("udp", addr)
		if uerr == nil {
			l, terr := net.Listen("tcp", addr)
			u.Close()
			if terr == nil {
				l.Close()
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func (s *Server) start() error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return errors.New("already running")
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.mu.Unlock()
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-done:
			s.Stop()
			return fmt.Errorf("%s %w (last probe: %v)", s.Kind, errExited, last)
		default:
		}
		if last = s.ready(s.Addr); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("%s did not answer on %s within 20s: %v", s.Kind, s.Addr, last)
}

// launch creates the Server, writes its files through write (given the dir and the chosen
// port), starts it, retrying with a new free port when the first choice was taken.
func launch(t testing.TB, kind, binName, ip string, port int, write func(dir string, port int) (args []string, ready func(string) error, err error)) *Server {
	t.Helper()
	bin := findBinary(binName)
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: binary %q not found in PATH or /usr/sbin", kind, binName)
		}
		t.Skipf("%s: binary %q not found in PATH or /usr/sbin", kind, binName)
	}
	if ip == "" {
		ip = "127.0.0.1"
	}
	// Short directory: Knot's control socket path must fit in sun_path (108 bytes).
	dir, err := os.MkdirTemp("", "tz-"+kind+"-")
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	s := &Server{Kind: kind, Dir: dir, t: t, bin: bin, logPath: filepath.Join(dir, kind+".log")}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("--- %s log (%s) ---\n%s", kind, s.Addr, tail(s.Logs(), 200))
		}
		_ = os.RemoveAll(dir)
	})
	attempts := 1
	if port == 0 {
		attempts = 4
	}
	for i := 0; i < attempts; i++ {
		p := port
		if p == 0 {
			if p, err = FreePort(ip); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
		}
		s.Addr = net.JoinHostPort(ip, strconv.Itoa(p))
		s.args, s.ready, err = write(dir, p)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("%s: %v\n--- log ---\n%s", kind, err, tail(s.Logs(), 80))
	return nil
}

// FreePort returns a port that is free for both TCP and UDP on ip at the time of the call.
func FreePort(ip string) (int, error) {
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", net.JoinHostPort(ip, strconv.Itoa(port)))
		l.Close()
		if err == nil {
			u.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port for both TCP and UDP")
}

func findBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// zonesReady returns a probe that succeeds when every zone's SOA is served authoritatively
// over UDP and TCP.
func zonesReady(zones []Zone) func(addr string) error {
	return func(addr string) error {
		if len(zones) == 0 {
			return anyReply(addr)
		}
		for _, z := range zones {
			for _, proto := range []string{"udp", "tcp"} {
				m := new(dns.Msg)
				m.SetQuestion(dns.Fqdn(z.Origin), dns.TypeSOA)
				m.RecursionDesired = false
				c := &dns.Client{Net: proto, Timeout: 500 * time.Millisecond}
				r, _, err := c.Exchange(m, addr)
				if err != nil {
					return fmt.Errorf("%s SOA over %s: %w", z.Origin, proto, err)
				}
				if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) == 0 {
					return fmt.Errorf("%s SOA over %s: rcode %s aa=%v answers=%d", z.Origin, proto,
						dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Answer))
				}
			}
		}
		return nil
	}
}

// anyReply succeeds when the server answers a query over UDP and TCP, whatever the rcode.
func anyReply(addr string) error {
	for _, proto := range []string{"udp", "tcp"} {
		m := new(dns.Msg)
		m.SetQuestion(".", dns.TypeSOA)
		c := &dns.Client{Net: proto, Timeout: 500 * time.Millisecond}
		if _, _, err := c.Exchange(m, addr); err != nil {
			return err
		}
	}
	return nil
}

// zoneFileName is the file a zone's text is written to.
func zoneFileName(origin string) string {
	o := strings.TrimSuffix(strings.ToLower(dns.Fqdn(origin)), ".")
	if o == "" {
		o = "root"
	}
	return o + ".zone"
}

func writeZones(dir string, zones []Zone) error {
	for _, z := range zones {
		text := z.Text
		if !strings.Contains(strings.ToUpper(text), "$ORIGIN") {
			text = "$ORIGIN " + dns.Fqdn(z.Origin) + "\n" + text
		}
		if err := os.WriteFile(filepath.Join(dir, zoneFileName(z.Origin)), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func tail(s string, lines int) string {
	b := []byte(s)
	n := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			n++
			if n > lines {
				return string(b[i+1:])
			}
		}
	}
	return string(bytes.TrimSpace(b))
}

func algName(alg string) string {
	if alg == "" {
		return "hmac-sha256"
	}
	return strings.TrimSuffix(strings.ToLower(alg), ".")
}
