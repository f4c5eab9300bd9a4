package r53emu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
)

// The refusals the botocore route53 model (service-2.json: RData max 4000, the
// ResourceRecordSet Name documentation on "*", Weight 0..255, Failover's enum) and the Route
// 53 Developer Guide (Quotas: 400 values per record; a CNAME alone at its name) document,
// driven through aws-sdk-go-v2's route53 client.
func TestConformanceRefusals(t *testing.T) {
	srv, c, id := setup(t)
	ctx := context.Background()
	weighted := func(name, typ, setID string, w int64, values ...string) types.Change {
		ch := rrset(types.ChangeActionCreate, name, typ, 60, values...)
		ch.ResourceRecordSet.SetIdentifier, ch.ResourceRecordSet.Weight = aws.String(setID), aws.Int64(w)
		return ch
	}
	if _, err := submit(ctx, c, id, weighted("w.example.com.", "A", "blue", 10, "192.0.2.1"),
		weighted("w.example.com.", "A", "green", 20, "192.0.2.2")); err != nil {
		t.Fatal(err)
	}
	many := make([]string, MaxValues+1)
	for i := range many {
		many[i] = fmt.Sprintf("10.%d.%d.1", i/250, i%250)
	}
	failover := rrset(types.ChangeActionCreate, "f.example.com.", "A", 60, "192.0.2.9")
	failover.ResourceRecordSet.SetIdentifier, failover.ResourceRecordSet.Failover = aws.String("one"), "TERTIARY"
	noPolicy := rrset(types.ChangeActionCreate, "p.example.com.", "A", 60, "192.0.2.9")
	noPolicy.ResourceRecordSet.SetIdentifier = aws.String("lonely")
	for _, tc := range []struct {
		name   string
		change types.Change
		code   string
		reason string
	}{
		{"value over 4000 characters", rrset(types.ChangeActionCreate, "long.example.com.", "TXT", 60, `"`+strings.Repeat("a", 4000)+`"`), "InvalidInput", "less than or equal to 4000"},
		{"more than 400 values", rrset(types.ChangeActionCreate, "many.example.com.", "A", 60, many...), "InvalidChangeBatch", "401 values"},
		{"CNAME beside weighted records", rrset(types.ChangeActionCreate, "w.example.com.", "CNAME", 60, "t.example.net."), "InvalidChangeBatch", "conflicting RRSet of type A"},
		{"simple beside weighted", rrset(types.ChangeActionCreate, "w.example.com.", "A", 60, "192.0.2.3"), "InvalidChangeBatch", "routing-policy record set"},
		{"wildcard NS", rrset(types.ChangeActionCreate, "*.example.com.", "NS", 60, "ns.example.net."), "InvalidChangeBatch", "wildcard NS"},
		{"* inside a label", rrset(types.ChangeActionCreate, "a*.example.com.", "A", 60, "192.0.2.4"), "InvalidChangeBatch", "whole leftmost label"},
		{"* as a middle label", rrset(types.ChangeActionCreate, "a.*.example.com.", "A", 60, "192.0.2.4"), "InvalidChangeBatch", "whole leftmost label"},
		{"failover outside its enum", failover, "InvalidInput", "PRIMARY or SECONDARY"},
		{"set identifier without a policy", noPolicy, "InvalidInput", "exactly one routing policy"},
	} {
		_, err := submit(ctx, c, id, tc.change)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || !strings.Contains(ae.ErrorMessage(), tc.reason) {
			t.Errorf("%s: got %v, want %s with %q", tc.name, err, tc.code, tc.reason)
		}
	}
	// A DELETE must name the routing policy exactly.
	del := rrset(types.ChangeActionDelete, "w.example.com.", "A", 60, "192.0.2.1")
	del.ResourceRecordSet.SetIdentifier, del.ResourceRecordSet.Weight = aws.String("blue"), aws.Int64(11)
	if _, err := submit(ctx, c, id, del); err == nil || !strings.Contains(err.Error(), "do not match") {
		t.Errorf("DELETE with another weight: %v", err)
	}
	// The leftmost wildcard is fine, for other types than NS.
	if _, err := submit(ctx, c, id, rrset(types.ChangeActionCreate, "*.example.com.", "A", 60, "192.0.2.5")); err != nil {
		t.Errorf("wildcard A: %v", err)
	}
	// Weighted records keep their routing policy through a listing.
	sets, _ := listAll(t, c, id, 300)
	var got []string
	for _, s := range sets {
		if aws.ToString(s.Name) == "w.example.com." {
			got = append(got, fmt.Sprintf("%s/%d", aws.ToString(s.SetIdentifier), aws.ToInt64(s.Weight)))
		}
	}
	if strings.Join(got, ",") != "blue/10,green/20" {
		t.Errorf("weighted sets listed as %v", got)
	}
	_ = srv
}

// Both forms of InvalidChangeBatch reach the SDK with AWS's reasons: the standard
// <ErrorResponse> (reasons in Message) and <InvalidChangeBatch><Messages>, which the SDK
// decodes into Messages with a generic Message.
func TestInvalidChangeBatchForms(t *testing.T) {
	srv, c, id := setup(t)
	ctx := context.Background()
	bad := rrset(types.ChangeActionDelete, "gone.example.com.", "A", 60, "192.0.2.1")
	_, err := submit(ctx, c, id, bad)
	var icb *types.InvalidChangeBatch
	if !errors.As(err, &icb) || !strings.Contains(icb.ErrorMessage(), "but it was not found") {
		t.Fatalf("standard form: %v", err)
	}
	srv.SetLegacyInvalidChangeBatch(true)
	_, err = submit(ctx, c, id, bad)
	icb = nil
	if !errors.As(err, &icb) || len(icb.Messages) != 1 || !strings.Contains(icb.Messages[0], "but it was not found") {
		t.Fatalf("Messages form: %v (%#v)", err, icb)
	}
	if strings.Contains(icb.ErrorMessage(), "not found") {
		t.Errorf("Messages form: the SDK's Message should be generic, got %q", icb.ErrorMessage())
	}
}

// ListResourceRecordSets orders names by their labels reversed with '.' after each, in ASCII:
// "a-b" (with '-', 45) sorts before "a" followed by '.' (46), and so before "x.a".
func TestListingOrderDotSeparator(t *testing.T) {
	_, c, id := setup(t)
	ctx := context.Background()
	for _, n := range []string{"x.a.example.com.", "a.example.com.", "a-b.example.com."} {
		if _, err := submit(ctx, c, id, rrset(types.ChangeActionCreate, n, "A", 60, "192.0.2.1")); err != nil {
			t.Fatal(err)
		}
	}
	sets, _ := listAll(t, c, id, 300)
	var names []string
	for _, s := range sets {
		if s.Type == types.RRTypeA {
			names = append(names, aws.ToString(s.Name))
		}
	}
	want := "a-b.example.com.,a.example.com.,x.a.example.com."
	if strings.Join(names, ",") != want {
		t.Errorf("order %v, want %s", names, want)
	}
	// Paging from a name in the middle continues in the same order.
	page, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id),
		StartRecordName: aws.String("a.example.com."), StartRecordType: types.RRTypeA})
	if err != nil || len(page.ResourceRecordSets) < 2 || aws.ToString(page.ResourceRecordSets[1].Name) != "x.a.example.com." {
		t.Errorf("page from a.example.com.: %v %v", err, page)
	}
}
