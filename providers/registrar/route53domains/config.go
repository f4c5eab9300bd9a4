package route53domains

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are a route53domains registrar's keys in twinzone.yaml (Route 53 Domains is served
// from us-east-1 whatever the region says).
type Settings struct {
	config.AWS
}

// ConfigType is the route53domains row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "route53domains", Decode: decode, Company: "Amazon",
		CredentialHint: "check the AWS credentials allow route53domains:GetDomainDetail and route53domains:UpdateDomainNameservers (region us-east-1), and that the domain is registered in this account"}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.AWS(&s.AWS)
	return s
}

// Open builds the adapter for s; it loads and checks the AWS configuration.
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{Endpoint: s.Endpoint, Profile: s.Profile, AccessKeyID: s.AccessKeyID.Reveal(), SecretAccessKey: s.SecretAccessKey.Reveal()})
	if err != nil {
		return nil, err
	}
	return r, nil
}
