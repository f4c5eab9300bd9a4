package fleet

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// ClientConfig turns the fleet section into an etcd client configuration: endpoints, TLS
// (a CA file replaces the system roots; cert and key authenticate the client) and username
// and password. gRPC keepalives drop a silently dead connection after about 13 s (gRPC's floor
// is 10 s), so a client spread over several endpoints moves off a partitioned one.
func ClientConfig(f *config.Fleet) (clientv3.Config, error) {
	cfg := clientv3.Config{
		Endpoints:            f.Etcd.Endpoints,
		DialTimeout:          5 * time.Second,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 3 * time.Second,
		Username:             f.Etcd.Username,
		Password:             f.Etcd.Password.Reveal(),
		Logger:               zap.NewNop(), // errors come back to the caller, who logs them
	}
	t := f.Etcd.TLS
	if t.CA == "" && t.Cert == "" {
		return cfg, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return cfg, fmt.Errorf("fleet.etcd.tls.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return cfg, fmt.Errorf("fleet.etcd.tls.ca: %s holds no PEM certificate", t.CA)
		}
		tc.RootCAs = pool
	}
	if t.Cert != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return cfg, fmt.Errorf("fleet.etcd.tls: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	cfg.TLS = tc
	return cfg, nil
}

// Open connects to the fleet's etcd and returns a Store on it; closing the client is the
// caller's (after Store.Close).
func Open(f *config.Fleet, holder string) (*Store, *clientv3.Client, error) {
	cfg, err := ClientConfig(f)
	if err != nil {
		return nil, nil, err
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("fleet: etcd client: %w", err)
	}
	s, err := New(cli, Options{Prefix: f.Etcd.Prefix, TTL: f.ObservationTTL, Holder: holder})
	if err != nil {
		cli.Close()
		return nil, nil, err
	}
	return s, cli, nil
}
