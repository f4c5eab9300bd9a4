package failover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/stamp"
)

const stampHash = "aaaa"

// stampOf is the stamp of hash h ("" for none).
func stampOf(h string) stamp.Stamp {
	if h == "" {
		return stamp.Stamp{}
	}
	return stamp.Stamp{Hash: h}
}

var t0 = time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)

func mustNS(t testing.TB, s string) nameserver.Nameserver {
	t.Helper()
	ns, err := nameserver.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// Primary: 2 names x 2 addresses; secondary: 2 names x 1 address.
func sets(t testing.TB) (nameserver.Set, nameserver.Set) {
	return nameserver.Set{
			mustNS(t, "a.pri.test.=127.0.1.1:5301,127.0.1.2:5301"),
			mustNS(t, "b.pri.test.=127.0.1.3:5301,127.0.1.4:5301"),
		}, nameserver.Set{
			mustNS(t, "a.sec.test.=127.0.2.1:5302"),
			mustNS(t, "b.sec.test.=127.0.2.2:5302"),
		}
}

// fakeRegistrar records every SetNameservers call.
type fakeRegistrar struct {
	mu    sync.Mutex
	calls [][]string
	fail  int // fail this many calls first
}

func (f *fakeRegistrar) Nameservers(context.Context, string) ([]string, error) { return nil, nil }
func (f *fakeRegistrar) SetNameservers(_ context.Context, _ string, set nameserver.Set) (registrar.Operation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, set.Names())
	if f.fail > 0 {
		f.fail--
		return registrar.Operation{}, errors.New("registrar: HTTP 503")
	}
	return registrar.Operation{ID: fmt.Sprint(len(f.calls))}, nil
}

// spec describes one round: how many addresses of each provider fail, whether the control
// target fails, and the stamp the secondary serves.
type spec struct {
	priDown, secDown int
	controlDown      bool
	secStamp         string // "" means the current stamp
}

func (s spec) round(t testing.TB, at time.Time, withControl bool) probe.Round {
	pri, sec := sets(t)
	r := probe.Round{At: at}
	add := func(prov string, set nameserver.Set, down int, st string) {
		i := 0
		for _, ns := range set {
			for _, a := range ns.Addrs {
				res := probe.Result{Target: probe.Target{Provider: prov, Nameserver: ns.Name, Addr: a}, Reason: probe.OK, Stamp: stampOf(st), At: at}
				if i < down {
					res.Reason, res.Stamp, res.Detail = probe.Timeout, stamp.Stamp{}, "no reply in 2s"
				} else if st != stampHash {
					res.Reason = probe.StaleStamp
				}
				r.Results = append(r.Results, res)
				i++
			}
		}
	}
	add("pri", pri, s.priDown, stampHash)
	st := s.secStamp
	if st == "" {
		st = stampHash
	}
	add("sec", sec, s.secDown, st)
	if withControl {
		res := probe.Result{Target: probe.Target{Provider: ControlProvider, Nameserver: "ctl.", Addr: netip.MustParseAddrPort("127.0.9.9:53")}, Reason: probe.OK, At: at}
		if s.controlDown {
			res.Reason = probe.Timeout
		}
		r.Results = append(r.Results, res)
	}
	return r
}

func repeat(n int, s spec) []spec { return slices.Repeat([]spec{s}, n) }
func seq(parts ...[]spec) []spec  { return slices.Concat(parts...) }

type call struct {
	Round int
	Names string
}

type scenario struct {
	name        string
	mode        Mode
	quorum      Quorum
	failback    FailbackPolicy
	cooldown    time.Duration
	maxPerDay   int
	interval    time.Duration // default 10s
	control     bool
	parentDS    []*dns.DS
	keys        []*dns.DNSKEY // what the targets publish
	regFail     int
	rounds      []spec
	want        []call // registrar calls: round index and names
	wantBlocked string // substring of a blocked reason seen at least once ("" = don't care)
}

const (
	priNames = "a.pri.test. b.pri.test."
	secNames = "a.sec.test. b.sec.test."
	allNames = priNames + " " + secNames
)

