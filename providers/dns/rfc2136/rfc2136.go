// Package rfc2136 is a twinzone provider for any server that speaks RFC 2136 dynamic updates
// and AXFR with TSIG (BIND, Knot, PowerDNS, ...).
//
// It uses miekg/dns directly rather than libdns/rfc2136, whose TXT handling splits values every
// 255 runes and Go-quotes them, mangling non-ASCII bytes and escapes.
//
// Records reads the zone by AXFR. Apply sends UPDATE messages; each change becomes "delete the
// RRset, add the new records" inside one message, so every message (and thus every RRset) is
// atomic on the server. Changes are chunked by record count and message size, and all changes
// at one owner name travel in the same message (a CNAME can replace other data at a name).
package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Config configures a Provider.
type Config struct {
	// Server is the primary's address, "host:port" (port 53 when omitted).
	Server string
	// KeyName, KeyAlg and Key are the TSIG key (name, algorithm such as "hmac-sha256", base64
	// secret). All empty means unsigned requests.
	KeyName, KeyAlg, Key string
	// Chunk, when set, is the most records added or removed per UPDATE message; 0 means
	// messages are bounded by size only (about 63 KiB).
	Chunk int
	// Timeout bounds each network exchange (dial, one UPDATE, each AXFR message); 0 means 10 s.
	Timeout time.Duration
	// Logger receives debug logs; nil discards.
	Logger *slog.Logger
}

// DefaultChunk is the default bound of records per UPDATE message: none, messages are bounded
// by size. Counting records undercounts small ones and counts each RRset's deletion, which
// doubled the messages of a first sync.
const DefaultChunk = 0

// maxMsgBytes bounds the uncompressed size of one UPDATE message: the 64 KiB a DNS message
// over TCP may have, less room for the header, the zone section and the TSIG record.
const maxMsgBytes = 63 * 1024

// Provider reads and writes one server's zones. It is safe for concurrent use.
type Provider struct {
	server  string
	keyName string
	alg     string
	secret  map[string]string
	chunk   int
	timeout time.Duration
	log     *slog.Logger

	// afterChunk, when set (tests), runs after each UPDATE message succeeded.
	afterChunk func(i int)
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
)

// New checks cfg and returns a Provider. It does not contact the server.
func New(cfg Config) (*Provider, error) {
	if cfg.Server == "" {
		return nil, errors.New("rfc2136: server is required")
	}
	server := cfg.Server
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(strings.Trim(server, "[]"), "53")
	}
	p := &Provider{server: server, chunk: cfg.Chunk, timeout: cfg.Timeout, log: cfg.Logger}
	if p.chunk <= 0 {
		p.chunk = math.MaxInt
	}
	if p.timeout <= 0 {
		p.timeout = 10 * time.Second
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if cfg.KeyName != "" || cfg.Key != "" {
		if cfg.KeyName == "" || cfg.Key == "" {
			return nil, errors.New("rfc2136: key_name and key must be set together")
		}
		alg, err := tsigAlg(cfg.KeyAlg)
		if err != nil {
			return nil, err
		}
		p.keyName = strings.ToLower(dns.Fqdn(cfg.KeyName))
		p.alg = alg
		p.secret = map[string]string{p.keyName: cfg.Key}
	}
	return p, nil
}

func tsigAlg(a string) (string, error) {
	switch strings.TrimSuffix(strings.ToLower(a), ".") {
	case "", "hmac-sha256":
		return dns.HmacSHA256, nil
	case "hmac-sha1":
		return dns.HmacSHA1, nil
	case "hmac-sha224":
		return dns.HmacSHA224, nil
	case "hmac-sha384":
		return dns.HmacSHA384, nil
	case "hmac-sha512":
		return dns.HmacSHA512, nil
	case "hmac-md5", "hmac-md5.sig-alg.reg.int":
		return dns.HmacMD5, nil
	}
	return "", fmt.Errorf("rfc2136: unsupported TSIG algorithm %q", a)
}

// Traits: the server holds every type, any TTL, and apex NS.
func (p *Provider) Traits() plan.Traits { return plan.Traits{ApexNSManaged: true} }

// String names the provider without secrets.
func (p *Provider) String() string { return "rfc2136(" + p.server + ")" }

// dial opens a TCP connection bounded by ctx and the timeout; the returned stop func must be
// called when done: it cancels the watcher that closes the connection when ctx ends.
func (p *Provider) dial(ctx context.Context) (*dns.Conn, func() bool, error) {
	d := net.Dialer{Timeout: p.timeout}
	c, err := d.DialContext(ctx, "tcp", p.server)
	if err != nil {
		return nil, nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	return &dns.Conn{Conn: c}, stop, nil
}

func (p *Provider) sign(m *dns.Msg) {
	if p.secret != nil {
		m.SetTsig(p.keyName, p.alg, 300, time.Now().Unix())
	}
}

// netError wraps a network failure, marking it transient, and prefers ctx's error when ctx
// ended (the connection was closed because of it).
func netError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, net.ErrClosed) || isConnErr(err) {
		return provider.MarkTransient(fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isConnErr(err error) bool {
	s := err.Error()
	return strings.Contains(s, "EOF") || strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

// rcodeError describes a non-success reply, with its extended DNS error texts.
func rcodeError(r *dns.Msg) error {
	msg := "rcode " + dns.RcodeToString[r.Rcode]
	if t := r.IsTsig(); t != nil && t.Error != 0 {
		msg += " (TSIG " + dns.RcodeToString[int(t.Error)] + ")"
	}
	if opt := r.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if ede, ok := o.(*dns.EDNS0_EDE); ok {
				msg += fmt.Sprintf(" (EDE %d %s", ede.InfoCode, dns.ExtendedErrorCodeToString[ede.InfoCode])
				if ede.ExtraText != "" {
					msg += ": " + ede.ExtraText
				}
				msg += ")"
			}
		}
	}
	err := errors.New(msg)
	if r.Rcode == dns.RcodeServerFailure {
		return provider.MarkTransient(err)
	}
	return err
}
