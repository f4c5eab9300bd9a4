package googleclouddns

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a googleclouddns provider's keys in twinzone.yaml. The service-account key
// stays in its file: only the path is kept, and the file is read when the provider opens.
type Settings struct {
	CredentialsFile string // required: a service-account key file (JSON)
	Project         string // default the key's project_id
	ManagedZone     string // the managed zone's name; empty: looked up by the zone's DNS name
	Endpoint        string // API base URL override (emulators)
}

// ConfigType is the googleclouddns row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "googleclouddns",
		Decode:         decode,
		Company:        "Google",
		CredentialHint: "check the service-account key file and that the account has the DNS Administrator role (dns.changes.create, dns.resourceRecordSets.list) in the project, and project/managed_zone",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Path("credentials_file", &s.CredentialsFile)
	f.String("project", &s.Project)
	f.String("managed_zone", &s.ManagedZone)
	f.URL("endpoint", &s.Endpoint)
	f.Check(func() {
		if f.Reported("credentials_file") {
			return
		}
		if s.CredentialsFile == "" {
			f.Errorf("missing key \"credentials_file\" (a service-account key file, JSON)")
			return
		}
		if _, err := readKey(s.CredentialsFile); err != nil {
			f.Errorf("credentials_file: %v", err)
		}
	})
	return s
}

func readKey(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sa, key, err := ParseServiceAccount(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Config{Account: sa, Key: key}, nil
}

// Open reads the key file and builds the adapter; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	cfg, err := readKey(s.CredentialsFile)
	if err != nil {
		return nil, fmt.Errorf("googleclouddns: %w", err)
	}
	cfg.Project, cfg.ManagedZone, cfg.Endpoint, cfg.Logger = s.Project, s.ManagedZone, s.Endpoint, log
	p, err := New(*cfg)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