func run(t *testing.T, sc scenario) ([]call, []string, []Event) {
	t.Helper()
	pri, sec := sets(t)
	tr, err := NewTracker(TrackerConfig{Providers: []string{"pri", "sec"}, Quorum: sc.quorum, FailAfter: 3, RecoverAfter: 3})
	if err != nil {
		t.Fatal(err)
	}
	mode := sc.mode
	if mode == "" {
		mode = Switch
	}
	eng, err := NewEngine(EngineConfig{Policy: Policy{Mode: mode, Auto: true, Cooldown: sc.cooldown, MaxPerDay: sc.maxPerDay, Failback: sc.failback},
		Primary: "pri", Secondary: "sec", PrimarySet: pri, SecondarySet: sec})
	if err != nil {
		t.Fatal(err)
	}
	interval := sc.interval
	if interval == 0 {
		interval = 10 * time.Second
	}
	reg := &fakeRegistrar{fail: sc.regFail}
	var cur probe.Round
	var journal []Event
	var now time.Time
	var sleeps []time.Duration
	r := &Runner{Zone: "example.test.", Registrar: reg, Now: func() time.Time { return now },
		Sleep: func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil },
		Probe: func(_ context.Context, provider string, _ nameserver.Set) (probe.Round, error) {
			out := probe.Round{At: cur.At}
			for _, res := range cur.Results {
				if res.Provider == provider {
					out.Results = append(out.Results, res)
				}
			}
			return out, nil
		},
		QueryDNSKEY: func(context.Context, netip.AddrPort, string) ([]*dns.DNSKEY, error) { return sc.keys, nil },
		WaitParent:  func(context.Context, []string) error { return nil },
		Journal:     func(ev Event) { journal = append(journal, ev) },
	}
	c := &Controller{Tracker: tr, Engine: eng, Runner: r, RequireInSync: true,
		ExpectedStamp: func() stamp.Stamp { return stampOf(stampHash) },
		ParentDS:      func(context.Context) ([]*dns.DS, error) { return sc.parentDS, nil }}
	var blocked []string
	var calls []call
	for i, s := range sc.rounds {
		now = t0.Add(time.Duration(i) * interval)
		cur = s.round(t, now, sc.control)
		before := len(reg.calls)
		res := c.Step(context.Background(), now, cur)
		if res.Decision.Blocked != "" {
			blocked = append(blocked, res.Decision.Blocked)
		}
		if res.Err != nil {
			blocked = append(blocked, res.Err.Error())
		}
		for _, names := range reg.calls[before:] {
			calls = append(calls, call{i, strings.Join(names, " ")})
		}
	}
	if sc.regFail > 0 && len(sleeps) == 0 {
		t.Errorf("registrar failed but the runner never backed off")
	}
	return calls, blocked, journal
}

