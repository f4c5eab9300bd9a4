package r53emu

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
)

func setup(t *testing.T) (*Server, *r53.Client, string) {
	t.Helper()
	srv, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	id, err := srv.AddZone("example.com.", false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	c := r53.NewFromConfig(cfg, func(o *r53.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	return srv, c, id
}

func rrset(action types.ChangeAction, name, typ string, ttl int64, values ...string) types.Change {
	set := &types.ResourceRecordSet{Name: aws.String(name), Type: types.RRType(typ), TTL: aws.Int64(ttl)}
	for _, v := range values {
		set.ResourceRecords = append(set.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
	}
	return types.Change{Action: action, ResourceRecordSet: set}
}

func submit(ctx context.Context, c *r53.Client, id string, changes ...types.Change) (*r53.ChangeResourceRecordSetsOutput, error) {
	return c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(id), ChangeBatch: &types.ChangeBatch{Changes: changes}})
}

func listAll(t *testing.T, c *r53.Client, id string, max int32) ([]types.ResourceRecordSet, int) {
	t.Helper()
	in := &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), MaxItems: aws.Int32(max)}
	var out []types.ResourceRecordSet
	pages := 0
	for pages < 1000 {
		page, err := c.ListResourceRecordSets(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.ResourceRecordSets) > MaxListItems {
			t.Fatalf("page of %d sets", len(page.ResourceRecordSets))
		}
		out = append(out, page.ResourceRecordSets...)
		if !page.IsTruncated {
			break
		}
		in.StartRecordName, in.StartRecordType = page.NextRecordName, page.NextRecordType
	}
	return out, pages
}

func TestZoneLookupAndChangeStatus(t *testing.T) {
	srv, c, id := setup(t)
	ctx := context.Background()
	if _, err := srv.AddZone("other.org.", false); err != nil {
		t.Fatal(err)
	}
	zs, err := c.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{DNSName: aws.String("example.com."), MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(zs.HostedZones) != 1 || *zs.HostedZones[0].Name != "example.com." || *zs.HostedZones[0].Id != "/hostedzone/"+id {
		t.Fatalf("zones: %+v", zs.HostedZones)
	}
	if !zs.IsTruncated || aws.ToString(zs.NextDNSName) != "other.org." {
		t.Errorf("truncation: %v %v", zs.IsTruncated, aws.ToString(zs.NextDNSName))
	}
	hz, err := c.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String(id)})
	if err != nil || *hz.HostedZone.Name != "example.com." || len(hz.DelegationSet.NameServers) != 4 {
		t.Fatalf("GetHostedZone: %v %+v", err, hz)
	}
	_, err = c.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String("ZNOPE")})
	var nshz *types.NoSuchHostedZone
	if !errors.As(err, &nshz) {
		t.Errorf("unknown zone: %v", err)
	}
	out, err := submit(ctx, c, id, rrset(types.ChangeActionCreate, "www.example.com.", "A", 300, "192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if out.ChangeInfo.Status != types.ChangeStatusPending {
		t.Errorf("new change status %s", out.ChangeInfo.Status)
	}
	var statuses []types.ChangeStatus
	for range 3 {
		gc, err := c.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id})
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, gc.ChangeInfo.Status)
	}
	if fmt.Sprint(statuses) != "[PENDING INSYNC INSYNC]" {
		t.Errorf("statuses %v", statuses)
	}
	st := srv.Stats()
	if st.Writes != 1 || st.ByOp[OpGetChange] != 3 || st.ByOp[OpListHostedZonesByName] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestChangeBatchRules(t *testing.T) {
	srv, c, id := setup(t)
	ctx := context.Background()
	_, err := submit(ctx, c, id,
		rrset(types.ChangeActionCreate, "*.example.com.", "TXT", 60, `"a" "b"`, `"c"`),
		rrset(types.ChangeActionCreate, "mx.example.com", "MX", 60, "10 mail.example.com."))
	if err != nil {
		t.Fatal(err)
	}
	if set, ok := srv.Get(id, "*.example.com.", "TXT"); !ok || set.Name != `\052.example.com.` || len(set.Values) != 2 {
		t.Fatalf("wildcard stored as %+v %v", set, ok)
	}
	before := srv.RRsets(id)
	cases := []struct {
		name    string
		changes []types.Change
		want    string
	}{
		{"create existing", []types.Change{rrset(types.ChangeActionCreate, "mx.example.com.", "MX", 60, "10 mail.example.com.")}, "already exists"},
		{"delete mismatched values", []types.Change{rrset(types.ChangeActionDelete, `\052.example.com.`, "TXT", 60, `"a" "b"`)}, "do not match"},
		{"delete mismatched ttl", []types.Change{rrset(types.ChangeActionDelete, `*.example.com.`, "TXT", 61, `"a" "b"`, `"c"`)}, "do not match"},
		{"delete missing", []types.Change{rrset(types.ChangeActionDelete, "nope.example.com.", "A", 60, "192.0.2.1")}, "not found"},
		{"outside zone", []types.Change{rrset(types.ChangeActionCreate, "example.org.", "A", 60, "192.0.2.1")}, "not permitted"},
		{"bad value", []types.Change{rrset(types.ChangeActionCreate, "bad.example.com.", "A", 60, "300.1.1.1")}, "Invalid Resource Record"},
		{"cname conflict", []types.Change{rrset(types.ChangeActionCreate, "mx.example.com.", "CNAME", 60, "x.example.com.")}, "conflicting"},
		{"apex ns delete", []types.Change{rrset(types.ChangeActionDelete, "example.com.", "NS", 172800, srv.NameServers(id)...)}, "at least one NS"},
		// A valid first change followed by a bad one: nothing of the batch may be applied.
		{"atomic", []types.Change{
			rrset(types.ChangeActionUpsert, "new.example.com.", "A", 60, "192.0.2.9"),
			rrset(types.ChangeActionDelete, "mx.example.com.", "MX", 60, "10 mail.example.com."),
			rrset(types.ChangeActionCreate, "mx.example.com.", "MX", 60, "10 mail.example.com.", "10 mail.example.com.")}, "Duplicate"},
	}
	for _, tc := range cases {
		_, err := submit(ctx, c, id, tc.changes...)
		var icb *types.InvalidChangeBatch
		var ii *types.InvalidInput
		if !errors.As(err, &icb) && !errors.As(err, &ii) {
			t.Errorf("%s: want InvalidChangeBatch, got %v", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.want)
		}
	}
	if after := srv.RRsets(id); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rejected batches changed the zone:\n%v\n%v", before, after)
	}
	// DELETE + CREATE of one set in one batch replaces it.
	_, err = submit(ctx, c, id,
		rrset(types.ChangeActionDelete, `\052.example.com.`, "TXT", 60, `"c"`, `"a" "b"`),
		rrset(types.ChangeActionCreate, `*.example.com.`, "TXT", 120, `"d"`))
	if err != nil {
		t.Fatal(err)
	}
	if set, _ := srv.Get(id, "*.example.com.", "TXT"); set.TTL != 120 || len(set.Values) != 1 {
		t.Errorf("replace: %+v", set)
	}
}

