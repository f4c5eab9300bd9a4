package cfemu_test

// The conformance test of the emulator against Cloudflare's official Go SDK,
// github.com/cloudflare/cloudflare-go/v6 (its dns package is generated from Cloudflare's
// OpenAPI spec). Only the dns and option packages are imported: a test-only dependency that
// never reaches twinzone's binary.

import (
	"context"
	"reflect"
	"strings"
	"testing"

	cfdns "github.com/cloudflare/cloudflare-go/v6/dns"
	"github.com/cloudflare/cloudflare-go/v6/option"

	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

// set fills one of the SDK's param.Field values (its package is internal to the SDK, whose
// root package, with the F helper, imports every Cloudflare service).
func set[T any](field any, v T) {
	f := reflect.ValueOf(field).Elem()
	f.FieldByName("Value").Set(reflect.ValueOf(v))
	f.FieldByName("Present").SetBool(true)
}

const sdkToken = "sdk-conformance-token"

func sdkSetup(t *testing.T) (*cfemu.Server, *cfdns.RecordService, string) {
	t.Helper()
	emu := cfemu.New(cfemu.Options{Token: sdkToken})
	t.Cleanup(emu.Close)
	zone := emu.AddZone("example.com")
	svc := cfdns.NewRecordService(option.WithBaseURL(emu.URL+"/"), option.WithAPIToken(sdkToken), option.WithMaxRetries(0))
	return emu, svc, zone
}

func aRecord(name, ip string, ttl float64) cfdns.ARecordParam {
	var r cfdns.ARecordParam
	set(&r.Name, name)
	set(&r.Type, cfdns.ARecordTypeA)
	set(&r.Content, ip)
	set(&r.TTL, cfdns.TTL(ttl))
	return r
}

func newParams(zone string, body cfdns.RecordNewParamsBodyUnion) cfdns.RecordNewParams {
	var p cfdns.RecordNewParams
	set(&p.ZoneID, zone)
	p.Body = body
	return p
}

// Records made, listed, edited and batched through the SDK: comment and tags are kept by an
// edit of the content; the structured types round-trip.
func TestSDKRoundTrip(t *testing.T) {
	_, svc, zone := sdkSetup(t)
	ctx := context.Background()
	a := aRecord("www.example.com", "192.0.2.1", 300)
	set(&a.Comment, "frontend")
	set(&a.Tags, []string{"team:web"})
	got, err := svc.New(ctx, newParams(zone, a))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == "" || got.Content != "192.0.2.1" || got.Comment != "frontend" || got.TTL != 300 {
		t.Fatalf("created %+v", got)
	}
	var edit cfdns.RecordEditParams
	set(&edit.ZoneID, zone)
	edit.Body = aRecord("www.example.com", "192.0.2.9", 600)
	ed, err := svc.Edit(ctx, got.ID, edit)
	if err != nil {
		t.Fatal(err)
	}
	if ed.Content != "192.0.2.9" || ed.TTL != 600 || ed.Comment != "frontend" || !strings.Contains(ed.JSON.RawJSON(), `"tags":["team:web"]`) {
		t.Errorf("edited %+v %s", ed, ed.JSON.RawJSON())
	}

	var sshfp cfdns.SSHFPRecordParam
	set(&sshfp.Name, "host.example.com")
	set(&sshfp.Type, cfdns.SSHFPRecordTypeSSHFP)
	set(&sshfp.TTL, cfdns.TTL(1))
	var sd cfdns.SSHFPRecordDataParam
	set(&sd.Algorithm, float64(4))
	set(&sd.Type, float64(2))
	set(&sd.Fingerprint, "123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789")
	set(&sshfp.Data, sd)
	var naptr cfdns.NAPTRRecordParam
	set(&naptr.Name, "sip.example.com")
	set(&naptr.Type, cfdns.NAPTRRecordTypeNAPTR)
	set(&naptr.TTL, cfdns.TTL(300))
	var nd cfdns.NAPTRRecordDataParam
	set(&nd.Order, float64(100))
	set(&nd.Preference, float64(10))
	set(&nd.Flags, "S")
	set(&nd.Service, "SIP+D2U")
	set(&nd.Regex, "")
	set(&nd.Replacement, "_sip._udp.example.com")
	set(&naptr.Data, nd)
	var uri cfdns.URIRecordParam
	set(&uri.Name, "_ftp._tcp.example.com")
	set(&uri.Type, cfdns.URIRecordTypeURI)
	set(&uri.TTL, cfdns.TTL(300))
	set(&uri.Priority, float64(10))
	var ud cfdns.URIRecordDataParam
	set(&ud.Weight, float64(1))
	set(&ud.Target, "ftp://ftp.example.com/public")
	set(&uri.Data, ud)
	want := map[string]string{
		"SSHFP": "4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789",
		"NAPTR": `100 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
		"URI":   `10 1 "ftp://ftp.example.com/public"`,
	}
	for _, body := range []cfdns.RecordNewParamsBodyUnion{sshfp, naptr, uri} {
		r, err := svc.New(ctx, newParams(zone, body))
		if err != nil {
			t.Fatal(err)
		}
		if w := want[string(r.Type)]; r.Content != w {
			t.Errorf("%s content %q, want %q", r.Type, r.Content, w)
		}
	}

	var list cfdns.RecordListParams
	set(&list.ZoneID, zone)
	n := 0
	for iter := svc.ListAutoPaging(ctx, list); iter.Next(); {
		n++
	}
	if n != 4 {
		t.Errorf("listed %d records", n)
	}
}

// The refusals Cloudflare documents (cloudflare-go v6 field docs and the DNS record types
// reference), each answered with HTTP 400 and its error code.
func TestSDKRefusals(t *testing.T) {
	emu, svc, zone := sdkSetup(t)
	ctx := context.Background()
	if _, err := svc.New(ctx, newParams(zone, aRecord("www.example.com", "192.0.2.1", 300))); err != nil {
		t.Fatal(err)
	}
	roID, err := emu.Seed(zone, cfemu.Record{Name: "@", Type: "MX", Content: "route1.mx.cloudflare.net", Priority: new(int), TTL: 1, Meta: cfemu.Meta{ReadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	txt := func(name, content string, proxied bool) cfdns.TXTRecordParam {
		var r cfdns.TXTRecordParam
		set(&r.Name, name)
		set(&r.Type, cfdns.TXTRecordTypeTXT)
		set(&r.TTL, cfdns.TTL(300))
		set(&r.Content, content)
		if proxied {
			set(&r.Proxied, true)
		}
		return r
	}
	var cname cfdns.CNAMERecordParam
	set(&cname.Name, "www.example.com")
	set(&cname.Type, cfdns.CNAMERecordTypeCNAME)
	set(&cname.TTL, cfdns.TTL(300))
	set(&cname.Content, "t.example.net")
	var badSSHFP cfdns.SSHFPRecordParam
	set(&badSSHFP.Name, "host.example.com")
	set(&badSSHFP.Type, cfdns.SSHFPRecordTypeSSHFP)
	set(&badSSHFP.TTL, cfdns.TTL(300))
	var sd cfdns.SSHFPRecordDataParam
	set(&sd.Algorithm, float64(4))
	set(&sd.Type, float64(2))
	set(&badSSHFP.Data, sd)
	big := strings.TrimSpace(strings.Repeat(`"`+strings.Repeat("x", 250)+`" `, 17))
	for _, tc := range []struct {
		name string
		body cfdns.RecordNewParamsBodyUnion
		code string
	}{
		{"TTL below 60", aRecord("a.example.com", "192.0.2.2", 5), `"code":9021`},
		{"proxied TXT", txt("t.example.com", `"v"`, true), `"code":9004`},
		{"CNAME beside A", cname, `"code":81053`},
		{"identical record", aRecord("www.example.com", "192.0.2.1", 300), `"code":81058`},
		{"SSHFP without fingerprint", badSSHFP, `"code":9101`},
		{"record over 4096 bytes", txt("big.example.com", big, false), `"code":9009`},
	} {
		_, err := svc.New(ctx, newParams(zone, tc.body))
		if err == nil || !strings.Contains(err.Error(), "400 Bad Request") || !strings.Contains(err.Error(), tc.code) {
			t.Errorf("%s: %v, want 400 with %s", tc.name, err, tc.code)
		}
	}
	badComment := aRecord("c.example.com", "192.0.2.5", 300)
	set(&badComment.Comment, "two\nlines")
	badTag := aRecord("g.example.com", "192.0.2.6", 300)
	set(&badTag.Tags, []string{"no value"})
	for name, body := range map[string]cfdns.ARecordParam{"comment with a newline": badComment, "tag without name:value": badTag} {
		if _, err := svc.New(ctx, newParams(zone, body)); err == nil || !strings.Contains(err.Error(), "400 Bad Request") {
			t.Errorf("%s: %v, want 400", name, err)
		}
	}
	var del cfdns.RecordDeleteParams
	set(&del.ZoneID, zone)
	if _, err := svc.Delete(ctx, roID, del); err == nil || !strings.Contains(err.Error(), `"code":1046`) {
		t.Errorf("deleting a read-only record: %v", err)
	}
	// A batch is one transaction: one bad post refuses it all.
	var b cfdns.RecordBatchParams
	set(&b.ZoneID, zone)
	set(&b.Posts, []cfdns.RecordBatchParamsPostUnion{aRecord("ok.example.com", "192.0.2.3", 300), aRecord("bad.example.com", "192.0.2.4", 5)})
	if _, err := svc.Batch(ctx, b); err == nil || !strings.Contains(err.Error(), `"code":9021`) {
		t.Errorf("batch with a bad post: %v", err)
	}
	for _, r := range emu.Records(zone) {
		if r.Name == "ok.example.com" {
			t.Error("a refused batch applied its first post")
		}
	}
}
