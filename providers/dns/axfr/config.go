package axfr

import (
	"context"
	"log/slog"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// DefaultTransferTimeout is how long a sync waits for the secondary to transfer what it
// wrote to the primary when transfer_timeout is not set: NOTIFY makes a secondary pull within
// seconds; one that only polls (SOA refresh) needs a longer timeout.
const DefaultTransferTimeout = time.Minute

// Settings are an axfr provider's keys in twinzone.yaml: the server to transfer the zone
// from (the secondary itself), an optional TSIG key, and the transfer timeout.
type Settings struct {
	config.TSIG
	TransferTimeout time.Duration
}

// ConfigType is the axfr row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "axfr",
		Decode:         decode,
		VerifyOnly:     true,
		CredentialHint: "check the secondary's address and port, that it serves the zone, and that it allows AXFR with this TSIG key (key_name, key_alg, key)",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{TransferTimeout: DefaultTransferTimeout}
	f.TSIG(&s.TSIG)
	f.Duration("transfer_timeout", time.Second, &s.TransferTimeout)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{Server: s.Server, KeyName: s.KeyName, KeyAlg: s.KeyAlg, Key: s.Key.Reveal(),
		TransferTimeout: s.TransferTimeout, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
