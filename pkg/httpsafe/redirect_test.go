package httpsafe

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestCheckRedirect(t *testing.T) {
	get, _ := http.NewRequest(http.MethodGet, "https://api.example/v1?token=s3cret", nil)
	post, _ := http.NewRequest(http.MethodPost, "https://api.example/v1", strings.NewReader("key=s3cret"))
	same, _ := http.NewRequest(http.MethodGet, "https://API.example/v2", nil)
	other, _ := http.NewRequest(http.MethodGet, "https://evil.example/steal?token=s3cret", nil)
	plain, _ := http.NewRequest(http.MethodGet, "http://api.example/v2", nil)
	for _, c := range []struct {
		name       string
		resendBody bool
		req        *http.Request
		via        []*http.Request
		refused    string // "" when followed
	}{
		{"same host", false, same, []*http.Request{get}, ""},
		{"another host", true, other, []*http.Request{get}, "another host"},
		{"scheme downgrade", true, plain, []*http.Request{get}, "another host"},
		{"body never sent twice", false, same, []*http.Request{post}, "never sent twice"},
		{"body may follow on the same host", true, same, []*http.Request{post}, ""},
		{"too many", true, same, []*http.Request{get, get, get, get}, "more than 3"},
	} {
		err := CheckRedirect(c.resendBody)(c.req, c.via)
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.refused != "" && (err == nil || !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), c.refused)):
			t.Errorf("%s: err = %v, want %q", c.name, err, c.refused)
		case err != nil && strings.Contains(err.Error(), "s3cret"):
			t.Errorf("%s: the error shows the URL's token: %v", c.name, err)
		}
	}
}