func TestBatchLimits(t *testing.T) {
	_, c, id := setup(t)
	ctx := context.Background()
	mk := func(action types.ChangeAction, n, perSet int) []types.Change {
		var out []types.Change
		for i := range n {
			var vals []string
			for j := range perSet {
				vals = append(vals, fmt.Sprintf("10.%d.%d.%d", i/256, i%256, j))
			}
			out = append(out, rrset(action, fmt.Sprintf("h%d.example.com.", i), "A", 60, vals...))
		}
		return out
	}
	if _, err := submit(ctx, c, id, mk(types.ChangeActionCreate, 1000, 1)...); err != nil {
		t.Fatalf("1000 records must fit: %v", err)
	}
	if _, err := submit(ctx, c, id, mk(types.ChangeActionUpsert, 501, 1)...); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("501 UPSERTs count as 1002 records: %v", err)
	}
	if _, err := submit(ctx, c, id, mk(types.ChangeActionUpsert, 500, 1)...); err != nil {
		t.Errorf("500 UPSERTs fit: %v", err)
	}
	long := strings.Repeat("x", 250)
	var txt []types.Change
	for i := range 64 {
		txt = append(txt, rrset(types.ChangeActionCreate, fmt.Sprintf("t%d.example.com.", i), "TXT", 60, `"`+long+`" "`+long+`"`))
	}
	if _, err := submit(ctx, c, id, txt...); err == nil || !strings.Contains(err.Error(), "characters") {
		t.Errorf("64 x 504 characters exceed 32000: %v", err)
	}
}

func TestPaginationAndAlias(t *testing.T) {
	srv, c, id := setup(t)
	for i := range 700 {
		if err := srv.Put(id, RRset{Name: fmt.Sprintf("n%03d.example.com.", i), Type: "A", TTL: 60, Values: []string{"192.0.2.1"}}); err != nil {
			t.Fatal(err)
		}
	}
	alias := RRset{Name: "www.example.com.", Type: "A", Alias: &Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "d111.cloudfront.net."}}
	if err := srv.Put(id, alias); err != nil {
		t.Fatal(err)
	}
	all, pages := listAll(t, c, id, 1000)
	if len(all) != 703 || pages != 3 {
		t.Fatalf("listed %d sets in %d pages, want 703 in 3", len(all), pages)
	}
	seen := map[string]bool{}
	for _, s := range all {
		k := *s.Name + string(s.Type)
		if seen[k] {
			t.Fatalf("%s listed twice", k)
		}
		seen[k] = true
		if *s.Name == "www.example.com." {
			if s.AliasTarget == nil || *s.AliasTarget.DNSName != "d111.cloudfront.net." || s.TTL != nil {
				t.Errorf("alias listed as %+v", s)
			}
		}
	}
	if _, pages := listAll(t, c, id, 100); pages != 8 {
		t.Errorf("maxitems=100: %d pages", pages)
	}
}

