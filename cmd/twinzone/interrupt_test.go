package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

// TestInterruptedSyncIsJournaled: a sync interrupted mid-apply (Ctrl-C and SIGTERM cancel the
// command's context) still journals its outcome per provider before it exits, so `status`
// and the next run know the provider was left half-way.
func TestInterruptedSyncIsJournaled(t *testing.T) {
	key := dnsserver.TestKey
	knot := dnsserver.StartKnot(t, dnsserver.Options{Key: &key, Zones: []dnsserver.Zone{{Origin: "example.com.",
		Text: "$ORIGIN example.com.\n@ 300 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 300 IN NS ns1.example.net.\n"}}})
	var zoneText strings.Builder
	zoneText.WriteString("$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 2 7200 3600 1209600 300\n")
	for i := range 3000 {
		fmt.Fprintf(&zoneText, "h%d 300 IN A 192.0.2.%d\n", i, i%250+1)
	}
	dir := t.TempDir()
	t.Setenv("TZ_INT_TSIG", key.Secret)
	cfg := fmt.Sprintf(`providers:
  knot: {type: rfc2136, server: "%s", key_name: %s, key_alg: hmac-sha256, key: "${TZ_INT_TSIG}", chunk: 5}
  file: {type: zonefile, path: served/example.com.zone}
zones:
  - name: example.com.
    file: example.com.zone
    primary:   {provider: knot, nameservers: ["ns1.knot.example.=127.0.0.1:5301"]}
    secondary: {provider: file, nameservers: ["ns1.file.example.=127.0.0.1:5302"]}
    safety: {max_change_fraction: 1}
`, knot.Addr, key.Name)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.com.zone": zoneText.String()})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"twinzone", "sync", "--config", filepath.Join(dir, "twinzone.yaml"), "--log-level", "debug"}, &syncBuffer{}, &stderr)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for strings.Count(stderr.String(), `msg="rfc2136 update applied" provider=knot`) < 3 {
		select {
		case code := <-done:
			t.Fatalf("sync finished (exit %d) before it could be interrupted:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync applied nothing:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
	cancel() // what SIGINT does
	var code int
	select {
	case code = <-done:
	case <-time.After(time.Minute):
		t.Fatal("sync did not stop after the interrupt")
	}
	if code != exitError {
		t.Fatalf("interrupted sync: exit %d, want 1\n%s", code, stderr.String())
	}
	st, err := state.Open(filepath.Join(dir, ".twinzone"))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := st.Events("example.com.", 10)
	if err != nil || len(evs) == 0 {
		t.Fatalf("no journal event after an interrupted sync (%v):\n%s", err, stderr.String())
	}
	ev := evs[len(evs)-1]
	outcomes, _ := ev.Evidence.([]any)
	var knotOutcome map[string]any
	for _, o := range outcomes {
		if m, _ := o.(map[string]any); m["provider"] == "knot" {
			knotOutcome = m
		}
	}
	if ev.Kind != state.KindSync || knotOutcome == nil {
		t.Fatalf("last event: %+v", ev)
	}
	if e, _ := knotOutcome["error"].(string); !strings.Contains(e, "canceled") {
		t.Errorf("knot's outcome after the interrupt: %v (want the interruption)", knotOutcome)
	}
	// The journal's count is what the server holds: the changed RRsets Knot serves now, read
	// by a transfer of our own (the SOA's new TTL marks the SOA change; the stamp, written
	// last, was never reached).
	held := changedRRsetsHeld(t, knot.Addr, key)
	t.Logf("knot holds %d changed RRsets; journal: %v", held, knotOutcome)
	applied, _ := knotOutcome["applied"].(float64)
	if applied == 0 || int(applied) != held {
		t.Errorf("journal: knot applied %v changes before the interrupt; Knot holds %d of them (3 messages of 5 at least were applied)\n%v", applied, held, knotOutcome)
	}
	if names, _ := knotOutcome["applied_rrsets"].([]any); len(names) == 0 {
		t.Errorf("journal names no applied RRsets: %v", knotOutcome)
	}
	if want := fmt.Sprintf("knot: %d changes applied before the error (", held); !strings.Contains(stderr.String(), want) {
		t.Errorf("printed summary lacks %q:\n%s", want, lastLines(stderr.String(), 5))
	}
}

// changedRRsetsHeld counts, by AXFR, the RRsets of the test's change the server holds: the
// h<N> A records, and the SOA when it has the new TTL.
func changedRRsetsHeld(t *testing.T, addr string, key dnsserver.TSIG) int {
	t.Helper()
	q := new(dns.Msg)
	q.SetAxfr("example.com.")
	q.SetTsig(key.Name, dns.Fqdn(key.Alg), 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{key.Name: key.Secret}}
	ch, err := tr.In(q, addr)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	soaNew := false
	for env := range ch {
		if env.Error != nil {
			t.Fatalf("AXFR: %v", env.Error)
		}
		for _, rr := range env.RR {
			switch rr.Header().Rrtype {
			case dns.TypeA:
				if strings.HasPrefix(rr.Header().Name, "h") {
					names[rr.Header().Name] = true
				}
			case dns.TypeSOA:
				soaNew = soaNew || rr.Header().Ttl == 3600
			}
		}
	}
	n := len(names)
	if soaNew {
		n++
	}
	return n
}