func TestScenarios(t *testing.T) {
	ok := spec{}
	priDown := spec{priDown: 4}
	allDown := spec{priDown: 4, secDown: 2, controlDown: true}
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.test.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256,
		PublicKey: "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="}
	other := *key
	other.PublicKey = "oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA=="
	goodDS := key.ToDS(dns.SHA256)

	flap := seq(repeat(2, ok))
	for range 10 {
		flap = append(flap, priDown, ok)
	}

	for _, sc := range []scenario{
		{name: "healthy", rounds: repeat(10, ok)},
		{name: "one address down (quorum all)", rounds: repeat(10, spec{priDown: 1})},
		{name: "half down (quorum all)", rounds: repeat(10, spec{priDown: 2})},
		{name: "half down (quorum majority)", quorum: QuorumMajority, rounds: repeat(10, spec{priDown: 2})},
		{name: "three of four down (quorum majority)", quorum: QuorumMajority,
			rounds: seq(repeat(2, ok), repeat(5, spec{priDown: 3})), want: []call{{4, secNames}}},
		{name: "one address down (quorum any)", quorum: QuorumAny,
			rounds: seq(repeat(2, ok), repeat(5, spec{priDown: 1})), want: []call{{4, secNames}}},
		{name: "primary all down: switch fails over after fail_after", rounds: seq(repeat(2, ok), repeat(8, priDown)),
			want: []call{{4, secNames}}},
		{name: "primary all down: active-active removes it", mode: ActiveActive, rounds: seq(repeat(2, ok), repeat(8, priDown)),
			want: []call{{4, secNames}}},
		{name: "flapping every round", rounds: flap},
		{name: "controller cut off", control: true, rounds: seq(repeat(2, ok), repeat(10, allDown)), wantBlocked: ""},
		{name: "cut off then primary down for real", control: true,
			rounds: seq(repeat(2, ok), repeat(2, allDown), repeat(3, priDown)), want: []call{{6, secNames}}},
		{name: "both providers down, control answers: never remove both", mode: ActiveActive, control: true,
			rounds: seq(repeat(2, ok), repeat(6, spec{priDown: 4, secDown: 2}))},
		{name: "secondary out of sync: preflight refuses", rounds: seq(repeat(2, ok), repeat(5, spec{priDown: 4, secStamp: "bbbb"})),
			wantBlocked: "serves stamp"},
		{name: "DS mismatch: preflight refuses", parentDS: []*dns.DS{goodDS}, keys: []*dns.DNSKEY{&other},
			rounds: seq(repeat(2, ok), repeat(5, priDown)), wantBlocked: "no DNSKEY matching"},
		{name: "DS match: proceeds", parentDS: []*dns.DS{goodDS}, keys: []*dns.DNSKEY{&other, key},
			rounds: seq(repeat(2, ok), repeat(5, priDown)), want: []call{{4, secNames}}},
		{name: "manual failback: stays on the secondary", rounds: seq(repeat(2, ok), repeat(4, priDown), repeat(6, ok)),
			want: []call{{4, secNames}}, wantBlocked: "failback is manual"},
		{name: "auto failback switch after recover_after", failback: FailbackAuto,
			rounds: seq(repeat(2, ok), repeat(4, priDown), repeat(6, ok)), want: []call{{4, secNames}, {8, priNames}}},
		{name: "auto failback active-active", mode: ActiveActive, failback: FailbackAuto,
			rounds: seq(repeat(2, ok), repeat(4, priDown), repeat(6, ok)), want: []call{{4, secNames}, {8, allNames}}},
		{name: "cooldown delays failback", failback: FailbackAuto, cooldown: 100 * time.Second,
			rounds: seq(repeat(2, ok), repeat(4, priDown), repeat(10, ok)), want: []call{{4, secNames}, {14, priNames}},
			wantBlocked: "cooldown"},
		{name: "daily cap", failback: FailbackAuto, maxPerDay: 1,
			rounds: seq(repeat(2, ok), repeat(4, priDown), repeat(4, ok), repeat(4, priDown)),
			want:   []call{{4, secNames}, {8, priNames}}, wantBlocked: "daily cap"},
		{name: "daily cap resets at UTC midnight", failback: FailbackAuto, maxPerDay: 1, interval: 10 * time.Minute,
			// t0 is 22:00 UTC: round 12 is 00:00 the next day.
			rounds: seq(repeat(2, ok), repeat(4, priDown), repeat(3, ok), repeat(6, priDown)),
			want:   []call{{4, secNames}, {8, priNames}, {12, secNames}}, wantBlocked: "daily cap"},
		{name: "registrar retried", regFail: 2, rounds: seq(repeat(2, ok), repeat(3, priDown)),
			want: []call{{4, secNames}, {4, secNames}, {4, secNames}}},
		{name: "registrar fails 3 times: not applied, retried next round", regFail: 3, rounds: seq(repeat(2, ok), repeat(4, priDown)),
			want: []call{{4, secNames}, {4, secNames}, {4, secNames}, {5, secNames}}, wantBlocked: "HTTP 503"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			calls, blocked, journal := run(t, sc)
			if !slices.Equal(calls, sc.want) {
				t.Errorf("registrar calls = %v, want %v (blocked: %q)", calls, sc.want, blocked)
			}
			if sc.wantBlocked != "" && !slices.ContainsFunc(blocked, func(b string) bool { return strings.Contains(b, sc.wantBlocked) }) {
				t.Errorf("no blocked reason containing %q in %q", sc.wantBlocked, blocked)
			}
			for _, ev := range journal {
				if ev.Kind == "" || ev.Message == "" || ev.Zone != "example.test." {
					t.Errorf("journal event incomplete: %+v", ev)
				}
				line, err := json.Marshal(ev)
				var back map[string]any
				if err != nil || json.Unmarshal(line, &back) != nil || back["evidence"] == nil {
					t.Errorf("journal line does not round-trip with evidence: %s (%v)", line, err)
				}
			}
		})
	}
}
