package googleclouddns

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Scope is the OAuth scope the adapter asks for.
const Scope = "https://www.googleapis.com/auth/ndev.clouddns.readwrite"

// ServiceAccount is the part of a service-account key file (JSON) the adapter uses.
type ServiceAccount struct {
	Type        string `json:"type"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	TokenURI    string `json:"token_uri"`
	ProjectID   string `json:"project_id"`
}

// ParseServiceAccount reads a service-account key file's JSON.
func ParseServiceAccount(data []byte) (*ServiceAccount, *rsa.PrivateKey, error) {
	var sa ServiceAccount
	if err := json.Unmarshal(data, &sa); err != nil {
		return nil, nil, fmt.Errorf("not a service-account key file: %v", err)
	}
	if sa.Type != "service_account" || sa.ClientEmail == "" || sa.PrivateKey == "" {
		return nil, nil, errors.New(`not a service-account key file: want "type": "service_account" with client_email and private_key`)
	}
	if sa.TokenURI == "" {
		sa.TokenURI = "https://oauth2.googleapis.com/token"
	}
	block, _ := pem.Decode([]byte(sa.PrivateKey))
	if block == nil {
		return nil, nil, errors.New("private_key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		k2, err2 := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err2 != nil {
			return nil, nil, fmt.Errorf("private_key: %v", err)
		}
		k = k2
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, errors.New("private_key is not an RSA key")
	}
	return &sa, rk, nil
}

// tokenSource exchanges a signed JWT for an access token (RFC 7523, as Google's OAuth 2.0
// for service accounts documents it) and keeps it until a minute before it expires.
type tokenSource struct {
	sa  *ServiceAccount
	key *rsa.PrivateKey
	hc  *http.Client
	now func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// assertion is the signed JWT.
func (ts *tokenSource) assertion(now time.Time) (string, error) {
	head := b64([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(map[string]any{
		"iss": ts.sa.ClientEmail, "scope": Scope, "aud": ts.sa.TokenURI,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	if err != nil {
		return "", err
	}
	signed := head + "." + b64(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, ts.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signed + "." + b64(sig), nil
}

// Token returns a valid access token.
func (ts *tokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now := ts.now()
	if ts.token != "" && now.Before(ts.expires) {
		return ts.token, nil
	}
	jwt, err := ts.assertion(now)
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {jwt}}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.sa.TokenURI, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := ts.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("getting an access token for %s: %w", ts.sa.ClientEmail, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(data, &tok)
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		return "", fmt.Errorf("getting an access token for %s: HTTP %d: %s %s", ts.sa.ClientEmail, resp.StatusCode, tok.Error, tok.Description)
	}
	ts.token = tok.AccessToken
	ts.expires = now.Add(time.Duration(max(tok.ExpiresIn-60, 0)) * time.Second)
	return ts.token, nil
}
