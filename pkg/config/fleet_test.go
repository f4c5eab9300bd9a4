package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
)

func fleetLookup(name string) (string, bool) {
	switch name {
	case "TWINZONE_ID":
		return "m1", true
	case "ETCD_PASSWORD":
		return "etcd-PASSWORD-value-0001", true
	}
	return testLookup(name)
}

func TestFleetFull(t *testing.T) {
	path := writeConfig(t, minimal+`fleet:
  id: "${TWINZONE_ID}"
  etcd:
    endpoints: [https://etcd1:2379, "https://10.0.0.2:2379/"]
    prefix: /tz/prod
    tls: {ca: ca.pem, cert: client.pem, key: client-key.pem}
    username: twinzone
    password: "${ETCD_PASSWORD}"
  vantage_quorum: 3
  observation_ttl: 20s
  on_coordination_loss: hold
`)
	dir := filepath.Dir(path)
	for _, f := range []string{"ca.pem", "client.pem", "client-key.pem"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := config.LoadWith(path, testTypes, fleetLookup)
	if err != nil {
		t.Fatal(err)
	}
	f := c.Fleet
	if f == nil || f.ID != "m1" || f.VantageQuorum != 3 || f.ObservationTTL != 20*time.Second || f.OnCoordinationLoss != "hold" || f.Line != 10 {
		t.Fatalf("fleet = %+v", f)
	}
	e := f.Etcd
	if len(e.Endpoints) != 2 || e.Endpoints[1] != "https://10.0.0.2:2379" || e.Prefix != "/tz/prod/" || e.Username != "twinzone" ||
		e.Password.Reveal() != "etcd-PASSWORD-value-0001" || e.TLS.CA != filepath.Join(dir, "ca.pem") || e.TLS.Key != filepath.Join(dir, "client-key.pem") {
		t.Fatalf("etcd = %+v", e)
	}
	if s := fmt.Sprintf("%v %+v %#v", c, f, e); strings.Contains(s, "etcd-PASSWORD") {
		t.Fatalf("the password is printed: %s", s)
	}
}

func TestFleetDefaultsAndAbsent(t *testing.T) {
	c, err := config.LoadWith(writeConfig(t, minimal), testTypes, fleetLookup)
	if err != nil || c.Fleet != nil {
		t.Fatalf("without fleet: %+v %v", c.Fleet, err)
	}
	c, err = config.LoadWith(writeConfig(t, minimal+"fleet: {id: m2, etcd: {endpoints: [\"http://127.0.0.1:2379\"]}}\n"), testTypes, fleetLookup)
	if err != nil {
		t.Fatal(err)
	}
	f := c.Fleet
	if f.Etcd.Prefix != config.DefaultFleetPrefix || f.VantageQuorum != config.DefaultVantageQuorum ||
		f.ObservationTTL != config.DefaultObservationTTL || f.OnCoordinationLoss != config.CoordinationLossHold {
		t.Fatalf("defaults: %+v", f)
	}
	c, err = config.LoadWith(writeConfig(t, minimal+"fleet: {id: m2, vantage_quorum: 1, etcd: {endpoints: [\"http://127.0.0.1:2379\"]}}\n"), testTypes, fleetLookup)
	if err != nil || len(c.Warnings) == 0 || !strings.Contains(strings.Join(c.Warnings, "\n"), "vantage_quorum is 1") {
		t.Fatalf("quorum 1: warnings %q, %v", c.Warnings, err)
	}
}

func TestFleetErrors(t *testing.T) {
	ep := `etcd: {endpoints: ["http://127.0.0.1:2379"]}`
	cases := []struct{ fleet, want string }{
		{"fleet: {" + ep + "}", `:9:8: fleet: missing key "id"`},
		{"fleet: {id: \"a b\", " + ep + "}", `fleet.id: "a b" is not a member id`},
		{"fleet: {id: \"${NOPE}\", " + ep + "}", `fleet.id: environment variable NOPE is not set`},
		{"fleet: {id: m1}", `fleet: missing key "etcd"`},
		{"fleet: {id: m1, etcd: {prefix: /x/}}", `fleet.etcd: missing key "endpoints"`},
		{"fleet: {id: m1, etcd: {endpoints: [etcd1:2379]}}", `fleet.etcd.endpoints[0]: "etcd1:2379": want http(s)://host:port`},
		{"fleet: {id: m1, etcd: {endpoints: [\"https://etcd1\"]}}", `missing port, e.g. https://etcd1:2379`},
		{"fleet: {id: m1, etcd: {endpoints: [\"https://e:2379\"], prefix: tz}}", `fleet.etcd.prefix: "tz" must start with "/"`},
		{"fleet: {id: m1, etcd: {endpoints: [\"https://e:2379\"], username: u, password: hunter2}}", `fleet.etcd.password: key "password" must reference an environment variable like ${ETCD_PASSWORD}`},
		{"fleet: {id: m1, etcd: {endpoints: [\"https://e:2379\"], username: u}}", `fleet.etcd: username and password go together`},
		{"fleet: {id: m1, etcd: {endpoints: [\"http://10.1.1.1:2379\"], username: u, password: \"${ETCD_PASSWORD}\"}}", `a password would cross the network in clear text`},
		{"fleet: {id: m1, etcd: {endpoints: [\"http://e:2379\"], tls: {ca: nope.pem}}}", `fleet.etcd.tls.ca: `},
		{"fleet: {id: m1, etcd: {endpoints: [\"https://e:2379\"], tls: {cert: twinzone.yaml}}}", `fleet.etcd.tls: cert and key go together`},
		{"fleet: {id: m1, etcd: {endpoints: [\"http://e:2379\"], tls: {}}}", `"http://e:2379" is plain http but tls is configured`},
		{"fleet: {id: m1, " + ep + ", vantage_quorum: 0}", `fleet.vantage_quorum: 0 is out of range: must be at least 1`},
		{"fleet: {id: m1, " + ep + ", observation_ttl: 1s}", `fleet.observation_ttl: 1s is too short`},
		{"fleet: {id: m1, " + ep + ", observation_ttl: 2500ms}", `not whole seconds`},
		{"fleet: {id: m1, " + ep + ", observation_ttl: 11s}", `fleet.observation_ttl: 11s must be longer than zones[0].probe.interval + timeout (12s)`},
		{"fleet: {id: m1, " + ep + ", on_coordination_loss: proceed}", `fleet.on_coordination_loss: "proceed" is not valid: want hold`},
		{"fleet: {id: m1, " + ep + ", vantage_qorum: 2}", `fleet: unknown key "vantage_qorum"`},
	}
	for _, c := range cases {
		_, err := config.LoadWith(writeConfig(t, minimal+c.fleet+"\n"), testTypes, fleetLookup)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\n  err = %v\n want %q", c.fleet, err, c.want)
			continue
		}
		if !strings.Contains(err.Error(), "twinzone.yaml:9:") {
			t.Errorf("%s: no file:line: %v", c.fleet, err)
		}
		if strings.Contains(err.Error(), "etcd-PASSWORD") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("a password in the error: %v", err)
		}
	}
}
