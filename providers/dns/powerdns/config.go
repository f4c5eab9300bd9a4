package powerdns

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a powerdns provider's keys in twinzone.yaml.
type Settings struct {
	APIURL   string        // required: the webserver's base URL, e.g. http://127.0.0.1:8081
	APIKey   config.Secret // required: pdns.conf's api-key, as ${VAR}
	ServerID string        // default "localhost"
	MaxBody  int           // most bytes per PATCH; default DefaultMaxBody
}

// ConfigType is the powerdns row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "powerdns",
		Decode:         decode,
		CredentialHint: "check api_url (the webserver's address and port, webserver-allow-from must include this host), api_key (pdns.conf's api-key) and server_id, and that the zone exists on that server",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{ServerID: DefaultServerID, MaxBody: DefaultMaxBody}
	f.URL("api_url", &s.APIURL)
	f.Secret("api_key", "PDNS_API_KEY", &s.APIKey)
	f.String("server_id", &s.ServerID)
	f.Int("max_body", 4096, &s.MaxBody)
	f.Require("api_key", "PDNS_API_KEY", &s.APIKey)
	f.Check(func() {
		if s.APIURL == "" && !f.Reported("api_url") {
			f.Errorf("missing key \"api_url\", e.g. api_url: http://127.0.0.1:8081")
		}
		if s.ServerID == "" {
			s.ServerID = DefaultServerID
		}
	})
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{APIURL: s.APIURL, APIKey: s.APIKey.Reveal(), ServerID: s.ServerID, MaxBody: s.MaxBody, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
