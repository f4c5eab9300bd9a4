package route53domains

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/route53domains/r53demu"
)

func setup(t *testing.T) (*r53demu.Server, *Registrar) {
	t.Helper()
	emu := r53demu.New()
	emu.SetDomain("example.com", r53demu.Nameserver{Name: "ns-1.awsdns-01.org"}, r53demu.Nameserver{Name: "ns-2.awsdns-02.net"})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	r, err := New(Config{Endpoint: srv.URL, AccessKeyID: "AKIDTEST", SecretAccessKey: "super-secret-key",
		PollInterval: time.Millisecond, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return emu, r
}

func parse(t *testing.T, specs ...string) nameserver.Set {
	var s nameserver.Set
	for _, x := range specs {
		ns, err := nameserver.Parse(x)
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, ns)
	}
	return s
}

func TestSetAndWait(t *testing.T) {
	ctx := context.Background()
	emu, r := setup(t)
	got, err := r.Nameservers(ctx, "example.com.")
	if err != nil || !slices.Equal(got, []string{"ns-1.awsdns-01.org.", "ns-2.awsdns-02.net."}) {
		t.Fatalf("Nameservers = %v, %v", got, err)
	}
	emu.SetKnobs(r53demu.Knobs{InProgressPolls: 3})
	op, err := r.SetNameservers(ctx, "example.com.", parse(t, "ada.ns.cloudflare.com.", "ns1.example.com.=192.0.2.1,2001:db8::1"))
	if err != nil || op.ID == "" {
		t.Fatalf("SetNameservers = %v, %v", op, err)
	}
	if len(emu.Domain("example.com")) != 2 || emu.Domain("example.com")[0].Name != "ns-1.awsdns-01.org" {
		t.Errorf("changed before the operation completed: %v", emu.Domain("example.com"))
	}
	if err := r.Wait(ctx, "example.com.", op); err != nil {
		t.Fatal(err)
	}
	if n := emu.Requests("GetOperationDetail"); n != 4 {
		t.Errorf("GetOperationDetail polled %d times, want 4 (3 IN_PROGRESS + SUCCESSFUL)", n)
	}
	want := []r53demu.Nameserver{{Name: "ada.ns.cloudflare.com"}, {Name: "ns1.example.com", GlueIps: []string{"192.0.2.1", "2001:db8::1"}}}
	if got := emu.Domain("example.com"); !slices.EqualFunc(got, want, func(a, b r53demu.Nameserver) bool {
		return a.Name == b.Name && slices.Equal(a.GlueIps, b.GlueIps)
	}) {
		t.Errorf("emulator holds %+v, want %+v", got, want)
	}
}

func TestOperationFailed(t *testing.T) {
	ctx := context.Background()
	emu, r := setup(t)
	emu.SetKnobs(r53demu.Knobs{FailNextOperation: true, InProgressPolls: 1})
	op, err := r.SetNameservers(ctx, "example.com.", parse(t, "a.ns.net."))
	if err != nil {
		t.Fatal(err)
	}
	err = r.Wait(ctx, "example.com.", op)
	if err == nil || !strings.Contains(err.Error(), "FAILED") || !strings.Contains(err.Error(), "registry rejected") {
		t.Errorf("Wait = %v", err)
	}
	if emu.Domain("example.com")[0].Name != "ns-1.awsdns-01.org" {
		t.Errorf("failed operation changed the domain")
	}
}

func TestWaitHonoursContext(t *testing.T) {
	emu, r := setup(t)
	emu.SetKnobs(r53demu.Knobs{InProgressPolls: 1 << 30})
	op, err := r.SetNameservers(context.Background(), "example.com.", parse(t, "a.ns.net."))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Wait(ctx, "example.com.", op); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v, want deadline exceeded", err)
	}
}

func TestRetriesAndErrors(t *testing.T) {
	ctx := context.Background()
	emu, r := setup(t)
	set := parse(t, "a.ns.net.")

	emu.SetKnobs(r53demu.Knobs{ServerErrors: 1, Throttles: 1}) // the SDK retries both (3 attempts)
	if _, err := r.SetNameservers(ctx, "example.com.", set); err != nil {
		t.Errorf("retried call failed: %v", err)
	}
	emu.SetKnobs(r53demu.Knobs{Throttles: 5})
	_, err := r.SetNameservers(ctx, "example.com.", set)
	if !errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Errorf("throttled: %v", err)
	}
	emu.SetKnobs(r53demu.Knobs{ServerErrors: 5})
	if _, err := r.Nameservers(ctx, "example.com."); !errors.Is(err, provider.ErrTransient) {
		t.Errorf("5xx: %v", err)
	}
	emu.SetKnobs(r53demu.Knobs{})
	_, err = r.SetNameservers(ctx, "missing.com.", set)
	if err == nil || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "InvalidInput") {
		t.Errorf("unknown domain: %v", err)
	}
	if strings.Contains(err.Error(), "super-secret-key") {
		t.Errorf("secret in error: %v", err)
	}
	if _, err := r.SetNameservers(ctx, "example.com.", parse(t, "ns1.example.com.")); err == nil || !strings.Contains(err.Error(), "needs glue") {
		t.Errorf("in-bailiwick without glue: %v", err)
	}
	if err := r.Wait(ctx, "example.com.", registrar.Operation{}); err == nil {
		t.Errorf("Wait without id: no error")
	}
}
