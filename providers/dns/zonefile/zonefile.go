// Package zonefile is a DNS "provider" whose served state is a zone file on disk: the file that
// NSD, Knot or BIND load. Records parses the file; Apply rewrites it atomically (temp file,
// fsync, rename), bumps the SOA serial and runs an optional reload command. Both reuse the
// zone last parsed or written while the file holds exactly those bytes (snapshot.go), so a
// sync parses each file once.
//
// It is also the fast target for plans and benchmarks: no network, only parsing.
package zonefile

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Config configures a zonefile provider.
type Config struct {
	// Path is the zone file. A missing file is an empty zone; the first Apply creates it.
	Path string
	// Reload is a shell command run after each successful write, e.g. "nsd-control reload
	// example.com". Empty means none.
	Reload string
	// Now gives the time used for new SOA serials; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Provider serves a zone from a file. It is safe for concurrent use within one process;
// across processes, twinzone's state lock serialises writers.
type Provider struct {
	cfg    Config
	mu     sync.Mutex
	last   *snapshot           // the zone last parsed or written, and its file's hash (snapshot.go)
	apexNS map[string][]string // zone -> the provider's nameserver names (SetApexNS)
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Delegated = (*Provider)(nil)
)

// SetApexNS gives the nameserver names that serve zone from this file. A file written while
// the zone has no apex NS gets them (BIND and Knot refuse to load a zone without apex NS), and
// a new file's SOA names the first of them as its primary.
func (p *Provider) SetApexNS(zone string, names []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.apexNS == nil {
		p.apexNS = map[string][]string{}
	}
	p.apexNS[strings.ToLower(dns.Fqdn(zone))] = slices.Clone(names)
}

// New returns a provider for cfg.
func New(cfg Config) (*Provider, error) {
	if cfg.Path == "" {
		return nil, errors.New("zonefile: path is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Provider{cfg: cfg}, nil
}

// Traits: a zone file holds every type, including apex NS.
func (p *Provider) Traits() plan.Traits { return plan.Traits{ApexNSManaged: true} }

// Records parses the file (or reuses the zone last parsed or written, when the file holds
// exactly those bytes; see snapshot.go). A file that does not exist yet is an empty zone.
// The RRsets are shared with that snapshot: read them, do not modify them (plan and sync
// never do); copying 2,000,000 RRsets would cost 100 MB per call.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	z, err := p.read(origin)
	if err != nil {
		return nil, err
	}
	return slices.Clip(z.RRsets), nil
}

// Apply applies all changes to the file in one atomic rewrite: either every change is written
// or none is. An Update or Delete whose Old RRset no longer matches the file is refused, so a
// concurrent edit is never overwritten silently.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	if len(changes) == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	cur, err := p.read(origin)
	if err != nil {
		return err
	}
	sets, err := p.merge(cur.RRsets, changes)
	if err != nil {
		return err
	}
	z := &zone.Zone{Origin: cur.Origin, RRsets: sets}
	if z.Origin == "" {
		z.Origin = origin
	}
	p.ensureSOA(z)
	if ns := p.ensureNS(z); ns != nil {
		changes = append(slices.Clip(changes), plan.Change{Action: plan.Create, New: ns}) // for readsBack
	}
	sum, err := p.write(z)
	p.last = nil
	if err != nil {
		return err
	}
	if readsBack(z, changes) {
		p.last = &snapshot{sum: sum, origin: origin, zone: z}
	}
	return p.reload(ctx)
}

// ensureSOA bumps the serial (date-based when that is larger) or adds a minimal SOA to a new
// file, so that the server loading the file sees a new version.
func (p *Provider) ensureSOA(z *zone.Zone) {
	floor := uint32(0)
	if d, err := strconv.ParseUint(p.cfg.Now().UTC().Format("20060102"), 10, 32); err == nil {
		floor = uint32(d) * 100
	}
	for i, s := range z.RRsets {
		if s.Type != dns.TypeSOA || s.Name != z.Origin || len(s.Values) != 1 {
			continue
		}
		rr, err := zone.NewRR(s.Name, s.TTL, s.Type, s.Values[0])
		if err != nil {
			return
		}
		soa := rr.(*dns.SOA)
		soa.Serial = max(soa.Serial+1, floor)
		_, _, v := zone.FromRR(soa)
		z.RRsets[i].Values = []string{v}
		return
	}
	mname := "ns1." + z.Origin
	if ns := p.apexNS[z.Origin]; len(ns) > 0 {
		mname = zone.CanonicalName(ns[0])
	}
	soa := &dns.SOA{
		Hdr:     dns.RR_Header{Name: z.Origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
		Ns:      mname,
		Mbox:    "hostmaster." + z.Origin,
		Serial:  floor + 1,
		Refresh: 3600, Retry: 600, Expire: 1209600, Minttl: 300,
	}
	_, _, v := zone.FromRR(soa)
	set := zone.RRset{Name: z.Origin, Type: dns.TypeSOA, TTL: 3600, Values: []string{v}}
	i, _ := slices.BinarySearchFunc(z.RRsets, set.Key(), func(s zone.RRset, k zone.Key) int { return s.Key().Compare(k) })
	z.RRsets = slices.Insert(z.RRsets, i, set) // kept in canonical order
}

// ensureNS adds the apex NS when the zone has none, so that the file is a zone BIND and Knot
// load (they refuse one that "has no NS records"): the names from SetApexNS, else the SOA's
// primary name. It returns the RRset it added, or nil.
func (p *Provider) ensureNS(z *zone.Zone) *zone.RRset {
	var soa *zone.RRset
	for i := range z.RRsets {
		s := &z.RRsets[i]
		if s.Name == z.Origin && s.Type == dns.TypeNS && len(s.Values) > 0 {
			return nil
		}
		if s.Name == z.Origin && s.Type == dns.TypeSOA && len(s.Values) == 1 {
			soa = s
		}
	}
	var names []string
	for _, n := range p.apexNS[z.Origin] {
		names = append(names, zone.CanonicalName(n))
	}
	ttl := uint32(3600)
	if soa != nil {
		ttl = soa.TTL
		if f := strings.Fields(soa.Values[0]); len(names) == 0 && len(f) > 0 {
			names = []string{zone.CanonicalName(f[0])}
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	set := zone.RRset{Name: z.Origin, Type: dns.TypeNS, TTL: ttl, Values: slices.Compact(names)}
	i, _ := slices.BinarySearchFunc(z.RRsets, set.Key(), func(s zone.RRset, k zone.Key) int { return s.Key().Compare(k) })
	z.RRsets = slices.Insert(z.RRsets, i, set) // kept in canonical order
	return &z.RRsets[i]
}

// write renders z to the file atomically and returns the SHA-256 of the bytes written.
func (p *Provider) write(z *zone.Zone) (sum [sha256.Size]byte, err error) {
	dir := filepath.Dir(p.cfg.Path)
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(p.cfg.Path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { // the first sync creates the file and its folder
		return sum, fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
	}
	removeStaleTemps(dir, filepath.Base(p.cfg.Path))
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p.cfg.Path)+".tmp*")
	if err != nil {
		return sum, fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	h := sha256.New()
	err = zone.Render(io.MultiWriter(tmp, h), z)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p.cfg.Path)
	}
	if err != nil {
		return sum, fmt.Errorf("zonefile %s: write: %w", p.cfg.Path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable; not all filesystems support it
		d.Close()
	}
	return [sha256.Size]byte(h.Sum(nil)), nil
}

// removeStaleTemps removes the temporary files a writer killed mid-write (kill -9, power
// loss) left beside the zone file. Writers of one file are serialised (the mutex in this
// process, twinzone's state lock across processes), so none is in use here.
func removeStaleTemps(dir, base string) {
	stale, _ := filepath.Glob(filepath.Join(dir, "."+globEscape(base)+".tmp*"))
	for _, f := range stale {
		_ = os.Remove(f)
	}
}

func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`).Replace(s)
}

// reloadWaitDelay bounds how long a reload's output is read after its shell exited: a child
// it left running (a daemon started by the reload) may keep the pipe open forever.
const reloadWaitDelay = 5 * time.Second

func (p *Provider) reload(ctx context.Context) error {
	if strings.TrimSpace(p.cfg.Reload) == "" {
		return nil
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", p.cfg.Reload)
	cmd.WaitDelay = reloadWaitDelay
	out, err := cmd.CombinedOutput()
	if errors.Is(err, exec.ErrWaitDelay) { // exited 0; only a child it left holds the pipe
		err = nil
	}
	if err != nil {
		return fmt.Errorf("zonefile %s: written, but reload command failed: %w: %s", p.cfg.Path, err, strings.TrimSpace(string(out)))
	}
	if p.cfg.Logger != nil {
		p.cfg.Logger.Debug("zone file reloaded", "path", p.cfg.Path)
	}
	return nil
}
