// Package zonefile is a DNS "provider" whose served state is a zone file on disk: the file that
// NSD, Knot or BIND load. Records parses the file; Apply rewrites it atomically (temp file,
// fsync, rename), bumps the SOA serial and runs an optional reload command.
//
// It is also the fast target for plans and benchmarks: no network, only parsing.
package zonefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
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
	cfg Config
	mu  sync.Mutex
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
)

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

// Records parses the file. A file that does not exist yet is an empty zone.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	z, err := p.read(origin)
	if err != nil {
		return nil, err
	}
	return z.RRsets, nil
}

func (p *Provider) read(origin string) (*zone.Zone, error) {
	z, err := zone.ParseFile(p.cfg.Path, origin)
	if errors.Is(err, fs.ErrNotExist) {
		return &zone.Zone{Origin: origin}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
	}
	return z, nil
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
	z, err := p.read(origin)
	if err != nil {
		return err
	}
	idx := make(map[zone.Key]int, len(z.RRsets))
	for i, s := range z.RRsets {
		idx[s.Key()] = i
	}
	removed := make(map[int]bool)
	for _, c := range changes {
		k := c.Key()
		i, exists := idx[k]
		exists = exists && !removed[i]
		switch {
		case c.Old == nil && exists:
			return fmt.Errorf("zonefile %s: create %s: RRset already exists", p.cfg.Path, k)
		case c.Old != nil && (!exists || !z.RRsets[i].Equal(*c.Old)):
			return fmt.Errorf("zonefile %s: %s %s: RRset changed since the plan was made", p.cfg.Path, c.Action, k)
		}
		switch {
		case c.New == nil:
			removed[i] = true
		case exists:
			z.RRsets[i] = *c.New
		default:
			idx[k] = len(z.RRsets)
			z.RRsets = append(z.RRsets, *c.New)
		}
	}
	out := z.RRsets[:0]
	for i, s := range z.RRsets {
		if !removed[i] {
			out = append(out, s)
		}
	}
	z.RRsets = out
	p.ensureSOA(z)
	zone.Sort(z.RRsets)
	if err := p.write(z); err != nil {
		return err
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
	soa := &dns.SOA{
		Hdr:     dns.RR_Header{Name: z.Origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
		Ns:      "ns1." + z.Origin,
		Mbox:    "hostmaster." + z.Origin,
		Serial:  floor + 1,
		Refresh: 3600, Retry: 600, Expire: 1209600, Minttl: 300,
	}
	_, _, v := zone.FromRR(soa)
	z.RRsets = append(z.RRsets, zone.RRset{Name: z.Origin, Type: dns.TypeSOA, TTL: 3600, Values: []string{v}})
}

func (p *Provider) write(z *zone.Zone) error {
	dir := filepath.Dir(p.cfg.Path)
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(p.cfg.Path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { // the first sync creates the file and its folder
		return fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p.cfg.Path)+".tmp*")
	if err != nil {
		return fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	err = zone.Render(tmp, z)
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
		return fmt.Errorf("zonefile %s: write: %w", p.cfg.Path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable; not all filesystems support it
		d.Close()
	}
	return nil
}

func (p *Provider) reload(ctx context.Context) error {
	if strings.TrimSpace(p.cfg.Reload) == "" {
		return nil
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", p.cfg.Reload)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("zonefile %s: written, but reload command failed: %w: %s", p.cfg.Path, err, strings.TrimSpace(string(out)))
	}
	if p.cfg.Logger != nil {
		p.cfg.Logger.Debug("zone file reloaded", "path", p.cfg.Path)
	}
	return nil
}
