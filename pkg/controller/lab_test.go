package controller

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/zone"
)

const testZone = "example.test."

// fakeRegistrar records every SetNameservers call and publishes the new set at the fake
// parent at once (like an rfc2136 parent).
type fakeRegistrar struct {
	mu     sync.Mutex
	calls  []nameserver.Set
	held   []bool // whether the state lock was held during the call
	store  *state.Store
	parent *probetest.Server
	fail   error // returned by SetNameservers when set
	lag    bool  // accept, but leave the parent as it is (a parent that publishes late)
}

func (f *fakeRegistrar) Nameservers(context.Context, string) ([]string, error) {
	return nil, registrar.ErrUnsupported
}

func (f *fakeRegistrar) SetNameservers(_ context.Context, _ string, set nameserver.Set) (registrar.Operation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return registrar.Operation{}, f.fail
	}
	f.calls = append(f.calls, set)
	locked := false
	if f.store != nil {
		lk, err := f.store.TryLock()
		if err == nil {
			_ = lk.Unlock()
		} else {
			locked = true
		}
	}
	f.held = append(f.held, locked)
	if f.parent != nil && !f.lag {
		publish(f.parent, set.Names()...)
	}
	return registrar.Operation{}, nil
}

func (f *fakeRegistrar) Calls() []nameserver.Set {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// publish makes the fake parent delegate testZone to names (what an nsupdate at the parent,
// or a person at the registrar's web UI, does).
func publish(parent *probetest.Server, names ...string) {
	var rrs []dns.RR
	for _, n := range names {
		rrs = append(rrs, &dns.NS{Hdr: dns.RR_Header{Name: testZone, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 300}, Ns: n})
	}
	parent.SetRecords(rrs...)
}

type lab struct {
	pri    [2]*probetest.Server
	sec    *probetest.Server
	parent *probetest.Server
	reg    *fakeRegistrar
	st     *state.Store
	ctrl   *Controller
	cfg    *config.Config
	zc     *config.Zone
	log    *logBuf

	mu    sync.Mutex
	clock time.Time // the time of the manual changes (zero: time.Now)
	// loadConfig is the controller's Options.LoadConfig (nil: none).
	loadConfig func() (*config.Config, error)
}

func (l *lab) now() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clock.IsZero() {
		return time.Now()
	}
	return l.clock
}

// round runs round i of the lab's own controller at at(i); manual changes made after it
// happen at that time too.
func (l *lab) round(t *testing.T, i int) ZoneStep {
	t.Helper()
	l.mu.Lock()
	l.clock = at(i)
	l.mu.Unlock()
	return l.ctrl.RunOnce(context.Background(), at(i))[0]
}

var (
	priNames = []string{"ns1.pri.test.", "ns2.pri.test."}
	secNames = []string{"ns1.sec.test."}
)