func TestFaults(t *testing.T) {
	srv, c, id := setup(t)
	ctx := context.Background()
	list := func() error {
		_, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)})
		return err
	}
	srv.Inject(FaultThrottle, 1)
	err := list()
	if !retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		t.Errorf("Throttling must parse as a throttling error: %v", err)
	}
	srv.Inject(FaultPriorRequest, 1)
	var api smithy.APIError
	if err := list(); !errors.As(err, &api) || api.ErrorCode() != "PriorRequestNotComplete" {
		t.Errorf("PriorRequestNotComplete: %v", err)
	}
	srv.Inject(FaultServerError, 1)
	var re interface{ HTTPStatusCode() int }
	if err := list(); !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Errorf("500: %v", err)
	}
	// Go's transport silently retries an idempotent GET whose reused connection closed
	// before any reply, so a dropped read costs a second request; a write is not retried.
	srv.ResetStats()
	srv.Inject(FaultDrop, 1)
	if err := list(); err != nil || srv.Stats().Reads != 2 {
		t.Errorf("dropped read: %v, %+v", err, srv.Stats())
	}
	srv.InjectWrites(FaultDrop, 1)
	_, err = submit(ctx, c, id, rrset(types.ChangeActionCreate, "dropped.example.com.", "A", 60, "192.0.2.1"))
	if _, ok := srv.Get(id, "dropped.example.com.", "A"); err == nil || ok {
		t.Errorf("dropped write: %v, applied %v", err, ok)
	}
	srv.InjectWrites(FaultDropAfter, 1)
	if err := list(); err != nil {
		t.Errorf("write faults must not touch reads: %v", err)
	}
	_, err = submit(ctx, c, id, rrset(types.ChangeActionCreate, "late.example.com.", "A", 60, "192.0.2.1"))
	if err == nil {
		t.Error("drop after apply must fail on the client")
	}
	if _, ok := srv.Get(id, "late.example.com.", "A"); !ok {
		t.Error("drop after apply must still apply the change")
	}
	srv.FailAfter(2, FaultUnavailable)
	for i := range 4 {
		if err := list(); (err != nil) != (i >= 2) {
			t.Errorf("request %d after FailAfter(2): %v", i, err)
		}
	}
	srv.ClearFaults()
	srv.SetRandomFaults(0.5, 7, FaultThrottle)
	failed := 0
	for range 40 {
		if list() != nil {
			failed++
		}
	}
	if failed < 8 || failed > 32 {
		t.Errorf("rate 0.5 failed %d of 40", failed)
	}
	srv.ClearFaults()
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/2013-04-01/hostedzone/"+id+"/rrset", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned request: %d", resp.StatusCode)
	}
}

func TestTimeoutLatencyAndRateLimit(t *testing.T) {
	srv, c, id := setup(t)
	list := func(ctx context.Context) error {
		_, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)})
		return err
	}
	srv.SetHold(time.Minute)
	srv.Inject(FaultTimeout, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	err := list(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("held request: %v", err)
	}
	// A held write is never applied.
	srv.InjectWrites(FaultTimeout, 1)
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err = submit(ctx, c, id, rrset(types.ChangeActionCreate, "held.example.com.", "A", 60, "192.0.2.1"))
	cancel()
	if _, ok := srv.Get(id, "held.example.com.", "A"); err == nil || ok {
		t.Errorf("held write: %v, applied %v", err, ok)
	}
	// Latency longer than the client's deadline makes the call fail; none makes it pass.
	srv.SetLatency(time.Minute)
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	err = list(ctx)
	cancel()
	if err == nil {
		t.Error("latency ignored")
	}
	srv.SetLatency(0)
	// A burst of 3 with a negligible refill rate: the 4th request is throttled.
	srv.SetRateLimit(0.001, 3)
	var errs []bool
	for range 4 {
		errs = append(errs, list(context.Background()) != nil)
	}
	if fmt.Sprint(errs) != "[false false false true]" {
		t.Errorf("rate limit: %v", errs)
	}
	srv.ClearFaults()
	if err := list(context.Background()); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}
