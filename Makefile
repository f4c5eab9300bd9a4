# twinzone — build, test, lint, bench. `make test` is what CI runs (.ci/run).
GO      ?= go
BIN     ?= bin/twinzone
PKGS    ?= ./...
# Debian packages the integration tests start as real servers.
TEST_DEBS := bind9 knot unbound dnsutils knot-dnsutils nsd pdns-server pdns-backend-sqlite3 pdns-recursor \
	knot-resolver etcd-server etcd-client iproute2 nftables tmux zsh ldnsutils knot-dnssecutils sqlite3
TEST_BINS := named knotd unbound dig kdig nsd pdns_server pdns_recursor kresd etcd etcdctl ip nft tmux zsh ldns-compare-zones named-checkzone kzonecheck sqlite3 pdnsutil

.PHONY: build test test-deps lint bench demo drill fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/twinzone

# Installs the DNS servers the tests start (only when one is missing), then runs every test.
test: test-deps
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 30m $(PKGS)
	# libdns's own conformance suite against our Cloudflare and Route 53 emulators (nested module).
	$(GO) -C providers/dns/libdnstest test -count=1 ./...
	$(MAKE) fuzz

test-deps:
	@missing=""; for b in $(TEST_BINS); do \
		command -v $$b >/dev/null 2>&1 || [ -x /usr/sbin/$$b ] || missing="$$missing $$b"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "test-deps: missing$$missing; installing $(TEST_DEBS)"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(TEST_DEBS) >/dev/null; \
	fi
	$(GO) mod download
	$(GO) -C providers/dns/libdnstest mod download

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt:"; echo "$$bad"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

# Prints wall time and peak memory of `twinzone plan` on a 100,000-name zone, of `validate`
# and `sync` on a 2,000,000-record zone (about a minute here; BENCH_LARGE=0 skips it), and the
# API request counts of the provider benchmarks.
BENCH_LARGE ?= 2000000
bench: build
	$(GO) run ./cmd/twinzone-bench -bin $(BIN) -large $(BENCH_LARGE)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./providers/dns/cloudflare/ ./providers/dns/route53/
	$(GO) test -run '^$$' -bench . -benchtime 3x ./providers/dns/powerdns/
	TWINZONE_FLEET_BENCH=1 $(GO) test -run '^TestFleetDetectionFigures$$' -count=1 -v ./cmd/twinzone/

# Each fuzz target for a fixed number of inputs (a few seconds each here); FUZZSCALE multiplies
# them (make fuzz FUZZSCALE=20 for a longer run). Counts, not durations: the fuzzer's time-based
# stop can fail with "context deadline exceeded" on a loaded machine. Seed corpora live in
# testdata/fuzz/.
FUZZSCALE ?= 1
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$'        -fuzztime $$((60000 * $(FUZZSCALE)))x ./pkg/zone
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$'         -fuzztime $$((40000 * $(FUZZSCALE)))x ./pkg/config
	$(GO) test -run '^$$' -fuzz '^FuzzCalculate$$'    -fuzztime $$((20000 * $(FUZZSCALE)))x ./pkg/plan
	$(GO) test -run '^$$' -fuzz '^FuzzCanonicalTXT$$' -fuzztime $$((60000 * $(FUZZSCALE)))x ./pkg/zone
	$(GO) test -run '^$$' -fuzz '^FuzzReply$$'        -fuzztime $$((10000 * $(FUZZSCALE)))x ./pkg/probe

# The failover story on this machine: in-process servers, nothing to install.
demo: build
	$(BIN) demo

# Regenerates docs/cli.md from the CLI (TestCLIDocs fails when it is stale).
docs:
	$(GO) test ./cmd/twinzone -run TestCLIDocs -count=1 -update

# The outage drill on real BIND and Knot, through Unbound, PowerDNS Recursor and Knot Resolver
# (port 53 of 127.0.0.x: needs root or CAP_NET_BIND_SERVICE); prints detection times and each
# resolver's resolution success per mode. `make test` runs the same test.
drill: test-deps
	TWINZONE_DRILL_OUT=/dev/stdout $(GO) test -count=1 -run TestDrill -v ./pkg/drill/

clean:
	rm -rf bin