// newLab starts two fake primary servers, a fake secondary and a fake parent that delegates to
// the mode's normal set, and a controller on them. edit, when set, changes the zone config.
func newLab(t *testing.T, mode config.Mode, webhook string, edit ...func(*config.Zone)) *lab {
	t.Helper()
	l := &lab{log: &logBuf{}}
	cur := plan.StampOf(desiredZone(t).RRsets).String()
	for i := range l.pri {
		l.pri[i] = probetest.Start(t, testZone)
		l.pri[i].SetStampText(cur)
	}
	l.sec = probetest.Start(t, testZone)
	l.sec.SetStampText(cur)
	l.parent = probetest.Start(t, "test.")
	if mode == config.ModeSwitch {
		publish(l.parent, priNames...)
	} else {
		publish(l.parent, append(slices.Clone(priNames), secNames...)...)
	}
	dir := t.TempDir()
	st, err := state.Open(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	l.st = st
	l.reg = &fakeRegistrar{store: st, parent: l.parent}
	ns := func(name string, s *probetest.Server) nameserver.Nameserver {
		return nameserver.Nameserver{Name: name, Addrs: []netip.AddrPort{s.Addr}}
	}
	l.zc = &config.Zone{Name: testZone, Mode: mode, Registrar: "fake",
		Primary:   config.ProviderRef{Provider: "pri", Nameservers: nameserver.Set{ns("ns1.pri.test.", l.pri[0]), ns("ns2.pri.test.", l.pri[1])}},
		Secondary: config.ProviderRef{Provider: "sec", Nameservers: nameserver.Set{ns("ns1.sec.test.", l.sec)}},
		Probe:     config.Probe{Interval: 10 * time.Second, Timeout: 2 * time.Second, FailAfter: 2, RecoverAfter: 2, Quorum: "all"},
		Failover: config.Failover{Auto: true, Cooldown: time.Hour, MaxPerDay: 2, Failback: config.FailbackManual, RequireInSync: true,
			PropagationTimeout: 5 * time.Second, RetryEvery: time.Minute},
	}
	for _, e := range edit {
		e(l.zc)
	}
	l.cfg = &config.Config{StateDir: st.Dir(), Registrars: map[string]*config.Registrar{"fake": {Name: "fake", Type: "exec"}},
		Zones: []*config.Zone{l.zc}}
	if webhook != "" {
		l.cfg.Controller.Webhook = config.NewSecret(webhook, "")
	}
	l.ctrl = l.controller(t, l.log)
	return l
}

// controller builds another controller on the lab: a restarted `run`, or the process of a
// human's `twinzone failover` (it shares the state directory, nothing else).
func (l *lab) controller(t *testing.T, log *logBuf) *Controller {
	t.Helper()
	c, err := New(context.Background(), Options{Config: l.cfg, Zones: []ZoneSpec{{Config: l.zc, Desired: desiredZone(t)}}, Store: l.st,
		Logger:        log.logger(),
		OpenRegistrar: func(context.Context, *config.Registrar, ParentReader) (registrar.Registrar, error) { return l.reg, nil },
		ParentServers: map[string][]netip.AddrPort{testZone: {l.parent.Addr}}, RegistrarBackoff: time.Millisecond,
		ParentPoll: 10 * time.Millisecond, Now: l.now, LoadConfig: l.loadConfig})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// desiredZone is the controller's zone file; the lab's servers serve its stamp.
func desiredZone(t *testing.T) *zone.Zone {
	t.Helper()
	z, err := zone.Parse(strings.NewReader(testZoneText), testZone, "example.test.zone")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

const testZoneText = `$ORIGIN example.test.
$TTL 300
@ SOA ns1.pri.test. hostmaster.example.test. 2026120201 3600 600 86400 60
@ NS ns1.pri.test.
www A 192.0.2.1
`

// logBuf collects a controller's log lines (text format, no time) for exact assertions.
type logBuf struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuf) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

func (b *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
}

// lines returns the log lines that contain every one of subs.
func (b *logBuf) lines(subs ...string) []string {
	var out []string
	for _, line := range strings.Split(b.String(), "\n") {
		ok := line != ""
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func at(i int) time.Time { return t0.Add(time.Duration(i) * 10 * time.Second) }

func checkJournal(t *testing.T, st *state.Store, kinds ...string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(st.Dir(), state.JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("journal line does not parse: %v: %s", err, line)
		}
		k, _ := ev["kind"].(string)
		seen[k] = true
		if (k == "failover" || k == "failback") && ev["evidence"] == nil {
			t.Fatalf("%s event without evidence: %s", k, line)
		}
	}
	for _, k := range kinds {
		if !seen[k] {
			t.Fatalf("journal has no %q event:\n%s", k, b)
		}
	}
}

func scrape(t *testing.T, c *Controller) string {
	t.Helper()
	rec := httptest.NewRecorder()
	c.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func failoverEvent() failover.Event {
	return failover.Event{Time: t0, Zone: testZone, Kind: "verdict", Message: "test"}
}

func restart(t *testing.T, servers ...*probetest.Server) {
	t.Helper()
	for _, s := range servers {
		if err := s.Restart(); err != nil {
			t.Fatalf("restart fake server: %v", err)
		}
	}
}
